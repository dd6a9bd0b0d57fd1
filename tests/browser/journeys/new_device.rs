//! A new device: the passkey is elsewhere, an emailed code gets the user
//! in, the invitation creates a passkey here, and the next sign-in uses it.

use serde_json::json;

use super::{World, credential_id, device_bound_passkey, m, method_of};
use crate::harness::{Browser, platform_authenticator};
use crate::support::authenticator::Authenticator as SoftPasskey;

/// Alice's passkey lives on her phone (a software authenticator); on this
/// laptop (a virtual authenticator without it) she names her account, the
/// passkey prompt finds nothing, the page says so and offers the emailed
/// code; the code (from the SMTP server) signs her in with `otp` + email;
/// the invitation creates a passkey on the laptop (in the authenticator
/// and in the database); a second sign-in with the button uses it.
#[actix_web::test]
async fn new_device_falls_back_to_an_email_code_then_creates_a_passkey() {
    let test = concat!(
        module_path!(),
        "::new_device_falls_back_to_an_email_code_then_creates_a_passkey"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    // Passkey autofill would sign in (or fail) on its own here: see
    // `Browser::without_passkey_autofill`.
    b.without_passkey_autofill().await;
    let w = World::start(test).await;
    let phone = SoftPasskey::new(&w.s).register(&w.s, &w.alice).await;
    let laptop = b.add_authenticator(platform_authenticator()).await;

    // The start: name the account.
    let sign_in = w.authorize(&b, &[]).await;
    b.wait_visible("#identifier").await;
    b.snapshot("sign-in").await;
    b.type_into("#identifier", "alice").await;
    b.click("form[action='/login/identify'] button[type=submit]")
        .await;

    // Identified: the passkey comes first.
    b.wait_for_url("the options after identifying", |u| {
        u.contains("view=options")
    })
    .await;
    let button = ".passkey-start button[data-passkey]";
    b.wait_visible(button).await;
    b.snapshot("identified").await;
    b.click(button).await;

    // Nothing on this device: the page says so and offers the email code.
    b.wait_for_text(m().login_problem_no_passkey_on_this_device)
        .await;
    let email_code = "form[action='/login/choose']:has(input[name=steps][value=email_code]) button";
    b.wait_visible(email_code).await;
    b.wait_for_text(m().login_method_email_code).await;
    b.snapshot("no-passkey-on-this-device").await;
    b.click(email_code).await;

    // The code from the email.
    b.wait_visible("#code").await;
    b.snapshot("email-code").await;
    let code = w.alice_code(0).await;
    b.type_into("#code", &code).await;
    b.click("form[action='/login/verify'] button[type=submit]")
        .await;

    // The invitation: create a passkey on this device.
    b.wait_for_url("the passkey invitation", |u| u.contains("/login/nudge?"))
        .await;
    b.wait_visible("#nudge-create").await;
    b.wait_for_text(m().nudge_create).await;
    b.snapshot("passkey-invitation").await;
    b.click("#nudge-create").await;

    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(
        method_of(&claims),
        json!({"amr": ["otp", "urn:latchkey:amr:email"], "acr": "urn:latchkey:acr:sfa"}),
        "{claims}"
    );
    let held = b.credentials(&laptop).await;
    assert_eq!(held.len(), 1, "the laptop holds the new passkey: {held:?}");
    let created = credential_id(&held[0]);
    let stored = w.passkeys(&w.alice).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(stored.contains(&created), "{created} not in {stored:?}");
    assert!(stored.contains(&phone.credential_id.to_base64url()));

    // The next sign-in on this laptop: the passkey button works.
    let again = w.authorize(&b, &[("prompt", "login")]).await;
    b.wait_visible(button).await;
    b.snapshot("sign-in-again").await;
    b.click(button).await;
    let claims = w.back_at_rp(&mut b, &again).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");
    b.finish().await;
}
