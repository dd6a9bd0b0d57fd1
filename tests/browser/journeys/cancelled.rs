//! A cancelled passkey prompt: the page says so and offers the ways in.

use super::{World, device_bound_passkey, m, method_of};
use crate::harness::{Browser, platform_authenticator};

/// Alice's passkey is on this device, but she dismisses the prompt (the
/// authenticator does not verify her, so `navigator.credentials.get()`
/// rejects with `NotAllowedError`). The page explains that the prompt was
/// cancelled, without a dead end: it offers the passkey again and a way to
/// name the account for other methods. Trying again, she confirms and is
/// signed in.
#[actix_web::test]
async fn a_cancelled_prompt_explains_and_offers_the_ways_in() {
    let test = concat!(
        module_path!(),
        "::a_cancelled_prompt_explains_and_offers_the_ways_in"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    b.without_passkey_autofill().await;
    let w = World::start(test).await;
    let device = b.add_authenticator(platform_authenticator()).await;
    w.enroll_in_browser(&mut b, &w.alice).await;
    b.set_user_verified(&device, false).await;

    let sign_in = w.authorize(&b, &[]).await;
    let button = ".passkey-start button[data-passkey]";
    b.wait_visible(button).await;
    b.snapshot("sign-in").await;
    b.click(button).await;

    b.wait_for_text(m().login_problem_cancelled).await;
    let again = "ul.options button[data-passkey]";
    b.wait_visible(again).await;
    b.wait_visible("#identifier").await;
    b.snapshot("prompt-cancelled").await;

    b.set_user_verified(&device, true).await;
    b.click(again).await;
    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");
    b.finish().await;
}
