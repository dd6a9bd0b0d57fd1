//! Why a passkey sign-in did not work, in terms a person (and the fallback
//! engine) can act on.
//!
//! The browser tells us little: WebAuthn reports most failures as one
//! `DOMException` named `NotAllowedError` (WebAuthn L3 §5.1.4.1 and §5.1.3:
//! the user cancelled, the ceremony timed out, or no authenticator had a
//! matching credential are deliberately indistinguishable, for privacy,
//! §14.5.2 "Authentication Ceremony Privacy"). [`classify`] combines that
//! report with what the server knows, by the documented rules below, and
//! never turns the server's knowledge of an account into a signal an
//! unidentified visitor can read.

pub use latchkey_core::PasskeyFailure;

/// What the page reports after `navigator.credentials.get()` failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientReport {
    /// The `DOMException` name (`NotAllowedError`, `AbortError`,
    /// `SecurityError`, `InvalidStateError`, `NotSupportedError`,
    /// `TimeoutError`, `ConstraintError`, `UnknownError`, …); `None` when the
    /// ceremony could not even start (no WebAuthn API in this browser).
    pub dom_exception: Option<String>,
    /// `PublicKeyCredential.isConditionalMediationAvailable()`.
    pub conditional_mediation_available: Option<bool>,
    /// `isUserVerifyingPlatformAuthenticatorAvailable()`.
    pub platform_authenticator_available: Option<bool>,
    /// `getClientCapabilities().hybridTransport` (L3 §5.1.7).
    pub hybrid_available: Option<bool>,
    /// The credential id, when the device returned an assertion.
    pub credential_id: Option<Vec<u8>>,
    /// Milliseconds between starting the ceremony and the failure.
    pub elapsed_ms: Option<u64>,
}

/// What the server knows when classifying.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerKnowledge {
    /// Whether facts about the account may be told to this visitor: the flow
    /// is bound to an account (identifier-first, or a signed-in user). For an
    /// identifier that matches no account the caller passes either `false`
    /// or the same knowledge it would pass for an account with passkeys, so
    /// the answer cannot reveal whether the account exists.
    pub identified: bool,
    /// How many passkeys the identified user has (ignored when not identified).
    pub user_passkey_count: usize,
    /// Whether `ClientReport::credential_id` names a stored credential
    /// (`None` when no id was reported or it was not looked up).
    pub credential_known: Option<bool>,
    /// The ceremony's timeout in milliseconds, to recognise a timeout behind
    /// a `NotAllowedError`.
    pub ceremony_timeout_ms: Option<u64>,
}

impl ServerKnowledge {
    /// Knowledge for a visitor who has not identified an account.
    #[must_use]
    pub fn unidentified() -> Self {
        Self::default()
    }
}

/// A `NotAllowedError` this close to the ceremony timeout counts as a
/// timeout: browsers reject a little before or after the exact deadline.
const TIMEOUT_SLACK_PERCENT: u64 = 95;

/// Classify a client-side failure. The rules, in order:
///
/// 1. A credential id the server does not know → `UnknownCredential` (the
///    device holds a credential that was deleted here; saying so reveals
///    nothing, since only its holder has the id). A known one whose
///    assertion still failed → `VerificationFailed`.
/// 2. Environment errors, independent of any account: `SecurityError`
///    (L3 §5.1.3/§5.1.4.1: the RP ID is not a registrable suffix of the
///    origin) → `SecurityError`; `NotSupportedError`, `ConstraintError`, or
///    no exception at all (the API is missing) → `NotSupported`;
///    `TimeoutError` → `TimedOut`; `AbortError` (§5.6: the page aborted,
///    e.g. autofill replaced by the button) → `Cancelled`.
/// 3. `NotAllowedError`: if the elapsed time reached ~the timeout →
///    `TimedOut`. Otherwise, for an identified user with no passkeys →
///    `NoPasskeyAtAll`; with passkeys → `NoPasskeyOnThisDevice` (the prompt
///    found none of the allowed credentials here, or the user dismissed the
///    "use another device" choice: both mean "not on this device", and a
///    user who had one here would normally have used it). For a visitor who
///    is not identified → `Cancelled`, the neutral reading.
/// 4. Anything else (`InvalidStateError`, `UnknownError`, unrecognised
///    names) → `VerificationFailed`.
///
/// Only rule 3 reads the account, and only when `identified`, so an
/// unidentified visitor never receives `NoPasskeyAtAll` or
/// `NoPasskeyOnThisDevice`.
#[must_use]
pub fn classify(report: &ClientReport, known: &ServerKnowledge) -> PasskeyFailure {
    if report.credential_id.is_some() {
        match known.credential_known {
            Some(false) => return PasskeyFailure::UnknownCredential,
            Some(true) => return PasskeyFailure::VerificationFailed,
            None => {}
        }
    }
    let Some(name) = report.dom_exception.as_deref() else {
        return PasskeyFailure::NotSupported;
    };
    match name {
        "SecurityError" => PasskeyFailure::SecurityError,
        "NotSupportedError" | "ConstraintError" => PasskeyFailure::NotSupported,
        "TimeoutError" => PasskeyFailure::TimedOut,
        "AbortError" => PasskeyFailure::Cancelled,
        "NotAllowedError" => not_allowed(report, known),
        _ => PasskeyFailure::VerificationFailed,
    }
}

