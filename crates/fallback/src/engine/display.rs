//! Text rendering of a decision, for `latchkey policy explain` and logs
//! (the page and the API use the serialised codes instead).

use std::fmt;

use super::output::{Decision, Notice, Offer, RefusalReason, SkipReason};

fn with_retry(f: &mut fmt::Formatter<'_>, code: &str, secs: Option<u64>) -> fmt::Result {
    match secs {
        Some(s) => write!(f, "{code} (retry after {s}s)"),
        None => f.write_str(code),
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_retry(f, self.code(), self.retry_after_secs())
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_retry(f, self.code(), self.retry_after_secs())
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_retry(f, self.code(), self.retry_after_secs())
    }
}

impl fmt::Display for Offer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let steps: Vec<&str> = self.steps.iter().map(|s| s.as_str()).collect();
        let reason = self.reason.code();
        write!(
            f,
            "{}  [{reason}]  acr={} amr={}",
            steps.join(" + "),
            self.acr.as_str(),
            self.amr.join(" ")
        )?;
        if self.enroll_passkey_after {
            f.write_str("  then offer passkey enrollment")?;
        }
        Ok(())
    }
}

/// A human-readable rendering for `latchkey policy explain`.
impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Offer {
                options,
                identify_first,
                notices,
                ..
            } => {
                writeln!(f, "offer:")?;
                for (i, o) in options.iter().enumerate() {
                    writeln!(f, "  {}. {o}", i + 1)?;
                }
                if *identify_first {
                    writeln!(
                        f,
                        "  identify first: ask for an email or username to offer more"
                    )?;
                }
                for n in notices {
                    writeln!(f, "notice: {n}")?;
                }
            }
            Self::Refuse { reason, .. } => writeln!(f, "refuse: {reason}")?,
        }
        let skipped = self.skipped();
        if !skipped.is_empty() {
            writeln!(f, "skipped:")?;
            for s in skipped {
                writeln!(f, "  {}: {}", s.method, s.reason)?;
            }
        }
        Ok(())
    }
}
