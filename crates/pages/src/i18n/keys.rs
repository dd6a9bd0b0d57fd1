//! The catalogue's keys: one field of [`Messages`] per user-visible string,
//! each documented for translators (where it appears, what it must say).

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

    /// Invitation page: heading and window title.
    enroll_title,
    /// Invitation page: what a passkey is, in one sentence.
    enroll_text,
    /// Invitation page: the button that creates the passkey.
    enroll_create,
    /// Invitation page: shown while the browser asks for the passkey.
    enroll_working,
    /// Invitation page: shown without script or WebAuthn.
    enroll_needs_browser,
    /// Invitation page: the passkey was created.
    enroll_done,
    /// Invitation page: link to the account page after success.
    enroll_done_account,
    /// Invitation page: title when the link is missing or malformed.
    enroll_invalid_title,
    /// Invitation page: what to do about a malformed link.
    enroll_invalid_text,
    /// Invitation page: the link is used, expired or unknown (`invitation_invalid`).
    enroll_error_used,
    /// Invitation page: the prompt was cancelled (`NotAllowedError`).
    enroll_error_cancelled,
    /// Invitation page: the registration expired (`registration_invalid`).
    enroll_error_setup_expired,
    /// Invitation page: the passkey did not verify (`registration_failed`).
    enroll_error_failed,
    /// Invitation page: the credential is registered already (`credential_exists`).
    enroll_error_exists,
    /// Invitation page: the device already holds a passkey of the user (`InvalidStateError`).
    enroll_error_on_device,
    /// Invitation page: anything else (network, server).
    enroll_error_other,
    /// Account page: heading and window title.
    account_title,
    /// Account page: who is signed in; `{identifier}` is the username.
    account_signed_in_as,
    /// Account page: shown without script.
    account_needs_script,
    /// Account page without a session: heading and window title.
    account_sign_in_title,
    /// Account page without a session: what to do.
    account_sign_in_text,
    /// Account page: the sign-out link.
    account_sign_out,
    /// Account page: closes an inline form.
    account_cancel,
    /// Account page: shown while the browser asks for a passkey.
    account_working,
    /// Account page: display-name section heading.
    account_name_heading,
    /// Account page: label of the display-name field.
    account_name_label,
    /// Account page: who sees the display name.
    account_name_hint,
    /// Account page: saves the display name.
    account_name_save,
    /// Account page: passkeys section heading.
    account_passkeys_heading,
    /// Account page: the user has no passkey.
    account_passkeys_none,
    /// Account page: before the date a passkey was created.
    account_passkey_created,
    /// Account page: before the date a passkey was last used.
    account_passkey_last_used,
    /// Account page: a passkey never used to sign in.
    account_passkey_never_used,
    /// Account page: a passkey that can sync between devices.
    account_passkey_synced,
    /// Account page: a passkey bound to one device or key.
    account_passkey_device,
    /// Account page: adds a passkey.
    account_passkey_add,
    /// Account page: opens the rename form.
    account_passkey_rename,
    /// Account page: label of the passkey name field.
    account_passkey_name_label,
    /// Account page: saves the new name.
    account_passkey_save,
    /// Account page: deletes a passkey.
    account_passkey_delete,
    /// Account page: asked before deleting a passkey.
    account_passkey_delete_confirm,
    /// Account page: an email or phone is verified.
    account_verified,
    /// Account page: an email or phone is not verified.
    account_not_verified,
    /// Account page: label of a code field.
    account_code_label,
    /// Account page: a code is on its way.
    account_code_sent,
    /// Account page: submits a code.
    account_verify,
    /// Account page: email section heading.
    account_email_heading,
    /// Account page: no email address.
    account_email_none,
    /// Account page: sends a code to the email address.
    account_email_send,
    /// Account page: phone section heading.
    account_phone_heading,
    /// Account page: no phone number.
    account_phone_none,
    /// Account page: label of the phone number field.
    account_phone_label,
    /// Account page: example under the phone label.
    account_phone_hint,
    /// Account page: stores the number and texts a code.
    account_phone_send,
    /// Account page: removes the phone number.
    account_phone_remove,
    /// Account page: asked before removing the phone number.
    account_phone_remove_confirm,
    /// Account page: authenticator app section heading.
    account_totp_heading,
    /// Account page: an app is set up.
    account_totp_on,
    /// Account page: no app is set up.
    account_totp_off,
    /// Account page: starts the app setup.
    account_totp_start,
    /// Account page: what to do with the QR code.
    account_totp_scan,
    /// Account page: accessible name of the QR code.
    account_totp_qr_label,
    /// Account page: label of the secret key for typing in.
    account_totp_secret_label,
    /// Account page: removes the app.
    account_totp_remove,
    /// Account page: asked before removing the app.
    account_totp_remove_confirm,
    /// Account page: recovery codes section heading.
    account_recovery_heading,
    /// Account page: no unused recovery codes.
    account_recovery_none,
    /// Account page: one unused recovery code.
    account_recovery_left_one,
    /// Account page: `{n}` unused recovery codes.
    account_recovery_left_other,
    /// Account page: generates a new set.
    account_recovery_generate,
    /// Account page: asked before replacing existing codes.
    account_recovery_replace_confirm,
    /// Account page: shown with the new codes.
    account_recovery_show,
    /// Account page: closes the list of new codes.
    account_recovery_saved,
    /// Account page: password section heading.
    account_password_heading,
    /// Account page: a password is set.
    account_password_set,
    /// Account page: no password is set.
    account_password_unset,
    /// Account page: label of the new password field.
    account_password_label,
    /// Account page: the password rule.
    account_password_hint,
    /// Account page: saves the password.
    account_password_save,
    /// Account page: removes the password.
    account_password_remove,
    /// Account page: asked before removing the password.
    account_password_remove_confirm,
    /// Account page: `login_required`, `csrf_mismatch`.
    account_error_session,
    /// Account page: the passkey prompt was cancelled.
    account_error_cancelled,
    /// Account page: the device already holds a passkey of the user.
    account_error_on_device,
    /// Account page: `registration_invalid`.
    account_error_setup_expired,
    /// Account page: `registration_failed`.
    account_error_passkey_failed,
    /// Account page: `credential_exists`.
    account_error_passkey_exists,
    /// Account page: `invalid_friendly_name`.
    account_error_name,
    /// Account page: `last_sign_in_method`.
    account_error_last_method,
    /// Account page: `concurrent_change`.
    account_error_busy,
    /// Account page: `invalid_code`.
    account_error_wrong_code,
    /// Account page: `code_expired`.
    account_error_code_expired,
    /// Account page: `code_replayed`.
    account_error_code_replayed,
    /// Account page: `rate_limited`.
    account_error_rate_limited,
    /// Account page: `delivery_unavailable`, `delivery_failed`.
    account_error_not_sent,
    /// Account page: `undeliverable`.
    account_error_undeliverable,
    /// Account page: `invalid_phone`.
    account_error_phone,
    /// Account page: `phone_unavailable`.
    account_error_phone_unavailable,
    /// Account page: `weak_password`.
    account_error_weak_password,
    /// Account page: the page no longer matches the account (`…_not_found`, `already_verified`, …).
    account_error_stale,
    /// Account page: anything else (network, server).
    account_error_other,

    /// Demo application: page title.
    demo_title,
    /// Demo: what it is, in two sentences.
    demo_intro,
    /// Demo: the button that starts a sign-in.
    demo_sign_in,
    /// Demo: the option that asks for `acr_values=phr`.
    demo_sign_in_phr,
    /// Demo: what the phishing-resistant option changes.
    demo_sign_in_phr_hint,
    /// Demo: heading of the links to other pages.
    demo_more_title,
    /// Demo: link to the account page.
    demo_account_link,
    /// Demo: link to the dev outbox (dev mode only).
    demo_outbox_link,
    /// Demo result: heading after a sign-in.
    demo_result_title,
    /// Demo result: label before the subject (`sub`).
    demo_signed_in_as,
    /// Demo result: the sign-in used a passkey.
    demo_summary_passkey,
    /// Demo result: a fallback with its reason; `{first}` is the method (or two,
    /// joined by `demo_and`), `{second}` the reason in words.
    demo_summary_fallback,
    /// Demo result: a fallback without a stated reason; `{first}` is the method.
    demo_summary_fallback_no_reason,
    /// Demo result: `amr` names no method the demo knows.
    demo_summary_unknown,
    /// Demo result: method name inside a sentence.
    demo_method_email,
    /// Demo result: method name inside a sentence.
    demo_method_sms,
    /// Demo result: method name inside a sentence.
    demo_method_totp,
    /// Demo result: method name inside a sentence.
    demo_method_recovery,
    /// Demo result: method name inside a sentence.
    demo_method_password,
    /// Demo result: joins two method names.
    demo_and,
    /// Demo result: heading of the claims table.
    demo_claims_title,
    /// Demo result: what was checked and what is highlighted.
    demo_claims_note,
    /// Demo result: claims table column.
    demo_claim_name,
    /// Demo result: claims table column.
    demo_claim_value,
    /// Demo: link back to the start of the demo.
    demo_back,
    /// Demo result: link to sign out of Latchkey.
    demo_sign_out,
    /// Demo error: heading.
    demo_error_title,
    /// Demo error: `state` missing or not this browser's.
    demo_error_state,
    /// Demo error: the sign-in was already completed or expired.
    demo_error_used,
    /// Demo error: `iss` missing or wrong (RFC 9207).
    demo_error_issuer,
    /// Demo error: `unmet_authentication_requirements`.
    demo_error_unmet,
    /// Demo error: `access_denied`.
    demo_error_denied,
    /// Demo error: another error code from Latchkey (shown below).
    demo_error_other,
    /// Demo error: the token request failed.
    demo_error_token,
    /// Demo error: the ID token failed a check.
    demo_error_id_token,
    /// Demo error: link to start again.
    demo_try_again,
    /// Consent page: heading; `{client}` is the application's name.
    consent_title,
    /// Consent page: who is signed in; `{identifier}` is their username.
    consent_signed_in_as,
    /// Consent page: lead-in to the list of what the application receives.
    consent_receives,
    /// Consent scope `openid`.
    consent_scope_openid,
    /// Consent scope `profile`.
    consent_scope_profile,
    /// Consent scope `email`.
    consent_scope_email,
    /// Consent scope `phone`.
    consent_scope_phone,
    /// Consent scope `offline_access`.
    consent_scope_offline_access,
    /// Consent scope `latchkey_fallback`.
    consent_scope_fallback,
    /// Consent scope not known to Latchkey; `{scope}` is its name.
    consent_scope_other,
    /// Consent page: the allow button.
    consent_allow,
    /// Consent page: the decline button.
    consent_deny,
    /// Consent page: how to change one's mind later.
    consent_note,
    /// Account page: heading of the allowed applications.
    account_apps_title,
    /// Account page: no application was allowed.
    account_apps_none,
    /// Account page: withdraw consent from an application.
    account_apps_revoke,
    /// Account page: accessible label of the withdraw button; `{client}`.
    account_apps_revoke_label,
    /// Account page: notice after withdrawing.
    account_apps_revoked,
}
