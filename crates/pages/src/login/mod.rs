//! The hosted sign-in page (`/login?flow=ID`): one view model, four states.
//!
//! Every state works with plain HTML forms; `login.js` only adds passkeys
//! (a button, autofill, and the passkey options of the fallback engine).
//! The server maps the engine's codes to the enums here, and every enum
//! variant has its words in the catalogue, so a new code is a compile error
//! here, never a raw code on the page.

mod render;
#[cfg(test)]
mod tests;

use crate::Lang;
use crate::i18n::Messages;

/// Placeholders of the `login_*` texts besides `{client}`.
const IDENTIFIER: &str = "{identifier}";
const TIME: &str = "{time}";
const N: &str = "{n}";
const TOTAL: &str = "{total}";
const FIRST: &str = "{first}";
const SECOND: &str = "{second}";

/// The sign-in page of one login flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginPage {
    pub lang: Lang,
    /// The flow id, posted back by every form (`flow`).
    pub flow_id: String,
    /// The flow's anti-CSRF token, posted back by every form.
    pub csrf_token: String,
    /// The relying party's display name.
    pub client_name: String,
    pub view: LoginView,
}

/// Which state of the sign-in the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginView {
    /// "Sign in to …": identifier field, passkey button, other ways.
    Start(StartView),
    /// The fallback engine's options, best first.
    Options(OptionsView),
    /// The engine refuses: why, and the way back to the application.
    Refused(RefusedView),
    /// A step that takes a code or a password.
    Step(StepView),
}

/// The start state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartView {
    /// Prefills the identifier field ("use another account").
    pub identifier: Option<String>,
    pub feedback: Option<Feedback>,
}

/// The options state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionsView {
    /// Why the passkey did not work, when the browser reported it.
    pub problem: Option<PasskeyProblem>,
    /// What the visitor identified with.
    pub identifier: Option<String>,
    /// Best first.
    pub options: Vec<LoginOption>,
    pub notices: Vec<LoginNotice>,
    /// Ask for an email or username to offer more.
    pub identify_first: bool,
    /// Offer "Sign in with a passkey" above the options (no passkey was
    /// tried yet).
    pub passkey_first: bool,
    pub feedback: Option<Feedback>,
}

/// One option of the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOption {
    /// One step, or two for a two-factor option, in order.
    pub steps: Vec<LoginMethod>,
    pub reason: OptionReason,
    /// Posted as `steps` to `/login/choose` (the wire names, space-separated).
    pub value: String,
}

/// The refused state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedView {
    pub problem: Option<PasskeyProblem>,
    pub identifier: Option<String>,
    pub refusal: Refusal,
    pub feedback: Option<Feedback>,
}

/// A step with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepView {
    /// `EmailCode`, `EmailLink`, `SmsCode`, `Totp`, `RecoveryCode` or
    /// `Password`.
    pub method: LoginMethod,
    /// Posted as `method` (the wire name).
    pub value: String,
    /// `(n, total)` for a two-step option.
    pub position: Option<(u8, u8)>,
    /// A code is on its way for this step.
    pub sent: bool,
    /// How long a sent code stays valid.
    pub code_valid_secs: u64,
    /// For the password manager's username field.
    pub identifier: Option<String>,
    pub feedback: Option<Feedback>,
}

/// A step of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    /// Try the passkey on this device again.
    Passkey,
    PasskeyHybrid,
    SecurityKey,
    EmailCode,
    EmailLink,
    Totp,
    SmsCode,
    Password,
    RecoveryCode,
}

impl LoginMethod {
    /// Whether the step is a passkey ceremony (driven by `login.js`).
    #[must_use]
    pub fn is_passkey(self) -> bool {
        matches!(
            self,
            Self::Passkey | Self::PasskeyHybrid | Self::SecurityKey
        )
    }

