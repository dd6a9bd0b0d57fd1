//! What the sign-in page shows for a flow: its state, from the flow, its
//! fallback progress and the engine's decision, mapped onto the page's own
//! view model. Every match is exhaustive, so a new engine code fails to
//! compile here instead of reaching the page raw.

use actix_web::HttpRequest;
use latchkey_core::PasskeyFailure;
use latchkey_fallback::engine::{Decision, Notice, Offer, OfferReason, RefusalReason, Step};
use latchkey_fallback::policy::FallbackMethod;
use latchkey_oidc::flow::LoginFlow;
use latchkey_pages::{
    Feedback, LoginMethod, LoginNotice, LoginOption, LoginView, OptionReason, OptionsView,
    PasskeyProblem, Refusal, RefusedView, StartView, StepView,
};

use crate::error::ApiError;
use crate::fallback::{self, challenge, progress};
use crate::state::AppState;

/// The state a `view=` parameter asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// `view=start`: name (another) account.
    Start,
    /// `view=options`: the engine's options, also in the middle of a step.
    Options,
}

impl Asked {
    /// The `view=` value.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Options => "options",
        }
    }

    /// Read `view=`; anything else is no preference.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "start" => Some(Self::Start),
            "options" => Some(Self::Options),
            _ => None,
        }
    }
}

/// The view of a pending flow: a step in progress, else the options once
/// the visitor identified or a passkey failed (or they asked for them),
/// else the start.
pub async fn build(
    state: &AppState,
    req: &HttpRequest,
    flow: &LoginFlow,
    asked: Option<Asked>,
    feedback: Option<Feedback>,
) -> Result<LoginView, ApiError> {
    let p = progress::load(state, flow).await?;
    if asked == Some(Asked::Start) {
        return Ok(start(flow, feedback));
    }
    if asked.is_none()
        && let Some(next) = p.next_step().filter(|m| !m.is_passkey())
    {
        let sent = match &p.challenge {
            Some(c) if same_channel(c.method, next) => {
                challenge::get(state, &c.id).await?.is_some()
            }
            _ => false,
        };
        let position = (p.chosen.len() > 1).then(|| {
            let n = u8::try_from(p.done.len() + 1).unwrap_or(u8::MAX);
            (n, u8::try_from(p.chosen.len()).unwrap_or(u8::MAX))
        });
        return Ok(LoginView::Step(StepView {
            method: method(next),
            value: next.as_str().to_owned(),
            position,
            sent,
            code_valid_secs: u64::try_from(challenge::CODE_TTL_SECS).unwrap_or(0),
            identifier: flow.identifier.clone(),
            feedback,
        }));
    }
    if asked.is_none() && flow.identifier.is_none() && p.failure.is_none() {
        return Ok(start(flow, feedback));
    }
    let (_, _, decision) = fallback::decide(state, req, flow).await?;
    let problem = p.failure.map(problem);
    Ok(match decision {
        Decision::Refuse { reason, .. } => LoginView::Refused(RefusedView {
            problem,
            identifier: flow.identifier.clone(),
            refusal: refusal(reason),
            feedback,
        }),
        Decision::Offer {
            options,
            identify_first,
            notices,
            ..
        } => LoginView::Options(OptionsView {
            problem,
            identifier: flow.identifier.clone(),
            // Nothing was tried yet: the passkey comes first. It is the
            // front door for everyone (the start page offers it to every
            // visitor too), so offering it says nothing about the account,
            // and it does not depend on the engine's other options (a
            // browser without hybrid still has its own passkeys).
            passkey_first: p.failure.is_none(),
            options: options.iter().map(option).collect(),
            notices: notices.into_iter().map(notice).collect(),
            identify_first,
            feedback,
        }),
    })
}

fn start(flow: &LoginFlow, feedback: Option<Feedback>) -> LoginView {
    LoginView::Start(StartView {
        identifier: flow
            .identifier
            .clone()
            .or_else(|| flow.request.login_hint.clone()),
        feedback,
    })
}

/// An email code and an email link are one email (one challenge).
fn same_channel(a: FallbackMethod, b: FallbackMethod) -> bool {
    let email = |m| matches!(m, FallbackMethod::EmailCode | FallbackMethod::EmailLink);
    a == b || (email(a) && email(b))
}

/// Whether completing `m` starts by sending something.
#[must_use]
pub fn sends(m: FallbackMethod) -> bool {
    matches!(
        m,
        FallbackMethod::EmailCode | FallbackMethod::EmailLink | FallbackMethod::SmsCode
    )
}

