//! A sign-in link by email: it signs in only the browser that asked for it.

use serde_json::json;

use super::{World, m, method_of};
use crate::harness::{Browser, platform_authenticator};
use crate::support::authenticator::Authenticator as SoftPasskey;

/// Alice's passkey is on her phone. On her laptop she names her account,
/// the passkey prompt finds nothing here, and she asks for a sign-in link. Opened on her phone (another browser), the link
/// explains that she has to continue where she started and signs in
/// nothing there. Opened on the laptop, its Continue button signs her in
/// with `otp` + email; she answers the passkey invitation "Not now" and is
/// back at the application.
#[actix_web::test]
async fn an_email_link_signs_in_only_the_browser_that_asked() {
    let test = concat!(
        module_path!(),
        "::an_email_link_signs_in_only_the_browser_that_asked"
    );
    let Some(mut laptop) = Browser::launch(test).await else {
        return;
    };
    laptop.without_passkey_autofill().await;
    let w = World::start(test).await;
    SoftPasskey::new(&w.s).register(&w.s, &w.alice).await;
    laptop.add_authenticator(platform_authenticator()).await;

    let sign_in = w.authorize(&laptop, &[]).await;
    laptop.type_into("#identifier", "alice").await;
    laptop
        .click("form[action='/login/identify'] button[type=submit]")
        .await;
    laptop
        .wait_for_url("the options after identifying", |u| {
            u.contains("view=options")
        })
        .await;
    let passkey = ".passkey-start button[data-passkey]";
    laptop.click(passkey).await;
    laptop
        .wait_for_text(m().login_problem_no_passkey_on_this_device)
        .await;
    let email_link = "form[action='/login/choose']:has(input[name=steps][value=email_link]) button";
    laptop.wait_visible(email_link).await;
    laptop.snapshot("ways-to-sign-in").await;
    laptop.click(email_link).await;
    laptop.wait_visible("#code").await;
    laptop.wait_for_text(m().login_step_email_title).await;
    laptop.snapshot("check-your-email").await;
    let link = w.alice_link(0).await;

    // On the phone: the link explains and signs in nothing.
    let Some(mut phone) = Browser::launch(&format!("{test}_phone")).await else {
        return;
    };
    phone.goto(&link).await;
    phone.wait_for_text(m().email_link_other_device_title).await;
    let forms = phone.eval("document.forms.length").await;
    assert_eq!(forms, 0, "nothing to continue with on another device");
    phone.snapshot("link-on-another-device").await;
    phone.finish().await;

    // On the laptop: Continue signs in.
    laptop.goto(&link).await;
    laptop.wait_for_text(m().email_link_title).await;
    laptop.snapshot("link-on-this-device").await;
    laptop
        .click("form[action='/login/email-link'] button[type=submit]")
        .await;
    laptop
        .wait_for_url("the passkey invitation", |u| u.contains("/login/nudge?"))
        .await;
    laptop.wait_for_text(m().nudge_not_now).await;
    laptop.snapshot("passkey-invitation").await;
    laptop.click("button[name=action][value=not_now]").await;

    let claims = w.back_at_rp(&mut laptop, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(
        method_of(&claims),
        json!({"amr": ["otp", "urn:latchkey:amr:email"], "acr": "urn:latchkey:acr:sfa"}),
        "{claims}"
    );
    assert_eq!(w.passkeys(&w.alice).await.len(), 1, "no passkey was made");
    laptop.finish().await;
}
