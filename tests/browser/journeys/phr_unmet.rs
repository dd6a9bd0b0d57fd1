//! An application that requires a passkey (`acr_values=phr`) and a user
//! who has none: the page offers nothing weaker and leads back to the
//! application, which learns why.

use serde_json::json;

use super::{World, m};
use crate::harness::{Browser, platform_authenticator};

/// Alice has only a verified email (no passkey), and this browser's
/// authenticator holds nothing. The application asks for `phr`. She names
/// her account; the page offers no email code or link (they would not meet
/// `phr`): it is the refusal, "We can't sign you in", whose button leads
/// back to the application; its callback receives
/// `error=unmet_authentication_requirements` with its `state` and `iss`.
#[actix_web::test]
async fn a_passkey_requirement_without_a_passkey_goes_back_unmet() {
    let test = concat!(
        module_path!(),
        "::a_passkey_requirement_without_a_passkey_goes_back_unmet"
    );
    let Some(mut b) = Browser::launch(test).await else {
        return;
    };
    // Passkey autofill would fail on its own here: see
    // `Browser::without_passkey_autofill`.
    b.without_passkey_autofill().await;
    let w = World::start(test).await;
    // The email is verified (World::start does it through
    // FactorRepo::mark_email_verified); no passkey anywhere.
    assert!(w.passkeys(&w.alice).await.is_empty());
    let device = b.add_authenticator(platform_authenticator()).await;
    assert!(b.credentials(&device).await.is_empty());

    let sign_in = w.authorize(&b, &[("acr_values", "phr")]).await;
    b.wait_visible("#identifier").await;
    b.snapshot("sign-in").await;
    b.type_into("#identifier", "alice").await;
    b.click("form[action='/login/identify'] button[type=submit]")
        .await;

    // Identified: nothing weaker than a passkey is offered; the page says
    // so and leads back.
    let give_up = "form[action='/login/give-up'] button[type=submit]";
    b.wait_for_url("the page after identifying", |u| u.contains("view="))
        .await;
    b.wait_visible(give_up).await;
    b.snapshot("identified").await;
    let text = b
        .eval("document.body.innerText")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for weaker in [m().login_method_email_code, m().login_method_email_link] {
        assert!(
            !text.contains(weaker),
            "{weaker:?} offered under phr:\n{text}"
        );
    }
    let offered = b
        .eval("document.querySelectorAll(\"input[name=steps][value^=email]\").length")
        .await;
    assert_eq!(offered, 0, "an email option under phr:\n{text}");
    assert!(text.contains(m().login_refused_title), "{text}");
    let back = m().login_give_up.replace("{client}", "Test Application");
    let label = b
        .eval(&format!(
            "document.querySelector({}).textContent",
            json!(give_up)
        ))
        .await;
    assert_eq!(label, back.as_str(), "{text}");
    b.click(give_up).await;

    // Back at the application, with the reason.
    let callback = w.rp.callback.clone();
    let url = b
        .wait_for_url("the redirect back to the application", |u| {
            u.starts_with(&callback)
        })
        .await;
    b.snapshot("back-at-the-application").await;
    let params: std::collections::BTreeMap<String, String> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(
        params.get("error").map(String::as_str),
        Some("unmet_authentication_requirements"),
        "{url}"
    );
    assert_eq!(params.get("state"), Some(&sign_in.state), "{url}");
    assert_eq!(params.get("iss"), Some(&w.s.base), "RFC 9207 iss: {url}");
    assert!(!params.contains_key("code"), "{url}");
    b.finish().await;
}
