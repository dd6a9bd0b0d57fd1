//! German (formal address, "Sie").

use super::Messages;

/// German texts.
pub(crate) const DE: Messages = Messages {
    brand_name: "Latchkey",

    error_return_hint: "Bitte kehren Sie zu der Anwendung zurück, von der Sie gekommen sind, \
        und versuchen Sie es erneut.",
    error_code_label: "Fehlercode",
    error_request_id_label: "Anfrage-ID",
    error_support_hint: "Wenn Sie sich an den Support wenden, geben Sie bitte die Anfrage-ID \
        an.",
    error_unknown_client_title: "Diese Anwendung ist nicht bekannt",
    error_unknown_client_message: "Die Anwendung, die Sie hierher geschickt hat, ist bei \
        Latchkey nicht registriert. Deshalb können wir Sie dort nicht anmelden.",
    error_redirect_uri_title: "Wir können Sie nicht sicher zurückleiten",
    error_redirect_uri_message: "Die Anwendung hat uns gebeten, Sie an eine Adresse zu \
        leiten, die sie nicht registriert hat. Zum Schutz Ihres Kontos haben wir hier \
        angehalten.",
    error_invalid_request_title: "Diese Anmeldeanfrage ist ungültig",
    error_invalid_request_message: "Die Anwendung hat eine Anmeldeanfrage gesendet, die wir \
        nicht verarbeiten können.",
    error_session_expired_title: "Ihre Anmeldung hat zu lange gedauert",
    error_session_expired_message: "Aus Sicherheitsgründen läuft eine nicht abgeschlossene \
        Anmeldung nach einiger Zeit ab.",
    error_server_title: "Etwas ist schiefgelaufen",
    error_server_message: "Bei uns ist ein Fehler aufgetreten. Bitte versuchen Sie es in \
        einigen Minuten erneut.",

    form_post_title: "Zurück zur Anwendung",
    form_post_text: "Sie werden zur Anwendung zurückgeleitet. Falls nichts passiert, wählen \
        Sie „Weiter“.",
    form_post_continue: "Weiter",

    logout_title: "Von Latchkey abmelden?",
    logout_client_asked: "{client} möchte Sie abmelden.",
    logout_text: "Sie werden auf diesem Gerät von Latchkey abgemeldet.",
    logout_sign_out: "Abmelden",
    logout_stay_signed_in: "Angemeldet bleiben",

    signed_out_title: "Sie haben sich abgemeldet",
    signed_out_text: "Sie haben sich von Latchkey abgemeldet. Sie können dieses Fenster jetzt \
        schließen.",
};
