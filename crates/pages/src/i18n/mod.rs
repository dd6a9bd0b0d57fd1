//! The message catalogue: every user-visible string of the hosted pages, one
//! table per language.
//!
//! A struct rather than a key→text map: a key missing from one language is a
//! compile error (every `const` below must name every field), and a template
//! that names an unknown key does not compile, so a raw key can never reach
//! a page. Adding a language is one more file with one more `const`.

mod de;
mod en;

pub(crate) use de::DE;
pub(crate) use en::EN;

/// Defines [`Messages`] from a list of keys, plus (for tests) an iterator
/// over `(key, text)` pairs so parity and leak checks need no second list.
macro_rules! messages {
    ($( $(#[doc = $doc:literal])+ $key:ident, )+) => {
        /// The strings of the hosted pages in one language; see
        /// [`Lang::messages`](crate::Lang::messages).
        #[derive(Debug)]
        pub struct Messages {
            $( $(#[doc = $doc])+ pub $key: &'static str, )+
        }

        #[cfg(test)]
        impl Messages {
            /// Every `(key, text)` pair, in declaration order.
            pub(crate) fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$( (stringify!($key), self.$key), )+]
            }
        }
    };
}

messages! {
    /// Product name shown in the header and the window title.
    brand_name,

    /// Magic-link landing: title when the link can be used here.
    email_link_title,
    /// Magic-link landing: what the button does.
    email_link_text,
    /// Magic-link landing: the button that signs in (a POST, so mail
    /// scanners that follow links do not use it up).
    email_link_continue,
    /// Magic-link landing: title when opened in another browser.
    email_link_other_device_title,
    /// Magic-link landing: why it does not sign in here, and what to do.
    email_link_other_device_text,
    /// Magic-link landing: title when the link is expired or used.
    email_link_invalid_title,
    /// Magic-link landing: what to do about an expired link.
    email_link_invalid_text,

    /// Passkey invitation after a fallback sign-in: title.
    nudge_title,
    /// Passkey invitation: why passkeys are better, in one sentence.
    nudge_text,
    /// Passkey invitation: the button that creates one.
    nudge_create,
    /// Passkey invitation: continue without one this time.
    nudge_not_now,
    /// Passkey invitation: never ask on this device.
    nudge_never,
    /// Passkey invitation: shown when creating the passkey failed.
    nudge_failed,
    /// Passkey invitation: shown while the browser asks for the passkey.
    nudge_working,

    /// Error page: what to do next, under the specific message.
    error_return_hint,
    /// Error page: label of the protocol error code.
    error_code_label,
    /// Error page: label of the request id.
    error_request_id_label,
    /// Error page: why the request id is shown.
    error_support_hint,
    /// Error page title: the client id is not registered.
    error_unknown_client_title,
    /// Error page text: the client id is not registered.
    error_unknown_client_message,
    /// Error page title: the redirect URI is not registered for the client.
    error_redirect_uri_title,
    /// Error page text: the redirect URI is not registered for the client.
    error_redirect_uri_message,
    /// Error page title: a request that cannot be processed.
    error_invalid_request_title,
    /// Error page text: a request that cannot be processed.
    error_invalid_request_message,
    /// Error page title: the login flow expired or is unknown.
    error_session_expired_title,
    /// Error page text: the login flow expired or is unknown.
    error_session_expired_message,
    /// Error page title: a failure on the server's side.
    error_server_title,
    /// Error page text: a failure on the server's side.
    error_server_message,

    /// Form post page: heading and window title.
    form_post_title,
    /// Form post page: what is happening and what to do if nothing does.
    form_post_text,
    /// Form post page: the submit button (names the same word as the text).
    form_post_continue,

    /// Logout confirmation: heading and window title.
    logout_title,
    /// Logout confirmation: which application asked; `{client}` is replaced
    /// by its name.
    logout_client_asked,
    /// Logout confirmation: what signing out does.
    logout_text,
    /// Logout confirmation: the submit button.
    logout_sign_out,
    /// Logout confirmation: the link that cancels.
    logout_stay_signed_in,

    /// Signed-out page: heading and window title.
    signed_out_title,
    /// Signed-out page: what now.
    signed_out_text,

    /// Sign-in page: title of the start state; `{client}` is the
    /// application's name.
    login_title,
    /// Sign-in page: what the start state offers.
    login_intro,
    /// Sign-in page: label of the email-or-username field.
    login_identifier_label,
    /// Sign-in page: submits the identifier.
    login_continue,
    /// Sign-in page: between the form and the passkey button.
    login_or,
    /// Sign-in page: the passkey button (script only).
    login_passkey_button,
    /// Sign-in page: shown while the browser asks for the passkey.
    login_passkey_working,
    /// Sign-in page: the passkey request could not even start (network).
    login_passkey_trouble,
    /// Sign-in page: the link to the fallback options; also their heading
    /// under the passkey button.
    login_other_ways,
    /// Options state: title.
    login_options_title,
    /// Options state: heading of the list when no passkey button is above.
    login_options_heading,
    /// Options state: `{client}` for an unidentified visitor.
    login_signing_in_to,
    /// Options state: `{client}` and the `{identifier}` the visitor typed.
    login_signing_in_as,
    /// Options state: link back to the start to name another account.
    login_not_you,
    /// Options state: ask for the identifier to see more options.
    login_identify_more,
    /// Options state: a passkey option seen without script or WebAuthn.
    login_needs_passkey_browser,
    /// Every state but the start: give up; `{client}`.
    login_cancel,
    /// A two-step option: `{first}` and `{second}` are factor names.
    login_pair,

    /// Option label: try the passkey on this device again.
    login_method_passkey,
    /// Option label: a passkey from a phone or tablet.
    login_method_passkey_hybrid,
    /// Option label: a security key.
    login_method_security_key,
    /// Option label: a code by email.
    login_method_email_code,
    /// Option label: a link by email.
    login_method_email_link,
    /// Option label: an authenticator app.
    login_method_totp,
    /// Option label: a code by text message.
    login_method_sms_code,
    /// Option label: a password.
    login_method_password,
    /// Option label: a recovery code.
    login_method_recovery_code,
    /// Factor name in a two-step option: email code.
    login_factor_email_code,
    /// Factor name in a two-step option: email link.
    login_factor_email_link,
    /// Factor name in a two-step option: authenticator app.
    login_factor_totp,
    /// Factor name in a two-step option: text message code.
    login_factor_sms_code,
    /// Factor name in a two-step option: password.
    login_factor_password,
    /// Factor name in a two-step option: recovery code.
    login_factor_recovery_code,

    /// Why the passkey failed: the account has passkeys, none here.
    login_problem_no_passkey_on_this_device,
    /// Why the passkey failed: the account has no passkey.
    login_problem_no_passkey_at_all,
    /// Why the passkey failed: the prompt was cancelled.
    login_problem_cancelled,
    /// Why the passkey failed: the prompt timed out.
    login_problem_timed_out,
    /// Why the passkey failed: the passkey was deleted on the server.
    login_problem_unknown_credential,
    /// Why the passkey failed: the assertion did not verify.
    login_problem_verification_failed,
    /// Why the passkey failed: the browser cannot use passkeys.
    login_problem_not_supported,
    /// Why the passkey failed: origin or RP ID rejected.
    login_problem_security_error,

    /// Offer reason `retry_passkey`.
    login_reason_retry_passkey,
    /// Offer reason `passkey_on_other_device`.
    login_reason_passkey_on_other_device,
    /// Offer reason `security_key_registered`.
    login_reason_security_key_registered,
    /// Offer reason `security_key` (says nothing about an account).
    login_reason_security_key,
    /// Offer reason `email_verified`.
    login_reason_email_verified,
    /// Offer reason `phone_verified`.
    login_reason_phone_verified,
    /// Offer reason `authenticator_app`.
    login_reason_authenticator_app,
    /// Offer reason `recovery_code_last_resort`.
    login_reason_recovery_code_last_resort,
    /// Offer reason `password_enabled`.
    login_reason_password_enabled,
    /// Offer reason `mfa_required`.
    login_reason_mfa_required,
    /// Offer reason `two_factors_required`.
    login_reason_two_factors_required,

    /// Notice `passkey_removed`.
    login_notice_passkey_removed,
    /// Notice `methods_locked`; `{time}` until the first unlock.
    login_notice_methods_locked,
    /// Notice `account_locked`; `{time}`.
    login_notice_account_locked,

    /// Refused state: title.
    login_refused_title,
    /// Refusal `requirement_unmet`; `{client}`.
    login_refusal_requirement_unmet,
    /// Refusal `account_locked`; `{time}`.
    login_refusal_account_locked,
    /// Refusal `locked`; `{time}`.
    login_refusal_locked,
    /// Refusal `no_method_available`.
    login_refusal_no_method,
    /// Refused state: the button back to `{client}`.
    login_give_up,
    /// Refused state: look again after a lock.
    login_try_again,

    /// Code step by email: title.
    login_step_email_title,
    /// Code step by email: the code is on its way; `{time}` it is valid.
    login_step_email_sent,
    /// Link step by email: the link (and a code) is on its way; `{time}`.
    login_step_email_link_sent,
    /// Code step by email: the same email has a link.
    login_step_email_link_hint,
    /// Code step by text message: title.
    login_step_sms_title,
    /// Code step by text message: sent; `{time}`.
    login_step_sms_sent,
    /// A code step whose code could not be sent yet.
    login_step_not_sent,
    /// Authenticator-app step: title.
    login_step_totp_title,
    /// Authenticator-app step: what to do.
    login_step_totp_text,
    /// Recovery-code step: title.
    login_step_recovery_title,
    /// Recovery-code step: what to do.
    login_step_recovery_text,
    /// Password step: title.
    login_step_password_title,
    /// Password step: what to do.
    login_step_password_text,
    /// Two-step option: `{n}` of `{total}`.
    login_step_of,
    /// Label of a code field.
    login_code_label,
    /// Label of the recovery-code field.
    login_recovery_label,
    /// Label of the password field.
    login_password_label,
    /// Submits a code or password.
    login_verify,
    /// Sends the first code of a step.
    login_send_code,
    /// Sends another code.
    login_send_new_code,
    /// Status after a new code was sent.
    login_code_sent,
    /// A step: back to the options.
    login_choose_another,

    /// Field error: the identifier is empty or too long.
    login_error_identifier,
    /// Field error: the code field is empty.
    login_error_missing_code,
    /// Field error: the password field is empty.
    login_error_missing_password,
    /// Field error: wrong code.
    login_error_wrong_code,
    /// Field error: wrong password.
    login_error_wrong_password,
    /// Added to a wrong code: one more guess.
    login_error_attempts_left_one,
    /// Added to a wrong code: `{n}` more guesses.
    login_error_attempts_left_other,
    /// Field error: the code expired, was used, or ran out of guesses.
    login_error_code_expired,
    /// Field error: locked after wrong guesses; `{time}`.
    login_error_locked,
    /// Too many requests from this network; `{time}`.
    login_error_rate_limited,
    /// A new code only after `{time}`.
    login_error_resend_wait,
    /// The method is not available at this step.
    login_error_not_offered,

    /// A wait of one second.
    login_time_second,
    /// A wait of `{n}` seconds.
    login_time_seconds,
    /// A wait of one minute.
    login_time_minute,
    /// A wait of `{n}` minutes.
    login_time_minutes,
    /// A wait of one hour.
    login_time_hour,
    /// A wait of `{n}` hours.
    login_time_hours,
}

/// Placeholder in [`Messages::logout_client_asked`].
pub(crate) const CLIENT_PLACEHOLDER: &str = "{client}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_key() {
        // The compiler already enforces this (each `const` names every
        // field); this test keeps the promise visible and catches a future
        // switch to a map-based catalogue.
        let en: Vec<_> = EN.entries().into_iter().map(|(k, _)| k).collect();
        let de: Vec<_> = DE.entries().into_iter().map(|(k, _)| k).collect();
        assert_eq!(en, de);
        assert!(!en.is_empty());
    }

    #[test]
    fn texts_are_present_and_tidy() {
        for (lang, m) in [("en", &EN), ("de", &DE)] {
            for (key, text) in m.entries() {
                assert!(!text.trim().is_empty(), "{lang}.{key} is empty");
                assert_eq!(text, text.trim(), "{lang}.{key} has outer whitespace");
                // Texts are plain; markup would be escaped and show up raw.
                assert!(!text.contains(['<', '>']), "{lang}.{key} contains markup");
                // Keys contain `_`, so a leaked key is easy to spot in a page.
                assert!(key.contains('_'), "key {key} needs an underscore");
            }
            assert!(m.logout_client_asked.contains(CLIENT_PLACEHOLDER), "{lang}");
        }
    }

    #[test]
    fn german_is_translated() {
        // The same text in both languages is almost always a forgotten
        // translation; the product name is the exception.
        for ((key, en), (_, de)) in EN.entries().into_iter().zip(DE.entries()) {
            if key != "brand_name" {
                assert_ne!(en, de, "{key} is not translated");
            }
        }
    }
}
