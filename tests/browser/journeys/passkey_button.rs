//! A returning user signs in with the "Sign in with a passkey" button.

use super::{World, credential_id, device_bound_passkey, m, method_of, user_handle};
use crate::harness::{Browser, platform_authenticator};

/// Alice enrolled a passkey on this device (through the enrollment API, in
/// this browser); the application sends her to sign in, she presses the
/// button, the device verifies her, and the application receives an ID
/// token that says "passkey" (`phr`, with `hwk`: Chromium's virtual
/// authenticator creates device-bound credentials).
#[actix_web::test]
async fn returning_user_signs_in_with_the_passkey_button() {
    let test = concat!(
        module_path!(),
        "::returning_user_signs_in_with_the_passkey_button"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    // Passkey autofill would sign in (or fail) on its own here: see
    // `Browser::without_passkey_autofill`.
    b.without_passkey_autofill().await;
    let w = World::start(test).await;
    let device = b.add_authenticator(platform_authenticator()).await;
    let id = w.enroll_in_browser(&mut b, &w.alice).await;
    let held = b.credentials(&device).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["isResidentCredential"], true, "{held:?}");
    assert_eq!(held[0]["userHandle"], user_handle(&w.alice).as_str());
    assert_eq!(held[0]["rpId"], "localhost");
    assert_eq!(credential_id(&held[0]), id);

    let sign_in = w.authorize(&b, &[]).await;
    let button = ".passkey-start button[data-passkey]";
    b.wait_visible(button).await;
    b.wait_for_text(m().login_passkey_button).await;
    b.snapshot("sign-in").await;
    b.click(button).await;

    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");
    // The sign-in counted: the authenticator's counter moved.
    let after = b.credentials(&device).await;
    assert!(
        after[0]["signCount"].as_u64() > held[0]["signCount"].as_u64(),
        "{after:?}"
    );
    b.finish().await;
}
