//! English, the fallback language.

use super::Messages;

/// English texts.
pub(crate) const EN: Messages = Messages {
    brand_name: "Latchkey",

    email_link_title: "Continue signing in",
    email_link_text: "Select Continue to finish signing in on this device.",
    email_link_continue: "Continue",
    email_link_other_device_title: "Continue on the device you started on",
    email_link_other_device_text: "This link was opened in a different browser or on a \
        different device than the one you are signing in on, so it does not sign you in \
        here. On the device where you started, type the code from the same email.",
    email_link_invalid_title: "This link no longer works",
    email_link_invalid_text: "The link was already used, or it is more than 10 minutes \
        old. Go back to the sign-in page and ask for a new code.",

    nudge_title: "Sign in faster next time",
    nudge_text: "Create a passkey on this device: you sign in with your fingerprint, face \
        or screen lock, and nobody can phish or guess it.",
    nudge_create: "Create a passkey",
    nudge_not_now: "Not now",
    nudge_never: "Don't ask on this device",
    nudge_failed: "The passkey was not created. You can continue now and add one later \
        from your account.",
    nudge_working: "Follow the instructions of your browser or device.",

    error_return_hint: "Please return to the application you came from and try again.",
    error_code_label: "Error code",
    error_request_id_label: "Request ID",
    error_support_hint: "If you contact support, please include the request ID.",
    error_unknown_client_title: "This application is not recognised",
    error_unknown_client_message: "The application that sent you here is not registered with \
        Latchkey, so we cannot sign you in to it.",
    error_redirect_uri_title: "We cannot send you back safely",
    error_redirect_uri_message: "The application asked us to send you to an address it has \
        not registered. To protect your account, we stopped here.",
    error_invalid_request_title: "This sign-in request is not valid",
    error_invalid_request_message: "The application sent a sign-in request that we cannot \
        process.",
    error_session_expired_title: "Your sign-in took too long",
    error_session_expired_message: "For your security, an unfinished sign-in expires after \
        a while.",
    error_server_title: "Something went wrong",
    error_server_message: "Something went wrong on our side. Please try again in a few \
        minutes.",

    form_post_title: "Returning to the application",
    form_post_text: "You are being sent back to the application. If nothing happens, \
        select Continue.",
    form_post_continue: "Continue",

    logout_title: "Sign out of Latchkey?",
    logout_client_asked: "{client} asked to sign you out.",
    logout_text: "You will be signed out of Latchkey on this device.",
    logout_sign_out: "Sign out",
    logout_stay_signed_in: "Stay signed in",

    signed_out_title: "You have signed out",
    signed_out_text: "You have signed out of Latchkey. You can close this window now.",

    login_title: "Sign in to {client}",
    login_intro: "Use your passkey, or enter your email address or username.",
    login_identifier_label: "Email address or username",
    login_continue: "Continue",
    login_or: "or",
    login_passkey_button: "Sign in with a passkey",
    login_passkey_working: "Follow the instructions of your browser or device.",
    login_passkey_trouble: "Something went wrong. Try again, or choose another way to sign in.",
    login_other_ways: "Other ways to sign in",
    login_options_title: "Choose how to sign in",
    login_options_heading: "Ways to sign in",
    login_signing_in_to: "You are signing in to {client}.",
    login_signing_in_as: "You are signing in to {client} as {identifier}.",
    login_not_you: "Use another account",
    login_identify_more: "Enter your email address or username to see more ways to sign in.",
    login_needs_passkey_browser: "This needs a browser that supports passkeys, with JavaScript \
        turned on.",
    login_cancel: "Cancel and go back to {client}",
    login_pair: "{first}, then {second}",

    login_method_passkey: "Try your passkey again",
    login_method_passkey_hybrid: "Use a passkey from your phone or tablet",
    login_method_security_key: "Use a security key",
    login_method_email_code: "Email me a code",
    login_method_email_link: "Email me a sign-in link",
    login_method_totp: "Use my authenticator app",
    login_method_sms_code: "Text me a code",
    login_method_password: "Enter my password",
    login_method_recovery_code: "Use a recovery code",
    login_factor_email_code: "Email code",
    login_factor_email_link: "Email link",
    login_factor_totp: "Authenticator app",
    login_factor_sms_code: "Text message code",
    login_factor_password: "Password",
    login_factor_recovery_code: "Recovery code",

    login_problem_no_passkey_on_this_device: "There's no passkey for this account on this \
        device.",
    login_problem_no_passkey_at_all: "This account doesn't have a passkey yet.",
    login_problem_cancelled: "You cancelled the passkey prompt.",
    login_problem_timed_out: "The passkey prompt closed because it took too long.",
    login_problem_unknown_credential: "This passkey was removed from your account.",
    login_problem_verification_failed: "We couldn't verify this passkey.",
    login_problem_not_supported: "This browser can't use passkeys.",
    login_problem_security_error: "Passkeys can't be used on this page at the moment.",

    login_reason_retry_passkey: "Your passkey is still the quickest way in.",
    login_reason_passkey_on_other_device: "Scan a QR code with the phone or tablet that has \
        your passkey.",
    login_reason_security_key_registered: "Use the security key you added to your account.",
    login_reason_security_key: "Insert or tap a security key that has your passkey.",
    login_reason_email_verified: "We can send a code or link to your email address.",
    login_reason_phone_verified: "We can text a code to your phone.",
    login_reason_authenticator_app: "Enter a code from your authenticator app.",
    login_reason_recovery_code_last_resort: "Use one of your saved recovery codes if nothing \
        else works.",
    login_reason_password_enabled: "Enter the password of your account.",
    login_reason_mfa_required: "This service needs two steps.",
    login_reason_two_factors_required: "Your organisation requires two steps.",

    login_notice_passkey_removed: "Your device may still offer it. You can delete it in your \
        device's passkey or password settings.",
    login_notice_methods_locked: "Some ways to sign in are paused after too many wrong \
        attempts. They will be available again in {time}.",
    login_notice_account_locked: "Signing in with codes and passwords is paused after too many \
        wrong attempts. You can still use a passkey, or try again in {time}.",

    login_refused_title: "We can't sign you in",
    login_refusal_requirement_unmet: "{client} requires a more secure way to sign in than the \
        ones available to you here, such as a passkey.",
    login_refusal_account_locked: "There were too many wrong attempts on this account. For \
        your security, signing in is paused. Try again in {time}.",
    login_refusal_locked: "There were too many wrong attempts. Try again in {time}.",
    login_refusal_no_method: "This account has no way to sign in that can be used here. \
        Contact your administrator or support to get back into your account.",
    login_give_up: "Go back to {client}",
    login_try_again: "Try again",

    login_step_email_title: "Check your email",
    login_step_email_sent: "We sent a code to your email address. It is valid for {time}.",
    login_step_email_link_sent: "We sent a sign-in link to your email address. Open it on this \
        device, or type the code from the same email here. It is valid for {time}.",
    login_step_email_link_hint: "The email also has a link: opening it on this device signs \
        you in too.",
    login_step_sms_title: "Check your phone",
    login_step_sms_sent: "We sent a code by text message to your phone. It is valid for \
        {time}.",
    login_step_not_sent: "Ask for a code to continue.",
    login_step_totp_title: "Enter a code from your authenticator app",
    login_step_totp_text: "Open your authenticator app and enter the 6-digit code it shows \
        for this account.",
    login_step_recovery_title: "Enter a recovery code",
    login_step_recovery_text: "Enter one of the recovery codes you saved. Each code works \
        only once.",
    login_step_password_title: "Enter your password",
    login_step_password_text: "Enter the password of your account to continue.",
    login_step_of: "Step {n} of {total}",
    login_code_label: "6-digit code",
    login_recovery_label: "Recovery code",
    login_password_label: "Password",
    login_verify: "Verify",
    login_send_code: "Send code",
    login_send_new_code: "Send a new code",
    login_code_sent: "We sent a new code. Earlier codes no longer work.",
    login_choose_another: "Choose another way to sign in",

    login_error_identifier: "Enter your email address or username (at most 254 characters).",
    login_error_missing_code: "Enter the code.",
    login_error_missing_password: "Enter your password.",
    login_error_wrong_code: "That code is not right.",
    login_error_wrong_password: "That password is not right.",
    login_error_attempts_left_one: "You can try 1 more time with this code.",
    login_error_attempts_left_other: "You can try {n} more times with this code.",
    login_error_code_expired: "This code has expired or was already used. Send a new code.",
    login_error_locked: "Too many wrong attempts. Try again in {time}.",
    login_error_rate_limited: "Too many attempts from your network. Try again in {time}.",
    login_error_resend_wait: "You can ask for a new code in {time}.",
    login_error_not_offered: "That way to sign in is not available right now. Choose another \
        one.",

    login_time_second: "1 second",
    login_time_seconds: "{n} seconds",
    login_time_minute: "1 minute",
    login_time_minutes: "{n} minutes",
    login_time_hour: "1 hour",
    login_time_hours: "{n} hours",
};
