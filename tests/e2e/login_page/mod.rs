//! The hosted sign-in page `/login?flow=ID` without script, over real HTTP
//! and on both stacks: the start state in the user's language, a whole
//! sign-in with an emailed code through plain form posts (the code read
//! from a real SMTP server) ending in an ID token that names the method,
//! errors tied to the field, CSRF, another browser's flow, and a client
//! whose requirement nothing available meets.

mod html;

use serde_json::Value;

use crate::fallback::{World, alice_code, other_than, world};
use crate::passkey::{answer, claims, get_flow, signed_in};
use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::fixtures::REDIRECT_URI;
use crate::support::{Stack, TestServer, rp};
use html::{assert_no_inline, attr, form, forms, get_page, submit, tag_with_id};

/// `/authorize` in `b` (plus `extra` parameters): the flow id, the PKCE
/// verifier.
async fn authorize(w: &World, b: &mut Browser, extra: &[(&str, &str)]) -> (String, String) {
    let (verifier, challenge) = rp::pkce();
    let url = rp::authorize_url(&w.s, &w.client, &challenge, extra);
    let to = location(&b.get(&w.s, &url).await);
    assert!(to.starts_with("/login?flow="), "{to}");
    (flow_id(&to), verifier)
}

/// The flow as the JSON API shows it.
async fn flow_view(s: &TestServer, b: &Browser, id: &str) -> Value {
    let (status, view) = answer(get_flow(s, b, id).await).await;
    assert_eq!(status, 200, "{view}");
    view
}

/// Follow a `303` chain from `res` to the client: through the passkey
/// invitation ("Not now") when one comes first. The client's parameters.
async fn to_client(
    w: &World,
    b: &mut Browser,
    res: reqwest::Response,
) -> std::collections::BTreeMap<String, String> {
    let mut next = location(&res);
    for _ in 0..5 {
        if next.starts_with(REDIRECT_URI) {
            return query(&next);
        }
        if next.starts_with("/login/nudge?") {
            let page = get_page(&w.s, b, &next, "en").await;
            assert_eq!(page.status, 200);
            let not_now = form(&page.html, "/login/nudge", None);
            let res = submit(&w.s, b, &not_now, &[("action", "not_now")]).await;
            next = location(&res);
            continue;
        }
        next = location(&b.get(&w.s, &next).await);
    }
    panic!("no way to the client: {next}");
}

async fn start_page_in_the_users_language(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (id, _) = authorize(&w, &mut b, &[]).await;
    let csrf = flow_view(&w.s, &b, &id).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/login?flow={id}");

    let page = get_page(&w.s, &mut b, &path, "en-GB,en;q=0.8").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.cache, "no-store");
    assert!(page.csp.contains("script-src 'self'"), "{}", page.csp);
    assert!(page.csp.contains("style-src 'self'"), "{}", page.csp);
    // The forms may lead on to the client (a redirect chain that ends
    // there), and nowhere else.
    assert!(
        page.csp
            .contains("form-action 'self' https://rp.example.com;"),
        "{}",
        page.csp
    );
    let html = &page.html;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("<h1>Sign in to Relying Party</h1>"), "{html}");
    assert_no_inline(html);
    let identifier = tag_with_id(html, "identifier");
    assert!(
        identifier.contains("autocomplete=\"username webauthn\""),
        "{identifier}"
    );
    assert!(identifier.contains("name=\"identifier\""));
    let identify = form(html, "/login/identify", None);
    assert_eq!(identify.field("flow"), Some(id.as_str()));
    assert_eq!(identify.field("csrf_token"), Some(csrf.as_str()));
    let other = form(html, "/login/options", None);
    assert_eq!(other.field("csrf_token"), Some(csrf.as_str()));
    assert!(other.html.contains("Other ways to sign in"));
    // The passkey button waits for login.js.
    assert!(html.contains("data-js hidden>"), "{html}");
    let script = latchkey_pages::LOGIN_JS_URL;
    assert!(html.contains(&format!("<script src=\"{script}\" defer></script>")));
    let js = w.s.get(script).await;
    assert_eq!(js.status(), 200);
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let js = js.text().await.unwrap();
    for api in [
        "passkey/options",
        "passkey/verify",
        "passkey/failure",
        "parseRequestOptionsFromJSON",
        "signalUnknownCredential",
        "isConditionalMediationAvailable",
    ] {
        assert!(js.contains(api), "login.js uses {api}");
    }

    let de = get_page(&w.s, &mut b, &path, "de-DE,de;q=0.9,en;q=0.5").await;
    assert_eq!(de.status, 200);
    assert!(de.html.contains("<html lang=\"de\">"));
    assert!(
        de.html.contains("<h1>Bei Relying Party anmelden</h1>"),
        "{}",
        de.html
    );
    assert!(de.html.contains("Andere Anmeldemöglichkeiten"));
    assert!(!de.html.contains("Other ways to sign in"));

    // The client's ui_locales win over the browser's languages, and its
    // login_hint fills the field.
    let mut b2 = Browser::default();
    let (id2, _) = authorize(
        &w,
        &mut b2,
        &[("ui_locales", "de"), ("login_hint", "alice")],
    )
    .await;
    let page = get_page(&w.s, &mut b2, &format!("/login?flow={id2}"), "en").await;
    assert!(page.html.contains("<html lang=\"de\">"), "{}", page.html);
    assert!(tag_with_id(&page.html, "identifier").contains("value=\"alice\""));
}