fn not_allowed(report: &ClientReport, known: &ServerKnowledge) -> PasskeyFailure {
    if let (Some(elapsed), Some(timeout)) = (report.elapsed_ms, known.ceremony_timeout_ms)
        && timeout > 0
        && elapsed.saturating_mul(100) >= timeout.saturating_mul(TIMEOUT_SLACK_PERCENT)
    {
        return PasskeyFailure::TimedOut;
    }
    if !known.identified {
        return PasskeyFailure::Cancelled;
    }
    if known.user_passkey_count == 0 {
        PasskeyFailure::NoPasskeyAtAll
    } else {
        PasskeyFailure::NoPasskeyOnThisDevice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dom: Option<&str>, cred: bool, elapsed: Option<u64>) -> ClientReport {
        ClientReport {
            dom_exception: dom.map(str::to_owned),
            credential_id: cred.then(|| vec![1, 2, 3]),
            elapsed_ms: elapsed,
            ..ClientReport::default()
        }
    }

    fn knows(identified: bool, count: usize, cred: Option<bool>) -> ServerKnowledge {
        ServerKnowledge {
            identified,
            user_passkey_count: count,
            credential_known: cred,
            ceremony_timeout_ms: Some(300_000),
        }
    }

    #[test]
    fn table() {
        use PasskeyFailure as F;
        let na = Some("NotAllowedError");
        #[rustfmt::skip]
        let cases: &[(&str, ClientReport, ServerKnowledge, PasskeyFailure)] = &[
            ("deleted on server", report(None, true, None), knows(false, 0, Some(false)), F::UnknownCredential),
            ("deleted, identified", report(na, true, None), knows(true, 2, Some(false)), F::UnknownCredential),
            ("known cred, failed", report(None, true, None), knows(false, 0, Some(true)), F::VerificationFailed),
            ("cred not looked up", report(na, true, Some(10)), knows(false, 0, None), F::Cancelled),
            ("no webauthn api", report(None, false, None), knows(true, 3, None), F::NotSupported),
            ("security error", report(Some("SecurityError"), false, None), knows(true, 1, None), F::SecurityError),
            ("not supported", report(Some("NotSupportedError"), false, None), knows(false, 0, None), F::NotSupported),
            ("constraint", report(Some("ConstraintError"), false, None), knows(false, 0, None), F::NotSupported),
            ("legacy timeout", report(Some("TimeoutError"), false, None), knows(false, 0, None), F::TimedOut),
            ("page aborted", report(Some("AbortError"), false, None), knows(true, 2, None), F::Cancelled),
            ("timeout behind NotAllowed", report(na, false, Some(299_000)), knows(true, 2, None), F::TimedOut),
            ("timeout, unidentified", report(na, false, Some(300_500)), knows(false, 0, None), F::TimedOut),
            ("quick, unidentified", report(na, false, Some(4_000)), knows(false, 0, None), F::Cancelled),
            ("no timing, unidentified", report(na, false, None), knows(false, 0, None), F::Cancelled),
            ("identified, none at all", report(na, false, Some(4_000)), knows(true, 0, None), F::NoPasskeyAtAll),
            ("identified, has some", report(na, false, Some(4_000)), knows(true, 2, None), F::NoPasskeyOnThisDevice),
            ("identified, no timing", report(na, false, None), knows(true, 1, None), F::NoPasskeyOnThisDevice),
            ("invalid state", report(Some("InvalidStateError"), false, None), knows(true, 1, None), F::VerificationFailed),
            ("unknown error", report(Some("UnknownError"), false, None), knows(true, 1, None), F::VerificationFailed),
            ("unrecognised", report(Some("WeirdError"), false, None), knows(false, 0, None), F::VerificationFailed),
        ];
        for (why, r, k, want) in cases {
            assert_eq!(classify(r, k), *want, "{why}");
        }
    }

    /// Whatever the account looks like, an unidentified visitor gets the
    /// same answer for the same client report.
    #[test]
    fn unidentified_answers_do_not_depend_on_the_account() {
        let dom = [
            None,
            Some("NotAllowedError"),
            Some("AbortError"),
            Some("SecurityError"),
            Some("InvalidStateError"),
        ];
        for d in dom {
            for elapsed in [None, Some(1_000), Some(400_000)] {
                let r = report(d, false, elapsed);
                let answers: Vec<PasskeyFailure> = [0usize, 1, 5]
                    .into_iter()
                    .map(|count| {
                        let k = ServerKnowledge {
                            user_passkey_count: count,
                            ..knows(false, count, None)
                        };
                        classify(&r, &k)
                    })
                    .collect();
                assert!(
                    answers.windows(2).all(|w| w[0] == w[1]),
                    "{d:?} {elapsed:?}"
                );
                assert!(!answers[0].is_about_the_account(), "{d:?} {elapsed:?}");
            }
        }
    }

    #[test]
    fn wire_spelling_matches_serde() {
        for f in PasskeyFailure::ALL {
            let json = serde_json::to_string(&f).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", f.as_str()));
        }
    }
}
