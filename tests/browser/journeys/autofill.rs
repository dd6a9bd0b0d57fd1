//! Passkey autofill: the identifier field offers the passkey (conditional
//! mediation) and picking it signs in.

use serde_json::{Value, json};

use super::{World, device_bound_passkey, method_of};
use crate::harness::{Browser, platform_authenticator};

/// Alice's passkey is on this device. The sign-in page starts a
/// conditional request as it loads (the field is `autocomplete="username
/// webauthn"`); focusing the field pops no prompt; picking the passkey
/// signs her in without the button.
///
/// Headless Chromium shows no autofill list, and its virtual environment
/// answers a conditional request at once when the authenticator simulates
/// the user's touch. So the journey keeps the touch off while the page
/// loads (the request stays pending, as it does while a user looks at the
/// page), then turns it on and reloads: the new page's conditional request
/// is answered with the passkey, which stands in for the user picking it.
#[actix_web::test]
async fn returning_user_signs_in_from_the_fields_autofill() {
    let test = concat!(
        module_path!(),
        "::returning_user_signs_in_from_the_fields_autofill"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    let w = World::start(test).await;
    b.observe_webauthn().await;
    let device = b.add_authenticator(platform_authenticator()).await;
    w.enroll_in_browser(&mut b, &w.alice).await;
    b.set_presence(&device, false).await;

    let sign_in = w.authorize(&b, &[]).await;
    b.wait_for(
        "the page's autofill request (conditional mediation)",
        "(window.__latchkeyWebAuthn || []).includes('get:conditional')",
    )
    .await;
    let autocomplete = b
        .eval("document.querySelector('#identifier').getAttribute('autocomplete')")
        .await;
    assert_eq!(autocomplete, "username webauthn");
    b.snapshot("sign-in-autofill-pending").await;
    b.click("#identifier").await;
    // Focusing the field pops no prompt: still the one autofill request.
    assert_eq!(b.webauthn_calls().await, ["get:conditional"]);

    b.set_presence(&device, true).await;
    b.call("Page.reload", json!({})).await;
    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");

    // The way in was the autofill request: every options request asked for
    // conditional mediation, one assertion was verified, and leaving the
    // first page (its request still pending) reported no failure.
    let requests = b.requests();
    let api = |route: &str| {
        requests
            .iter()
            .filter(|r| r.method == "POST" && r.url.ends_with(route))
            .collect::<Vec<_>>()
    };
    let mediations: Vec<Value> = api("/passkey/options")
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(r.body.as_deref().unwrap_or("{}")).unwrap()["mediation"]
                .clone()
        })
        .collect();
    assert_eq!(mediations, [json!("conditional"), json!("conditional")]);
    assert_eq!(api("/passkey/verify").len(), 1);
    assert!(api("/passkey/failure").is_empty(), "{:?}", b.log());
    b.finish().await;
}