async fn email_code_sign_in_without_script(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (id, verifier) = authorize(&w, &mut b, &[]).await;
    let path = format!("/login?flow={id}");
    let page = get_page(&w.s, &mut b, &path, "en").await;

    // "Other ways" before naming an account: passkeys only, which need a
    // passkey browser, and a field to name the account.
    let res = submit(&w.s, &mut b, &form(&page.html, "/login/options", None), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{path}&view=options"));
    let page = get_page(&w.s, &mut b, &location(&res), "en").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("<h1>Choose how to sign in</h1>"),
        "{}",
        page.html
    );
    assert!(page.html.contains("needs a browser that supports passkeys"));
    assert!(
        forms(&page.html)
            .iter()
            .all(|f| f.action != "/login/choose"),
        "{}",
        page.html
    );

    // Name the account there.
    let identify = form(&page.html, "/login/identify", None);
    let res = submit(&w.s, &mut b, &identify, &[("identifier", "  alice ")]).await;
    assert_eq!(location(&res), format!("{path}&view=options"));
    assert_eq!(flow_view(&w.s, &b, &id).await["identifier"], "alice");
    let page = get_page(&w.s, &mut b, &location(&res), "en").await;
    assert!(page.html.contains("as alice."), "{}", page.html);
    assert_no_inline(&page.html);
    let choose = form(&page.html, "/login/choose", Some(("steps", "email_code")));
    assert!(choose.html.contains("Email me a code"));
    assert!(
        choose
            .html
            .contains("We can send a code or link to your email address.")
    );
    let res = submit(&w.s, &mut b, &choose, &[]).await;
    assert_eq!(location(&res), path, "the code is sent when chosen");

    let page = get_page(&w.s, &mut b, &path, "en").await;
    assert!(
        page.html.contains("<h1>Check your email</h1>"),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("We sent a code to your email address. It is valid for 10 minutes.")
    );
    assert!(page.html.contains("The email also has a link"));
    let code_field = tag_with_id(&page.html, "code");
    for attribute in [
        "inputmode=\"numeric\"",
        "autocomplete=\"one-time-code\"",
        "name=\"code\"",
        "required",
    ] {
        assert!(code_field.contains(attribute), "{code_field}");
    }
    let code = alice_code(&w, 0).await;
    let verify = form(&page.html, "/login/verify", None);
    assert_eq!(verify.field("method"), Some("email_code"));
    let res = submit(&w.s, &mut b, &verify, &[("code", &code)]).await;
    assert_eq!(res.status(), 303);
    assert!(signed_in(&b), "the session cookie is set");

    // The flow is finished: the page sends the browser on.
    let finished = b.get(&w.s, &path).await;
    assert_eq!(finished.status(), 303);
    assert_eq!(location(&finished), format!("/authorize/resume?flow={id}"));

    let params = to_client(&w, &mut b, res).await;
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], w.s.base);
    let res = rp::exchange(&w.s, &w.client, &w.secret, &params["code"], &verifier).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let id_token = claims(tokens["id_token"].as_str().unwrap());
    let amr: Vec<&str> = id_token["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(amr.contains(&"otp"), "{id_token}");
    assert!(amr.contains(&"urn:latchkey:amr:email"), "{id_token}");
    assert_eq!(id_token["acr"], "urn:latchkey:acr:sfa", "{id_token}");
    assert_eq!(id_token["sub"], w.alice.id.0, "{id_token}");

    // The flow is gone now: its page is the expired page.
    let gone = get_page(&w.s, &mut b, &path, "en").await;
    assert_eq!(gone.status, 400);
    assert!(
        gone.html.contains("Your sign-in took too long"),
        "{}",
        gone.html
    );
}

