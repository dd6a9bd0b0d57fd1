//! Back to passkeys: whether to invite the user to create a passkey after a
//! successful fallback sign-in. Frequency capping and "not on this device"
//! are the server's (it passes them as `Situation::nudge_suppressed`); the
//! rule itself is here, in one place.

use super::input::Situation;
use crate::policy::FallbackMethod;

/// Whether to offer passkey enrollment after the user signed in with
/// `succeeded` (the fallback methods completed, in any order):
///
/// 1. nothing succeeded → no;
/// 2. a recovery code was used → yes, always: the user has lost their usual
///    way in, so enrolling a new passkey is part of recovery, not a nudge
///    (neither `nudge = false` nor a suppression stops it);
/// 3. the policy's `nudge` is off, or the server suppressed it → no;
/// 4. a security key was used → no (the user carries a passkey already and
///    chose it deliberately);
/// 5. this browser has a platform authenticator → yes (create a passkey
///    here, also after a passkey from another device);
/// 6. otherwise, hybrid is available and the sign-in did not already use it
///    → yes (create a passkey on a phone);
/// 7. otherwise → no.
#[must_use]
pub fn offer_passkey_enrollment_after(s: &Situation, succeeded: &[FallbackMethod]) -> bool {
    if succeeded.is_empty() {
        return false;
    }
    if succeeded.contains(&FallbackMethod::RecoveryCode) {
        return true;
    }
    if !s.policy.nudge() || s.nudge_suppressed {
        return false;
    }
    if succeeded.contains(&FallbackMethod::SecurityKey) {
        return false;
    }
    if s.device.platform_authenticator == Some(true) {
        return true;
    }
    s.device.hybrid == Some(true) && !succeeded.contains(&FallbackMethod::PasskeyHybrid)
}
