//! English, the fallback language.

use super::Messages;

/// English texts.
pub(crate) const EN: Messages = Messages {
    brand_name: "Latchkey",

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
};