/// Up to the code step for Alice: the flow id and the step's page path.
async fn at_code_step(w: &World, b: &mut Browser) -> (String, String) {
    let (id, _) = authorize(w, b, &[]).await;
    let path = format!("/login?flow={id}");
    let page = get_page(&w.s, b, &path, "en").await;
    submit(
        &w.s,
        b,
        &form(&page.html, "/login/identify", None),
        &[("identifier", "alice")],
    )
    .await;
    let page = get_page(&w.s, b, &format!("{path}&view=options"), "en").await;
    let choose = form(&page.html, "/login/choose", Some(("steps", "email_code")));
    submit(&w.s, b, &choose, &[]).await;
    (id, path)
}

async fn wrong_codes_are_told_at_the_field(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (_, path) = at_code_step(&w, &mut b).await;
    let code = alice_code(&w, 0).await;
    let page = get_page(&w.s, &mut b, &path, "en").await;
    let verify = form(&page.html, "/login/verify", None);

    let res = submit(&w.s, &mut b, &verify, &[("code", &other_than(&code))]).await;
    let back = location(&res);
    assert_eq!(
        back,
        format!("{path}&e=invalid_code&n=4"),
        "a code, never text"
    );
    let page = get_page(&w.s, &mut b, &back, "en").await;
    assert_eq!(page.status, 200);
    let error = tag_with_id(&page.html, "code-error");
    assert!(error.starts_with("<p class=\"field-error\""), "{error}");
    assert!(
        page.html
            .contains("That code is not right. You can try 4 more times with this code."),
        "{}",
        page.html
    );
    let field = tag_with_id(&page.html, "code");
    assert!(field.contains("aria-invalid=\"true\""), "{field}");
    let described = attr(field, "aria-describedby").unwrap();
    assert!(described.split(' ').any(|i| i == "code-error"), "{field}");
    // Label, error, field: the field keeps its place in the focus order.
    let label = page.html.find("<label for=\"code\">").unwrap();
    let err = page.html.find("id=\"code-error\"").unwrap();
    let input = page.html.find("id=\"code\" name=\"code\"").unwrap();
    assert!(label < err && err < input);

    // German, from the same code.
    let de = get_page(&w.s, &mut b, &back, "de").await;
    assert!(
        de.html.contains(
            "Dieser Code stimmt nicht. Sie können es mit diesem Code noch 4-mal versuchen."
        ),
        "{}",
        de.html
    );

    // An empty entry costs no guess; a tampered error code shows nothing.
    let res = submit(&w.s, &mut b, &verify, &[("code", "   ")]).await;
    assert_eq!(location(&res), format!("{path}&e=missing_code"));
    let tampered = get_page(&w.s, &mut b, &format!("{path}&e=%3Cb%3Ehi&n=x"), "en").await;
    assert_eq!(tampered.status, 200);
    assert!(!tampered.html.contains("field-error"), "{}", tampered.html);
    assert!(!tampered.html.contains("<b>hi"));

    // Too soon for a new code; later it replaces the old one.
    let resend = form(&page.html, "/login/send", None);
    let res = submit(&w.s, &mut b, &resend, &[]).await;
    let wait = location(&res);
    let (_, n) = wait
        .split_once(&format!("{path}&e=resend_wait&n="))
        .unwrap_or_else(|| panic!("{wait}"));
    let n: u64 = n.parse().unwrap();
    assert!((25..=30).contains(&n), "{wait}");
    let page = get_page(&w.s, &mut b, &wait, "en").await;
    assert!(
        page.html
            .contains(&format!("You can ask for a new code in {n} seconds.")),
        "{}",
        page.html
    );
    w.clock.advance(31);
    let res = submit(&w.s, &mut b, &resend, &[]).await;
    assert_eq!(location(&res), format!("{path}&e=code_sent"));
    let page = get_page(&w.s, &mut b, &location(&res), "en").await;
    assert!(page.html.contains("We sent a new code."), "{}", page.html);
    let fresh = alice_code(&w, 1).await;
    // The first code is void: it is checked against the new one.
    if fresh != code {
        let res = submit(&w.s, &mut b, &verify, &[("code", &code)]).await;
        assert_eq!(location(&res), format!("{path}&e=invalid_code&n=4"));
    }
    let res = submit(&w.s, &mut b, &verify, &[("code", &fresh)]).await;
    assert!(signed_in(&b));
    let params = to_client(&w, &mut b, res).await;
    assert!(params.contains_key("code"), "{params:?}");
}

