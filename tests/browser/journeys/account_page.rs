//! The account page: a signed-in user changes her display name (which the
//! page signals to the device's passkey manager), renames, adds and deletes
//! passkeys.

use latchkey_core::UserRepo as _;
use serde_json::json;

use super::{World, accept_next_dialog, credential_id, device_bound_passkey, m, method_of};
use crate::harness::{Browser, platform_authenticator};

/// The passkeys the account page lists: `[id, name]` of each, in order.
const LISTED: &str = "Array.from(document.querySelectorAll('#account li.item[data-passkey]'))\
    .map(li => [li.getAttribute('data-passkey'), li.querySelector('.item-title').textContent])";

/// The WebAuthn user handle of a user id: the UUID's 16 bytes, base64url.
fn user_handle(uuid: &str) -> String {
    use base64::Engine as _;
    let hex: String = uuid.chars().filter(|c| *c != '-').collect();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes.len(), 16, "{uuid}");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Alice enrolled a passkey on her old laptop and signs in with it (the
/// browser keeps Latchkey's session). On `/account` she changes her display
/// name (stored, and signalled with `signalCurrentUserDetails`), renames it
/// "Work laptop" through the inline form, moves to a new laptop (another
/// virtual authenticator) where "Add a passkey" creates a second one, then
/// deletes the old one (accepting the confirmation): the page and the
/// database both hold only the new passkey.
#[actix_web::test]
async fn a_signed_in_user_renames_adds_and_deletes_passkeys() {
    let test = concat!(
        module_path!(),
        "::a_signed_in_user_renames_adds_and_deletes_passkeys"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    // Passkey autofill would sign in (or fail) on its own here: see
    // `Browser::without_passkey_autofill`.
    b.without_passkey_autofill().await;
    let w = World::start(test).await;
    let old_laptop = b.add_authenticator(platform_authenticator()).await;
    let first = w.enroll_in_browser(&mut b, &w.alice).await;

    // Signed in through the application, with the passkey button.
    let sign_in = w.authorize(&b, &[]).await;
    let button = ".passkey-start button[data-passkey]";
    b.wait_visible(button).await;
    b.snapshot("sign-in").await;
    b.click(button).await;
    let claims = w.back_at_rp(&mut b, &sign_in).await;
    assert_eq!(claims["sub"], w.alice.id.0.as_str(), "{claims}");
    assert_eq!(method_of(&claims), device_bound_passkey(), "{claims}");

    // The account page lists the passkey.
    let account = format!("{}/account", w.s.base);
    b.observe_signals().await;
    b.goto(&account).await;
    b.wait_for_text(m().account_passkeys_heading).await;
    let rename = "#account li.item[data-passkey] button[data-action=rename-open]";
    b.wait_visible(rename).await;
    let listed = b.eval(LISTED).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0][0], first.as_str(), "{listed}");
    b.snapshot("account").await;

    // Change the display name; the page tells the passkey manager.
    let name_field = "#account form[data-action=profile-save] input[name=display_name]";
    b.wait_visible(name_field).await;
    b.eval(&format!(
        "document.querySelector({}).select()",
        json!(name_field)
    ))
    .await;
    b.call("Input.insertText", json!({ "text": "Alice Liddell" }))
        .await;
    b.click("#account form[data-action=profile-save] button[type=submit]")
        .await;
    b.wait_for(
        "the reloaded page to show the new name",
        &format!(
            "document.querySelector({}).defaultValue === 'Alice Liddell'",
            json!(name_field)
        ),
    )
    .await;
    b.snapshot("display-name").await;
    let stored = w.s.state.db.user_by_id(&w.alice.id).await.unwrap().unwrap();
    assert_eq!(stored.display_name, "Alice Liddell");
    assert_eq!(
        b.signal_calls().await,
        vec![json!({
            "rpId": w.s.state.passkeys.rp_id(),
            "userId": user_handle(&w.alice.id.0),
            "name": w.alice.username,
            "displayName": "Alice Liddell",
        })]
    );

    // Rename it through the inline form.
    b.click(rename).await;
    let field =
        "#account li.item[data-passkey] form[data-action=passkey-rename] input[name=friendly_name]";
    b.wait_visible(field).await;
    b.wait_for(
        "the name field to have the focus",
        &format!(
            "document.activeElement === document.querySelector({})",
            json!(field)
        ),
    )
    .await;
    b.eval(&format!(
        "document.querySelector({}).select()",
        json!(field)
    ))
    .await;
    b.call("Input.insertText", json!({ "text": "Work laptop" }))
        .await;
    b.snapshot("renaming").await;
    b.click("#account li.item[data-passkey] form[data-action=passkey-rename] button[type=submit]")
        .await;
    b.wait_for(
        "the reloaded page to list the new name",
        &format!(
            "JSON.stringify({LISTED}) === {}",
            json!(json!([[first, "Work laptop"]]).to_string())
        ),
    )
    .await;
    b.wait_visible(rename).await;
    b.snapshot("renamed").await;

    // A new laptop: another authenticator, which "Add a passkey" fills.
    b.call(
        "WebAuthn.removeVirtualAuthenticator",
        json!({ "authenticatorId": old_laptop.id }),
    )
    .await;
    let new_laptop = b.add_authenticator(platform_authenticator()).await;
    let add = "#account button[data-action=passkey-add]";
    b.wait_visible(add).await;
    b.click(add).await;
    b.wait_for(
        "the reloaded page to list two passkeys",
        &format!("({LISTED}).length === 2"),
    )
    .await;
    b.wait_visible(add).await;
    b.snapshot("two-passkeys").await;
    let held = b.credentials(&new_laptop).await;
    assert_eq!(
        held.len(),
        1,
        "the new laptop holds the new passkey: {held:?}"
    );
    let second = credential_id(&held[0]);
    let stored = w.passkeys(&w.alice).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert!(
        stored.contains(&first) && stored.contains(&second),
        "{stored:?}"
    );
    let listed = b.eval(LISTED).await;
    assert_eq!(listed[0], json!([first, "Work laptop"]), "{listed}");
    assert_eq!(listed[1][0], second.as_str(), "{listed}");

    // Delete the old laptop's passkey, confirming.
    let delete = format!(
        "#account li.item[data-passkey={}] button[data-action=passkey-delete]",
        json!(first)
    );
    b.wait_visible(&delete).await;
    let question = accept_next_dialog(&b, &delete).await;
    assert_eq!(question, m().account_passkey_delete_confirm);
    b.wait_for(
        "the reloaded page to list one passkey",
        &format!("({LISTED}).length === 1"),
    )
    .await;
    b.wait_visible(add).await;
    let listed = b.eval(LISTED).await;
    assert_eq!(listed[0][0], second.as_str(), "{listed}");
    b.snapshot("one-passkey").await;
    assert_eq!(w.passkeys(&w.alice).await, vec![second]);
    b.finish().await;
}