    /// The WebAuthn L3 `hints` value `login.js` passes for this option.
    fn passkey_hint(self) -> Option<&'static str> {
        match self {
            Self::Passkey => Some("client-device"),
            Self::PasskeyHybrid => Some("hybrid"),
            Self::SecurityKey => Some("security-key"),
            _ => None,
        }
    }

    fn label(self, m: &Messages) -> &'static str {
        match self {
            Self::Passkey => m.login_method_passkey,
            Self::PasskeyHybrid => m.login_method_passkey_hybrid,
            Self::SecurityKey => m.login_method_security_key,
            Self::EmailCode => m.login_method_email_code,
            Self::EmailLink => m.login_method_email_link,
            Self::Totp => m.login_method_totp,
            Self::SmsCode => m.login_method_sms_code,
            Self::Password => m.login_method_password,
            Self::RecoveryCode => m.login_method_recovery_code,
        }
    }

    /// The short name used inside a two-step option's label.
    fn factor(self, m: &Messages) -> &'static str {
        match self {
            Self::EmailCode => m.login_factor_email_code,
            Self::EmailLink => m.login_factor_email_link,
            Self::Totp => m.login_factor_totp,
            Self::SmsCode => m.login_factor_sms_code,
            Self::Password => m.login_factor_password,
            Self::RecoveryCode => m.login_factor_recovery_code,
            passkey => passkey.label(m),
        }
    }
}

/// Why the passkey did not work (`PasskeyFailure`), one sentence each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyProblem {
    NoPasskeyOnThisDevice,
    NoPasskeyAtAll,
    Cancelled,
    TimedOut,
    UnknownCredential,
    VerificationFailed,
    NotSupported,
    SecurityError,
}

impl PasskeyProblem {
    fn text(self, m: &Messages) -> &'static str {
        match self {
            Self::NoPasskeyOnThisDevice => m.login_problem_no_passkey_on_this_device,
            Self::NoPasskeyAtAll => m.login_problem_no_passkey_at_all,
            Self::Cancelled => m.login_problem_cancelled,
            Self::TimedOut => m.login_problem_timed_out,
            Self::UnknownCredential => m.login_problem_unknown_credential,
            Self::VerificationFailed => m.login_problem_verification_failed,
            Self::NotSupported => m.login_problem_not_supported,
            Self::SecurityError => m.login_problem_security_error,
        }
    }
}

/// Why an option is offered (the engine's `offer_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionReason {
    RetryPasskey,
    PasskeyOnOtherDevice,
    SecurityKeyRegistered,
    SecurityKey,
    EmailVerified,
    PhoneVerified,
    AuthenticatorApp,
    RecoveryCodeLastResort,
    PasswordEnabled,
    MfaRequired,
    TwoFactorsRequired,
}

impl OptionReason {
    fn text(self, m: &Messages) -> &'static str {
        match self {
            Self::RetryPasskey => m.login_reason_retry_passkey,
            Self::PasskeyOnOtherDevice => m.login_reason_passkey_on_other_device,
            Self::SecurityKeyRegistered => m.login_reason_security_key_registered,
            Self::SecurityKey => m.login_reason_security_key,
            Self::EmailVerified => m.login_reason_email_verified,
            Self::PhoneVerified => m.login_reason_phone_verified,
            Self::AuthenticatorApp => m.login_reason_authenticator_app,
            Self::RecoveryCodeLastResort => m.login_reason_recovery_code_last_resort,
            Self::PasswordEnabled => m.login_reason_password_enabled,
            Self::MfaRequired => m.login_reason_mfa_required,
            Self::TwoFactorsRequired => m.login_reason_two_factors_required,
        }
    }
}

/// Something to say besides the options (the engine's `notice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginNotice {
    PasskeyRemoved,
    MethodsLocked { retry_after_secs: u64 },
    AccountLocked { retry_after_secs: u64 },
}

/// Why nothing can be offered (the engine's `refusal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    RequirementUnmet,
    AccountLocked { retry_after_secs: u64 },
    Locked { retry_after_secs: u64 },
    NoMethodAvailable,
}

/// The outcome of the last form, carried across the redirect after a POST
/// as a code (`e`) and a number (`n`), never as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
    /// The identifier was empty, too long or had control characters.
    InvalidIdentifier,
    /// The code field was empty.
    MissingCode,
    /// Wrong code; how many more guesses a sent code allows.
    InvalidCode { attempts_left: Option<u64> },
    /// The code expired, was used, or ran out of guesses.
    CodeExpired,
    /// Too many wrong guesses locked the method.
    Locked { retry_after_secs: u64 },
    /// Too many requests from this network.
    RateLimited { retry_after_secs: u64 },
    /// A new code may be sent only after a while.
    ResendWait { retry_after_secs: u64 },
    /// The method is not available at this step (a stale form).
    NotOffered,
    /// A new code was sent (not an error).
    CodeSent,
}