async fn forms_need_the_flows_csrf_token(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (id, _) = authorize(&w, &mut b, &[]).await;
    let page = get_page(&w.s, &mut b, &format!("/login?flow={id}"), "en").await;
    let identify = form(&page.html, "/login/identify", None);
    let other = form(&page.html, "/login/options", None);
    let without: Vec<(&str, &str)> = vec![("flow", id.as_str()), ("identifier", "alice")];
    for res in [
        b.post_form(&w.s, "/login/identify", &without).await,
        submit(
            &w.s,
            &mut b,
            &identify,
            &[("identifier", "alice"), ("csrf_token", "")],
        )
        .await,
        submit(
            &w.s,
            &mut b,
            &identify,
            &[("identifier", "alice"), ("csrf_token", &"0".repeat(32))],
        )
        .await,
        submit(&w.s, &mut b, &other, &[("csrf_token", "nope")]).await,
        b.post_form(
            &w.s,
            "/login/choose",
            &[("flow", &id), ("steps", "email_code")],
        )
        .await,
        b.post_form(&w.s, "/login/give-up", &[("flow", &id)]).await,
    ] {
        assert_eq!(res.status(), 403);
        let html = res.text().await.unwrap();
        assert!(html.contains("<code>csrf</code>"), "{html}");
    }
    let view = flow_view(&w.s, &b, &id).await;
    assert_eq!(view["state"], "pending");
    assert_eq!(view["identifier"], Value::Null, "nothing changed");
    assert!(w.smtp.messages().is_empty(), "nothing was sent");
}

async fn another_browsers_flow_is_the_expired_page(stack: Stack, test: &str) {
    let w = world!(stack, test);
    let mut b = Browser::default();
    let (id, _) = authorize(&w, &mut b, &[]).await;
    let page = get_page(&w.s, &mut b, &format!("/login?flow={id}"), "en").await;
    let identify = form(&page.html, "/login/identify", None);

    // Another browser (with its own cookie), with the right token even.
    let mut other = Browser::default();
    authorize(&w, &mut other, &[]).await;
    for path in [
        format!("/login?flow={id}"),
        "/login?flow=0123456789abcdef0123456789abcdef".to_owned(),
        "/login?flow=..%2Fx".to_owned(),
        "/login".to_owned(),
    ] {
        let page = get_page(&w.s, &mut other, &path, "en").await;
        assert_eq!(page.status, 400, "{path}");
        assert!(
            page.html.contains("Your sign-in took too long"),
            "{path}: {}",
            page.html
        );
        assert!(!page.html.contains(&id) || path.contains(&id));
    }
    let res = submit(&w.s, &mut other, &identify, &[("identifier", "alice")]).await;
    assert_eq!(res.status(), 400);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Your sign-in took too long")
    );
    let view = flow_view(&w.s, &b, &id).await;
    assert_eq!(view["identifier"], Value::Null, "nothing changed");
}

