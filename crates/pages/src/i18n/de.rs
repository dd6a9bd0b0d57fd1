//! German (formal address, "Sie").

use super::Messages;

/// German texts.
pub(crate) const DE: Messages = Messages {
    brand_name: "Latchkey",

    email_link_title: "Anmeldung fortsetzen",
    email_link_text: "Wählen Sie Weiter, um die Anmeldung auf diesem Gerät abzuschließen.",
    email_link_continue: "Weiter",
    email_link_other_device_title: "Auf dem ursprünglichen Gerät fortfahren",
    email_link_other_device_text: "Dieser Link wurde in einem anderen Browser oder auf \
        einem anderen Gerät geöffnet als dem, auf dem Sie sich anmelden. Deshalb meldet er \
        Sie hier nicht an. Geben Sie auf dem Gerät, auf dem Sie begonnen haben, den Code \
        aus derselben E-Mail ein.",
    email_link_invalid_title: "Dieser Link funktioniert nicht mehr",
    email_link_invalid_text: "Der Link wurde bereits verwendet oder ist älter als 10 \
        Minuten. Gehen Sie zurück zur Anmeldeseite und fordern Sie einen neuen Code an.",

    nudge_title: "Beim nächsten Mal schneller anmelden",
    nudge_text: "Erstellen Sie einen Passkey auf diesem Gerät: Sie melden sich mit \
        Fingerabdruck, Gesicht oder Bildschirmsperre an, und niemand kann ihn abfangen \
        oder erraten.",
    nudge_create: "Passkey erstellen",
    nudge_not_now: "Jetzt nicht",
    nudge_never: "Auf diesem Gerät nicht mehr fragen",
    nudge_failed: "Der Passkey wurde nicht erstellt. Sie können jetzt fortfahren und \
        später in Ihrem Konto einen hinzufügen.",
    nudge_working: "Folgen Sie den Anweisungen Ihres Browsers oder Geräts.",

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

    login_title: "Bei {client} anmelden",
    login_intro: "Verwenden Sie Ihren Passkey oder geben Sie Ihre E-Mail-Adresse oder Ihren \
        Benutzernamen ein.",
    login_identifier_label: "E-Mail-Adresse oder Benutzername",
    login_continue: "Weiter",
    login_or: "oder",
    login_passkey_button: "Mit Passkey anmelden",
    login_passkey_working: "Folgen Sie den Anweisungen Ihres Browsers oder Geräts.",
    login_passkey_trouble: "Etwas ist schiefgelaufen. Versuchen Sie es erneut oder wählen Sie \
        eine andere Anmeldemöglichkeit.",
    login_other_ways: "Andere Anmeldemöglichkeiten",
    login_options_title: "Wählen Sie, wie Sie sich anmelden",
    login_options_heading: "Anmeldemöglichkeiten",
    login_signing_in_to: "Sie melden sich bei {client} an.",
    login_signing_in_as: "Sie melden sich bei {client} als {identifier} an.",
    login_not_you: "Anderes Konto verwenden",
    login_identify_more: "Geben Sie Ihre E-Mail-Adresse oder Ihren Benutzernamen ein, um \
        weitere Anmeldemöglichkeiten zu sehen.",
    login_needs_passkey_browser: "Dafür brauchen Sie einen Browser, der Passkeys unterstützt, \
        mit eingeschaltetem JavaScript.",
    login_cancel: "Abbrechen und zurück zu {client}",
    login_pair: "{first}, danach {second}",

    login_method_passkey: "Passkey noch einmal versuchen",
    login_method_passkey_hybrid: "Passkey vom Smartphone oder Tablet verwenden",
    login_method_security_key: "Sicherheitsschlüssel verwenden",
    login_method_email_code: "Code per E-Mail senden",
    login_method_email_link: "Anmeldelink per E-Mail senden",
    login_method_totp: "Authentifizierungs-App verwenden",
    login_method_sms_code: "Code per SMS senden",
    login_method_password: "Passwort eingeben",
    login_method_recovery_code: "Wiederherstellungscode verwenden",
    login_factor_email_code: "E-Mail-Code",
    login_factor_email_link: "E-Mail-Link",
    login_factor_totp: "Authentifizierungs-App",
    login_factor_sms_code: "SMS-Code",
    login_factor_password: "Passwort",
    login_factor_recovery_code: "Wiederherstellungscode",

    login_problem_no_passkey_on_this_device: "Auf diesem Gerät gibt es keinen Passkey für \
        dieses Konto.",
    login_problem_no_passkey_at_all: "Für dieses Konto gibt es noch keinen Passkey.",
    login_problem_cancelled: "Sie haben die Passkey-Abfrage abgebrochen.",
    login_problem_timed_out: "Die Passkey-Abfrage wurde geschlossen, weil sie zu lange gedauert \
        hat.",
    login_problem_unknown_credential: "Dieser Passkey wurde aus Ihrem Konto entfernt.",
    login_problem_verification_failed: "Wir konnten diesen Passkey nicht bestätigen.",
    login_problem_not_supported: "Dieser Browser kann keine Passkeys verwenden.",
    login_problem_security_error: "Passkeys können auf dieser Seite gerade nicht verwendet \
        werden.",

    login_reason_retry_passkey: "Ihr Passkey ist weiterhin der schnellste Weg.",
    login_reason_passkey_on_other_device: "Scannen Sie einen QR-Code mit dem Smartphone oder \
        Tablet, auf dem Ihr Passkey ist.",
    login_reason_security_key_registered: "Verwenden Sie den Sicherheitsschlüssel, den Sie \
        Ihrem Konto hinzugefügt haben.",
    login_reason_security_key: "Stecken Sie einen Sicherheitsschlüssel mit Ihrem Passkey ein \
        oder halten Sie ihn an das Gerät.",
    login_reason_email_verified: "Wir können einen Code oder Link an Ihre E-Mail-Adresse \
        senden.",
    login_reason_phone_verified: "Wir können einen Code per SMS an Ihr Telefon senden.",
    login_reason_authenticator_app: "Geben Sie einen Code aus Ihrer Authentifizierungs-App \
        ein.",
    login_reason_recovery_code_last_resort: "Verwenden Sie einen Ihrer gespeicherten \
        Wiederherstellungscodes, wenn nichts anderes funktioniert.",
    login_reason_password_enabled: "Geben Sie das Passwort Ihres Kontos ein.",
    login_reason_mfa_required: "Dieser Dienst verlangt zwei Schritte.",
    login_reason_two_factors_required: "Ihre Organisation verlangt zwei Schritte.",

    login_notice_passkey_removed: "Ihr Gerät bietet ihn vielleicht trotzdem noch an. Sie \
        können ihn in den Passkey- oder Passworteinstellungen Ihres Geräts löschen.",
    login_notice_methods_locked: "Einige Anmeldemöglichkeiten sind nach zu vielen falschen \
        Versuchen pausiert. In {time} sind sie wieder verfügbar.",
    login_notice_account_locked: "Die Anmeldung mit Codes und Passwörtern ist nach zu vielen \
        falschen Versuchen pausiert. Sie können weiterhin einen Passkey verwenden oder es in \
        {time} erneut versuchen.",

    login_refused_title: "Wir können Sie nicht anmelden",
    login_refusal_requirement_unmet: "{client} verlangt eine sicherere Anmeldung als die, die \
        Ihnen hier zur Verfügung stehen, zum Beispiel einen Passkey.",
    login_refusal_account_locked: "Es gab zu viele falsche Versuche für dieses Konto. Zu Ihrer \
        Sicherheit ist die Anmeldung pausiert. Versuchen Sie es in {time} erneut.",
    login_refusal_locked: "Es gab zu viele falsche Versuche. Versuchen Sie es in {time} \
        erneut.",
    login_refusal_no_method: "Für dieses Konto gibt es hier keine nutzbare \
        Anmeldemöglichkeit. Wenden Sie sich an Ihre Administration oder den Support, um wieder \
        Zugang zu Ihrem Konto zu erhalten.",
    login_give_up: "Zurück zu {client}",
    login_try_again: "Erneut versuchen",

    login_step_email_title: "Prüfen Sie Ihre E-Mails",
    login_step_email_sent: "Wir haben einen Code an Ihre E-Mail-Adresse gesendet. Er ist \
        {time} lang gültig.",
    login_step_email_link_sent: "Wir haben einen Anmeldelink an Ihre E-Mail-Adresse gesendet. \
        Öffnen Sie ihn auf diesem Gerät oder geben Sie hier den Code aus derselben E-Mail ein. \
        Er ist {time} lang gültig.",
    login_step_email_link_hint: "Die E-Mail enthält auch einen Link: Wenn Sie ihn auf diesem \
        Gerät öffnen, werden Sie ebenfalls angemeldet.",
    login_step_sms_title: "Prüfen Sie Ihr Telefon",
    login_step_sms_sent: "Wir haben einen Code per SMS an Ihr Telefon gesendet. Er ist {time} \
        lang gültig.",
    login_step_not_sent: "Fordern Sie einen Code an, um fortzufahren.",
    login_step_totp_title: "Code aus Ihrer Authentifizierungs-App eingeben",
    login_step_totp_text: "Öffnen Sie Ihre Authentifizierungs-App und geben Sie den \
        6-stelligen Code ein, den sie für dieses Konto anzeigt.",
    login_step_recovery_title: "Wiederherstellungscode eingeben",
    login_step_recovery_text: "Geben Sie einen Ihrer gespeicherten Wiederherstellungscodes \
        ein. Jeder Code funktioniert nur einmal.",
    login_step_password_title: "Passwort eingeben",
    login_step_password_text: "Geben Sie das Passwort Ihres Kontos ein, um fortzufahren.",
    login_step_of: "Schritt {n} von {total}",
    login_code_label: "6-stelliger Code",
    login_recovery_label: "Wiederherstellungscode",
    login_password_label: "Passwort",
    login_verify: "Bestätigen",
    login_send_code: "Code senden",
    login_send_new_code: "Neuen Code senden",
    login_code_sent: "Wir haben einen neuen Code gesendet. Frühere Codes gelten nicht mehr.",
    login_choose_another: "Andere Anmeldemöglichkeit wählen",

    login_error_identifier: "Geben Sie Ihre E-Mail-Adresse oder Ihren Benutzernamen ein \
        (höchstens 254 Zeichen).",
    login_error_missing_code: "Geben Sie den Code ein.",
    login_error_missing_password: "Geben Sie Ihr Passwort ein.",
    login_error_wrong_code: "Dieser Code stimmt nicht.",
    login_error_wrong_password: "Dieses Passwort stimmt nicht.",
    login_error_attempts_left_one: "Sie können es mit diesem Code noch einmal versuchen.",
    login_error_attempts_left_other: "Sie können es mit diesem Code noch {n}-mal versuchen.",
    login_error_code_expired: "Dieser Code ist abgelaufen oder wurde bereits verwendet. \
        Fordern Sie einen neuen Code an.",
    login_error_locked: "Zu viele falsche Versuche. Versuchen Sie es in {time} erneut.",
    login_error_rate_limited: "Zu viele Versuche aus Ihrem Netzwerk. Versuchen Sie es in \
        {time} erneut.",
    login_error_resend_wait: "Sie können in {time} einen neuen Code anfordern.",
    login_error_not_offered: "Diese Anmeldemöglichkeit ist gerade nicht verfügbar. Wählen Sie \
        eine andere.",

    login_time_second: "1 Sekunde",
    login_time_seconds: "{n} Sekunden",
    login_time_minute: "1 Minute",
    login_time_minutes: "{n} Minuten",
    login_time_hour: "1 Stunde",
    login_time_hours: "{n} Stunden",

    enroll_title: "Erstellen Sie Ihren Passkey für Latchkey",
    enroll_text: "Mit einem Passkey melden Sie sich per Fingerabdruck, Gesicht oder \
        Bildschirmsperre statt mit einem Passwort an, und niemand kann ihn abfangen oder \
        erraten.",
    enroll_create: "Passkey erstellen",
    enroll_working: "Folgen Sie den Anweisungen Ihres Browsers oder Geräts.",
    enroll_needs_browser: "Zum Erstellen eines Passkeys brauchen Sie einen Browser, der \
        Passkeys unterstützt, mit eingeschaltetem JavaScript.",
    enroll_done: "Ihr Passkey ist bereit. Sie können diese Seite schließen oder sich anmelden.",
    enroll_done_account: "Konto verwalten",
    enroll_invalid_title: "Dieser Link funktioniert nicht",
    enroll_invalid_text: "Der Link ist unvollständig oder wurde verändert. Prüfen Sie, ob Sie \
        ihn vollständig kopiert haben, oder fordern Sie einen neuen Link an.",
    enroll_error_used: "Dieser Link funktioniert nicht mehr: Er wurde bereits verwendet oder \
        ist abgelaufen. Fordern Sie einen neuen Link an.",
    enroll_error_cancelled: "Sie haben abgebrochen. Versuchen Sie es erneut, wenn Sie bereit sind.",
    enroll_error_setup_expired: "Die Einrichtung hat zu lange gedauert. Versuchen Sie es erneut.",
    enroll_error_failed: "Wir konnten den Passkey nicht prüfen. Versuchen Sie es erneut oder \
        verwenden Sie ein anderes Gerät.",
    enroll_error_exists: "Dieser Passkey ist bereits registriert. Versuchen Sie es mit einem \
        anderen Gerät oder Sicherheitsschlüssel.",
    enroll_error_on_device: "Auf diesem Gerät gibt es bereits einen Passkey für Ihr Konto.",
    enroll_error_other: "Etwas ist schiefgelaufen. Versuchen Sie es erneut.",
    account_title: "Ihr Konto",
    account_signed_in_as: "Sie sind als {identifier} angemeldet.",
    account_needs_script: "Um Ihr Konto auf dieser Seite zu ändern, brauchen Sie JavaScript. \
        Ihre Einstellungen können Sie trotzdem sehen.",
    account_sign_in_title: "Melden Sie sich an, um Ihr Konto zu verwalten",
    account_sign_in_text: "Sie sind nicht angemeldet. Melden Sie sich bei einer Anwendung an, \
        die Latchkey verwendet, und kehren Sie dann zu dieser Seite zurück.",
    account_sign_out: "Abmelden",
    account_cancel: "Abbrechen",
    account_working: "Folgen Sie den Anweisungen Ihres Browsers oder Geräts.",
    account_name_heading: "Ihr Name",
    account_name_label: "Anzeigename",
    account_name_hint: "Diesen Namen sehen die Anwendungen, bei denen Sie sich anmelden, und \
        die Passkey-Liste auf Ihren Geräten.",
    account_name_save: "Namen speichern",
    account_passkeys_heading: "Ihre Passkeys",
    account_passkeys_none: "Sie haben noch keine Passkeys.",
    account_passkey_created: "Erstellt am",
    account_passkey_last_used: "Zuletzt verwendet am",
    account_passkey_never_used: "Noch nicht verwendet",
    account_passkey_synced: "Zwischen Ihren Geräten synchronisiert",
    account_passkey_device: "Bleibt auf einem Gerät oder Sicherheitsschlüssel",
    account_passkey_add: "Passkey hinzufügen",
    account_passkey_rename: "Umbenennen",
    account_passkey_name_label: "Name des Passkeys",
    account_passkey_save: "Namen speichern",
    account_passkey_delete: "Löschen",
    account_passkey_delete_confirm: "Diesen Passkey löschen? Sie können sich dann nicht mehr \
        damit anmelden.",
    account_verified: "Bestätigt",
    account_not_verified: "Nicht bestätigt",
    account_code_label: "6-stelliger Code",
    account_code_sent: "Wir haben einen Code gesendet. Er ist 10 Minuten gültig.",
    account_verify: "Bestätigen",
    account_email_heading: "E-Mail",
    account_email_none: "In Ihrem Konto ist keine E-Mail-Adresse hinterlegt.",
    account_email_send: "Code per E-Mail senden",
    account_phone_heading: "Telefon",
    account_phone_none: "In Ihrem Konto ist keine Telefonnummer hinterlegt.",
    account_phone_label: "Telefonnummer mit Ländervorwahl",
    account_phone_hint: "Zum Beispiel +49 30 901820.",
    account_phone_send: "Code per SMS senden",
    account_phone_remove: "Telefonnummer entfernen",
    account_phone_remove_confirm: "Diese Telefonnummer entfernen?",
    account_totp_heading: "Authenticator-App",
    account_totp_on: "Eine Authenticator-App ist eingerichtet.",
    account_totp_off: "Es ist keine Authenticator-App eingerichtet.",
    account_totp_start: "Authenticator-App einrichten",
    account_totp_scan: "Scannen Sie diesen QR-Code mit Ihrer Authenticator-App oder geben Sie \
        den Schlüssel unten ein. Geben Sie dann den Code ein, den die App anzeigt.",
    account_totp_qr_label: "QR-Code für Ihre Authenticator-App",
    account_totp_secret_label: "Schlüssel",
    account_totp_remove: "Authenticator-App entfernen",
    account_totp_remove_confirm: "Die Authenticator-App entfernen? Ihre Codes funktionieren \
        dann nicht mehr.",
    account_recovery_heading: "Wiederherstellungscodes",
    account_recovery_none: "Sie haben keine Wiederherstellungscodes.",
    account_recovery_left_one: "Noch 1 unbenutzter Wiederherstellungscode.",
    account_recovery_left_other: "Noch {n} unbenutzte Wiederherstellungscodes.",
    account_recovery_generate: "Neue Codes erzeugen",
    account_recovery_replace_confirm: "Neue Codes erzeugen? Ihre alten Codes funktionieren \
        dann nicht mehr.",
    account_recovery_show: "Bewahren Sie diese Codes sicher auf, zum Beispiel in einem \
        Passwort-Manager. Jeder Code funktioniert einmal. Sie werden nur jetzt angezeigt.",
    account_recovery_saved: "Ich habe sie gespeichert",
    account_password_heading: "Passwort",
    account_password_set: "Ein Passwort ist festgelegt.",
    account_password_unset: "Es ist kein Passwort festgelegt.",
    account_password_label: "Neues Passwort",
    account_password_hint: "8 bis 256 Zeichen.",
    account_password_save: "Passwort speichern",
    account_password_remove: "Passwort entfernen",
    account_password_remove_confirm: "Ihr Passwort entfernen?",
    account_error_session: "Ihre Sitzung ist abgelaufen. Laden Sie die Seite neu und melden \
        Sie sich erneut an.",
    account_error_cancelled: "Sie haben abgebrochen. Versuchen Sie es erneut, wenn Sie bereit \
        sind.",
    account_error_on_device: "Auf diesem Gerät gibt es bereits einen Passkey für Ihr Konto.",
    account_error_setup_expired: "Die Einrichtung hat zu lange gedauert. Versuchen Sie es erneut.",
    account_error_passkey_failed: "Wir konnten den Passkey nicht prüfen. Versuchen Sie es erneut.",
    account_error_passkey_exists: "Dieser Passkey ist bereits registriert.",
    account_error_name: "Verwenden Sie 1 bis 64 Zeichen ohne Steuerzeichen.",
    account_error_last_method: "Dies ist Ihre letzte Anmeldemöglichkeit und kann nicht \
        entfernt werden. Fügen Sie zuerst eine andere hinzu.",
    account_error_busy: "Eine andere Änderung läuft gerade. Versuchen Sie es gleich noch einmal.",
    account_error_wrong_code: "Dieser Code stimmt nicht. Prüfen Sie ihn und versuchen Sie es \
        erneut.",
    account_error_code_expired: "Dieser Code ist abgelaufen oder wurde bereits verwendet. \
        Fordern Sie einen neuen Code an.",
    account_error_code_replayed: "Dieser Code wurde bereits verwendet. Warten Sie auf den \
        nächsten Code in Ihrer App.",
    account_error_rate_limited: "Zu viele Versuche. Warten Sie einige Minuten und versuchen \
        Sie es erneut.",
    account_error_not_sent: "Wir konnten den Code nicht senden. Versuchen Sie es später erneut.",
    account_error_undeliverable: "Der Code konnte nicht zugestellt werden. Prüfen Sie die \
        Angaben und versuchen Sie es erneut.",
    account_error_phone: "Geben Sie die Nummer mit Ländervorwahl ein, beginnend mit +.",
    account_error_phone_unavailable: "Diese Nummer kann nicht verwendet werden. Versuchen Sie \
        eine andere Nummer.",
    account_error_weak_password: "Verwenden Sie 8 bis 256 Zeichen, nicht nur Leerzeichen.",
    account_error_stale: "Diese Seite ist nicht mehr aktuell. Laden Sie sie neu und versuchen \
        Sie es erneut.",
    account_error_other: "Etwas ist schiefgelaufen. Versuchen Sie es erneut.",

    demo_title: "Latchkey-Demoanwendung",
    demo_intro: "Diese Seite ist eine kleine Anwendung, die Latchkey wie jede andere nutzt: Sie schickt Sie mit einer gewöhnlichen OpenID-Connect-Anfrage zur Anmeldung. Danach zeigt sie das ID-Token, das Latchkey ausgestellt hat und das sagt, wie Sie sich angemeldet haben.",
    demo_sign_in: "Mit Latchkey anmelden",
    demo_sign_in_phr: "Phishing-resistente Anmeldung verlangen (acr phr)",
    demo_sign_in_phr_hint: "Nur ein Passkey erfüllt diese Anfrage. Ohne Passkey erfährt die Anwendung das, statt eine schwächere Anmeldung zu erhalten.",
    demo_more_title: "Weiteres zum Ansehen",
    demo_account_link: "Ihr Konto und Ihre Passkeys",
    demo_outbox_link: "Entwicklungs-Postausgang: E-Mail-Codes und -Links",
    demo_result_title: "Sie sind angemeldet",
    demo_signed_in_as: "Benutzerkennung (sub)",
    demo_summary_passkey: "Sie haben sich mit einem Passkey angemeldet.",
    demo_summary_fallback: "Sie haben sich mit {first} angemeldet, einer Ausweichmethode (Grund: {second}).",
    demo_summary_fallback_no_reason: "Sie haben sich mit {first} angemeldet, einer Ausweichmethode.",
    demo_summary_unknown: "Das ID-Token sagt nicht in einer für diese Demo verständlichen Form, wie Sie sich angemeldet haben.",
    demo_method_email: "einem E-Mail-Code",
    demo_method_sms: "einem SMS-Code",
    demo_method_totp: "einem Code aus der Authenticator-App",
    demo_method_recovery: "einem Wiederherstellungscode",
    demo_method_password: "einem Passwort",
    demo_and: "und",
    demo_claims_title: "Die Angaben im ID-Token",
    demo_claims_note: "Die Anwendung hat Signatur, Aussteller, Empfänger, Ablauf und Nonce des Tokens geprüft. Die hervorgehobenen Angaben sagen, wie Sie sich angemeldet haben.",
    demo_claim_name: "Angabe",
    demo_claim_value: "Wert",
    demo_back: "Zurück zur Demo",
    demo_sign_out: "Von Latchkey abmelden",
    demo_error_title: "Die Anmeldung wurde nicht abgeschlossen",
    demo_error_state: "Diese Antwort gehört zu keiner Anmeldung, die in diesem Browser begonnen wurde, deshalb hat die Anwendung sie nicht verwendet.",
    demo_error_used: "Diese Anmeldung wurde bereits abgeschlossen oder ist abgelaufen. Beginnen Sie eine neue.",
    demo_error_issuer: "Die Antwort gibt nicht an, von diesem Latchkey zu stammen (ihr iss-Parameter fehlt oder weicht ab), deshalb hat die Anwendung sie nicht verwendet.",
    demo_error_unmet: "Sie konnten sich nicht so anmelden, wie die Anwendung es verlangt hat: Eine phishing-resistente Anmeldung braucht einen Passkey. Die Anwendung hat das erfahren, statt eine schwächere Anmeldung zu erhalten.",
    demo_error_denied: "Die Anmeldung wurde abgebrochen oder abgelehnt, deshalb hat die Anwendung kein ID-Token erhalten.",
    demo_error_other: "Latchkey hat der Anwendung mit einem Fehler geantwortet.",
    demo_error_token: "Die Anwendung konnte ihren Autorisierungscode am Token-Endpunkt von Latchkey nicht einlösen.",
    demo_error_id_token: "Das von Latchkey gelieferte ID-Token hat die Prüfungen der Anwendung nicht bestanden, deshalb vertraut sie ihm nicht.",
    demo_try_again: "Neue Anmeldung beginnen",
    consent_title: "{client} erlauben, Sie anzumelden?",
    consent_signed_in_as: "Sie sind als {identifier} angemeldet.",
    consent_receives: "{client} erhält:",
    consent_scope_openid: "Eine Kennung Ihres Kontos",
    consent_scope_profile: "Ihren Namen und Benutzernamen",
    consent_scope_email: "Ihre E-Mail-Adresse",
    consent_scope_phone: "Ihre Telefonnummer",
    consent_scope_offline_access: "Zugriff, während Sie die Anwendung nicht nutzen (sie bleibt angemeldet)",
    consent_scope_fallback: "Wie Sie sich angemeldet haben, wenn kein Passkey genutzt werden konnte",
    consent_scope_other: "Weiterer Zugriff: {scope}",
    consent_allow: "Erlauben",
    consent_deny: "Nicht erlauben",
    consent_note: "Sie können dies jederzeit auf Ihrer Kontoseite widerrufen.",
    account_apps_title: "Anwendungen, denen Sie es erlaubt haben",
    account_apps_none: "Sie haben noch keiner Anwendung, die um Erlaubnis fragt, etwas erlaubt.",
    account_apps_revoke: "Widerrufen",
    account_apps_revoke_label: "Erlaubnis für {client} widerrufen",
    account_apps_revoked: "Erlaubnis widerrufen. Die Anwendung fragt beim nächsten Mal erneut.",
};