/// Largest number accepted in `n`: a day in seconds is the longest wait.
const MAX_N: u64 = 7 * 24 * 3600;

impl Feedback {
    /// The query parameters that carry this outcome: `e=…` and maybe `&n=…`.
    #[must_use]
    pub fn query(self) -> String {
        let (code, n) = match self {
            Self::InvalidIdentifier => ("identifier", None),
            Self::MissingCode => ("missing_code", None),
            Self::InvalidCode { attempts_left } => ("invalid_code", attempts_left),
            Self::CodeExpired => ("code_expired", None),
            Self::Locked { retry_after_secs } => ("locked", Some(retry_after_secs)),
            Self::RateLimited { retry_after_secs } => ("rate_limited", Some(retry_after_secs)),
            Self::ResendWait { retry_after_secs } => ("resend_wait", Some(retry_after_secs)),
            Self::NotOffered => ("not_offered", None),
            Self::CodeSent => ("code_sent", None),
        };
        match n {
            Some(n) => format!("e={code}&n={}", n.min(MAX_N)),
            None => format!("e={code}"),
        }
    }

    /// Read `e` and `n` back; unknown codes and unreadable numbers are
    /// ignored (a tampered link shows nothing, never the tampering).
    #[must_use]
    pub fn from_query(e: &str, n: Option<&str>) -> Option<Self> {
        let n = n
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n <= MAX_N);
        let secs = || n.map(|s| s.max(1));
        Some(match e {
            "identifier" => Self::InvalidIdentifier,
            "missing_code" => Self::MissingCode,
            "invalid_code" => Self::InvalidCode { attempts_left: n },
            "code_expired" => Self::CodeExpired,
            "locked" => Self::Locked {
                retry_after_secs: secs()?,
            },
            "rate_limited" => Self::RateLimited {
                retry_after_secs: secs()?,
            },
            "resend_wait" => Self::ResendWait {
                retry_after_secs: secs()?,
            },
            "not_offered" => Self::NotOffered,
            "code_sent" => Self::CodeSent,
            _ => return None,
        })
    }

    fn text(self, m: &Messages, method: Option<LoginMethod>) -> String {
        let password = method == Some(LoginMethod::Password);
        match self {
            Self::InvalidIdentifier => m.login_error_identifier.to_owned(),
            Self::MissingCode if password => m.login_error_missing_password.to_owned(),
            Self::MissingCode => m.login_error_missing_code.to_owned(),
            Self::InvalidCode { .. } if password => m.login_error_wrong_password.to_owned(),
            Self::InvalidCode {
                attempts_left: Some(0),
            }
            | Self::CodeExpired => m.login_error_code_expired.to_owned(),
            Self::InvalidCode {
                attempts_left: Some(1),
            } => {
                format!(
                    "{} {}",
                    m.login_error_wrong_code, m.login_error_attempts_left_one
                )
            }
            Self::InvalidCode {
                attempts_left: Some(n),
            } => format!(
                "{} {}",
                m.login_error_wrong_code,
                m.login_error_attempts_left_other.replace(N, &n.to_string())
            ),
            Self::InvalidCode {
                attempts_left: None,
            } => m.login_error_wrong_code.to_owned(),
            Self::Locked { retry_after_secs } => m
                .login_error_locked
                .replace(TIME, &duration(m, retry_after_secs)),
            Self::RateLimited { retry_after_secs } => m
                .login_error_rate_limited
                .replace(TIME, &duration(m, retry_after_secs)),
            Self::ResendWait { retry_after_secs } => m
                .login_error_resend_wait
                .replace(TIME, &duration(m, retry_after_secs)),
            Self::NotOffered => m.login_error_not_offered.to_owned(),
            Self::CodeSent => m.login_code_sent.to_owned(),
        }
    }
}

/// A wait in words, rounded up: seconds under a minute, minutes under two
/// hours, hours beyond.
fn duration(m: &Messages, secs: u64) -> String {
    let n = |count: u64, one: &str, other: &str| {
        if count == 1 {
            one.to_owned()
        } else {
            other.replace(N, &count.to_string())
        }
    };
    match secs {
        0..60 => n(secs.max(1), m.login_time_second, m.login_time_seconds),
        60..7200 => n(secs.div_ceil(60), m.login_time_minute, m.login_time_minutes),
        _ => n(secs.div_ceil(3600), m.login_time_hour, m.login_time_hours),
    }
}