async fn unmet_requirement_is_refused_and_told_to_the_client(stack: Stack, test: &str) {
    let w = world!(stack, test);
    // Carol has a verified email and no passkey; the client asks for `phr`.
    let carol = w.s.user("carol").await;
    w.s.verify_email(&carol).await;
    let mut b = Browser::default();
    let (id, _) = authorize(&w, &mut b, &[("acr_values", "phr")]).await;
    let path = format!("/login?flow={id}");
    let page = get_page(&w.s, &mut b, &path, "en").await;
    let res = submit(
        &w.s,
        &mut b,
        &form(&page.html, "/login/identify", None),
        &[("identifier", "carol")],
    )
    .await;
    let page = get_page(&w.s, &mut b, &location(&res), "en").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("<h1>We can&#39;t sign you in</h1>")
            || page.html.contains("<h1>We can&#x27;t sign you in</h1>"),
        "{}",
        page.html
    );
    assert!(
        page.html
            .contains("Relying Party requires a more secure way to sign in"),
        "{}",
        page.html
    );
    assert!(
        forms(&page.html)
            .iter()
            .all(|f| f.action != "/login/choose"),
        "no email code for phr"
    );
    assert_no_inline(&page.html);
    // Choosing the email code anyway is refused and sends nothing.
    let give_up = form(&page.html, "/login/give-up", None);
    let csrf = give_up.field("csrf_token").unwrap().to_owned();
    let forced = b
        .post_form(
            &w.s,
            "/login/choose",
            &[
                ("flow", &id),
                ("csrf_token", &csrf),
                ("steps", "email_code"),
            ],
        )
        .await;
    assert_eq!(
        location(&forced),
        format!("{path}&view=options&e=not_offered")
    );
    let page = get_page(&w.s, &mut b, &location(&forced), "en").await;
    assert!(
        page.html
            .contains("That way to sign in is not available right now.")
    );
    // Giving up ends at the client, which learns why.
    let forced = submit(&w.s, &mut b, &give_up, &[]).await;
    let params = to_client(&w, &mut b, forced).await;
    assert_eq!(
        params["error"], "unmet_authentication_requirements",
        "{params:?}"
    );
    assert_eq!(params["state"], "st-123");
    assert!(!params.contains_key("code"));
    assert!(!signed_in(&b));
    assert!(w.smtp.messages().is_empty());

    // Giving up without a requirement is the user declining.
    let mut b = Browser::default();
    let (id, _) = authorize(&w, &mut b, &[]).await;
    let page = get_page(&w.s, &mut b, &format!("/login?flow={id}"), "en").await;
    let res = submit(
        &w.s,
        &mut b,
        &form(&page.html, "/login/identify", None),
        &[("identifier", "carol")],
    )
    .await;
    let page = get_page(&w.s, &mut b, &location(&res), "en").await;
    let res = submit(&w.s, &mut b, &form(&page.html, "/login/give-up", None), &[]).await;
    let params = to_client(&w, &mut b, res).await;
    assert_eq!(params["error"], "access_denied", "{params:?}");
}

crate::stack_tests!(
    start_page_in_the_users_language,
    email_code_sign_in_without_script,
    wrong_codes_are_told_at_the_field,
    forms_need_the_flows_csrf_token,
    another_browsers_flow_is_the_expired_page,
    unmet_requirement_is_refused_and_told_to_the_client,
);