fn option(o: &Offer) -> LoginOption {
    LoginOption {
        steps: o.steps.iter().map(|s| step(*s)).collect(),
        reason: reason(o.reason),
        value: o
            .steps
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn step(s: Step) -> LoginMethod {
    match s {
        Step::Passkey => LoginMethod::Passkey,
        Step::Method(m) => method(m),
    }
}

fn method(m: FallbackMethod) -> LoginMethod {
    match m {
        FallbackMethod::PasskeyHybrid => LoginMethod::PasskeyHybrid,
        FallbackMethod::SecurityKey => LoginMethod::SecurityKey,
        FallbackMethod::EmailCode => LoginMethod::EmailCode,
        FallbackMethod::EmailLink => LoginMethod::EmailLink,
        FallbackMethod::Totp => LoginMethod::Totp,
        FallbackMethod::SmsCode => LoginMethod::SmsCode,
        FallbackMethod::Password => LoginMethod::Password,
        FallbackMethod::RecoveryCode => LoginMethod::RecoveryCode,
    }
}

fn problem(f: PasskeyFailure) -> PasskeyProblem {
    match f {
        PasskeyFailure::NoPasskeyOnThisDevice => PasskeyProblem::NoPasskeyOnThisDevice,
        PasskeyFailure::NoPasskeyAtAll => PasskeyProblem::NoPasskeyAtAll,
        PasskeyFailure::Cancelled => PasskeyProblem::Cancelled,
        PasskeyFailure::TimedOut => PasskeyProblem::TimedOut,
        PasskeyFailure::UnknownCredential => PasskeyProblem::UnknownCredential,
        PasskeyFailure::VerificationFailed => PasskeyProblem::VerificationFailed,
        PasskeyFailure::NotSupported => PasskeyProblem::NotSupported,
        PasskeyFailure::SecurityError => PasskeyProblem::SecurityError,
    }
}

fn reason(r: OfferReason) -> OptionReason {
    match r {
        OfferReason::RetryPasskey => OptionReason::RetryPasskey,
        OfferReason::PasskeyOnOtherDevice => OptionReason::PasskeyOnOtherDevice,
        OfferReason::SecurityKeyRegistered => OptionReason::SecurityKeyRegistered,
        OfferReason::SecurityKey => OptionReason::SecurityKey,
        OfferReason::EmailVerified => OptionReason::EmailVerified,
        OfferReason::PhoneVerified => OptionReason::PhoneVerified,
        OfferReason::AuthenticatorApp => OptionReason::AuthenticatorApp,
        OfferReason::RecoveryCodeLastResort => OptionReason::RecoveryCodeLastResort,
        OfferReason::PasswordEnabled => OptionReason::PasswordEnabled,
        OfferReason::MfaRequired => OptionReason::MfaRequired,
        OfferReason::TwoFactorsRequired => OptionReason::TwoFactorsRequired,
    }
}

fn notice(n: Notice) -> LoginNotice {
    match n {
        Notice::PasskeyRemoved => LoginNotice::PasskeyRemoved,
        Notice::MethodsLocked { retry_after_secs } => {
            LoginNotice::MethodsLocked { retry_after_secs }
        }
        Notice::AccountLocked { retry_after_secs } => {
            LoginNotice::AccountLocked { retry_after_secs }
        }
    }
}

fn refusal(r: RefusalReason) -> Refusal {
    match r {
        RefusalReason::RequirementUnmet => Refusal::RequirementUnmet,
        RefusalReason::AccountLocked { retry_after_secs } => {
            Refusal::AccountLocked { retry_after_secs }
        }
        RefusalReason::Locked { retry_after_secs } => Refusal::Locked { retry_after_secs },
        RefusalReason::NoMethodAvailable => Refusal::NoMethodAvailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_and_failure_has_words() {
        for m in FallbackMethod::ALL {
            assert_eq!(method(m).is_passkey(), m.is_passkey(), "{m:?}");
        }
        for f in PasskeyFailure::ALL {
            let _ = problem(f);
        }
        assert!(same_channel(
            FallbackMethod::EmailLink,
            FallbackMethod::EmailCode
        ));
        assert!(!same_channel(
            FallbackMethod::SmsCode,
            FallbackMethod::EmailCode
        ));
        assert!(sends(FallbackMethod::EmailLink) && !sends(FallbackMethod::Totp));
    }
}
