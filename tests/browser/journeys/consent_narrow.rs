//! The pages around a sign-in, on a 320 px wide phone screen: the demo
//! application and its claims page, the consent page of an application
//! that asks for permission, the logout confirmation, the signed-out page
//! and the error page. Every snapshot also checks that nothing scrolls
//! sideways (`Browser::snapshot`).

use latchkey_oidc::{ClientId, ClientRepo as _, ClientUpdate, ConsentRepo as _};

use super::{World, device_bound_passkey, m, method_of};
use crate::harness::{Browser, platform_authenticator};

/// Alice enrolls a passkey, signs in to the demo application with it and
/// sees her token's claims; then the test application, now registered to
/// ask for permission, sends her to the consent page (her session answers
/// the sign-in), she allows it and the application gets an ID token that
/// still says "passkey". She signs out, and an unknown application's
/// request shows the error page. All at 320 × 640.
#[actix_web::test]
async fn demo_consent_logout_and_errors_fit_a_phone() {
    let test = concat!(
        module_path!(),
        "::demo_consent_logout_and_errors_fit_a_phone"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    b.without_passkey_autofill().await;
    b.set_viewport(320, 640).await;
    let w = World::start(test).await;
    b.add_authenticator(platform_authenticator()).await;
    w.enroll_in_browser(&mut b, &w.alice).await;

    // The demo application: start, sign in with the passkey, see claims.
    b.goto(&format!("{}/demo", w.s.base)).await;
    b.wait_for_text(m().demo_sign_in).await;
    b.snapshot("demo").await;
    b.click("a[href$='/demo/start']").await;
    let button = ".passkey-start button[data-passkey]";
    b.wait_visible(button).await;
    b.snapshot("sign-in-narrow").await;
    b.click(button).await;
    let claims_page = format!("{}/demo/callback", w.s.base);
    b.wait_for_url("the demo's claims page", |u| u.starts_with(&claims_page))
        .await;
    b.wait_for_text("phr").await;
    b.snapshot("demo-claims").await;

    // The test application now asks for permission.
    let id = ClientId(w.client.clone());
    let client = w.s.state.db.client_by_id(&id).await.unwrap().unwrap();
    let update = ClientUpdate {
        require_consent: Some(true),
        ..ClientUpdate::default()
    };
    let at = client.updated_at;
    let client = client.updated(update, at).unwrap();
    w.s.state.db.update_client(&client).await.unwrap();

    let sign_in = w.authorize_to(&b, &[], "/consent?flow=").await;
    let title = m().consent_title.replace("{client}", "Test Application");
    b.wait_for_text(&title).await;
    b.wait_for_text(m().consent_scope_email).await;
    b.snapshot("consent").await;
    b.click("button[name=decision][value=allow]").await;
    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");
    let agreed = w.s.state.db.consent(&w.alice.id, &id).await.unwrap();
    assert!(agreed.is_some(), "the answer is kept");

    // Sign out: the confirmation, then the signed-out page.
    b.goto(&format!("{}/logout", w.s.base)).await;
    b.wait_for_text(m().logout_title).await;
    b.snapshot("logout-confirm").await;
    b.click("form[action='/logout'] button[type=submit]").await;
    b.wait_for_text(m().signed_out_title).await;
    b.snapshot("signed-out").await;

    // An application Latchkey does not know: the error page, no redirect.
    b.goto(&format!(
        "{}/authorize?client_id=nope&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fevil.example%2F",
        w.s.base
    ))
    .await;
    b.wait_for_text(m().error_unknown_client_title).await;
    b.snapshot("error-unknown-client").await;
    let url = b.eval("location.href").await;
    assert!(
        url.as_str().unwrap_or_default().starts_with(&w.s.base),
        "{url}"
    );
    b.finish().await;
}
