//! Consent for clients registered with `require_consent`: asked once after
//! sign-in, again for new scopes and for `prompt=consent`, never for
//! `prompt=none` (`consent_required`), and a refusal reaches the client as
//! `access_denied`. Bad answers get an error page and change nothing.

use latchkey_core::UserId;
use latchkey_oidc::AuthMethod::PasskeySynced;
use latchkey_oidc::{ClientId, ConsentRepo as _, NewClient};

use crate::support::browser::{Browser, flow_id, location, query};
use crate::support::fixtures::{REDIRECT_URI, confidential};
use crate::support::{Stack, TestServer, rp};

macro_rules! server {
    ($stack:expr, $test:expr) => {
        match TestServer::start($stack, $test).await {
            Some(s) => s,
            None => return,
        }
    };
}

struct Partner {
    id: String,
    secret: String,
}

async fn partner(s: &TestServer) -> Partner {
    let (c, secret) = s
        .client_with(NewClient {
            name: "Partner App".into(),
            require_consent: true,
            ..confidential()
        })
        .await;
    Partner {
        id: c.id.0,
        secret: secret.unwrap(),
    }
}

/// Where the browser goes for an authorization request with `extra`, and
/// the PKCE verifier.
async fn hop(
    s: &TestServer,
    b: &mut Browser,
    client: &str,
    extra: &[(&str, &str)],
) -> (String, String) {
    let (verifier, challenge) = rp::pkce();
    let url = rp::authorize_url(s, client, &challenge, extra);
    (location(&b.get(s, &url).await), verifier)
}

/// Sign in on a fresh flow and return where resuming leads.
async fn sign_in_and_resume(s: &TestServer, b: &mut Browser, login: &str, user: &UserId) -> String {
    assert!(login.starts_with("/login?flow="), "{login}");
    let resume = b
        .sign_in(s, &flow_id(login), user, vec![PasskeySynced])
        .await;
    location(&b.get(s, &resume).await)
}

/// The consent page's HTML and its CSRF token.
async fn consent_page(s: &TestServer, b: &mut Browser, path: &str) -> (String, String) {
    assert!(path.starts_with("/consent?flow="), "{path}");
    let res = b.get(s, path).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let origin = reqwest::Url::parse(REDIRECT_URI).unwrap().origin();
    let origin = origin.ascii_serialization();
    assert!(
        csp.contains(&format!("form-action 'self' {origin}")),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a csrf field") + marker.len();
    let csrf = html[at..].split('"').next().unwrap().to_owned();
    (html, csrf)
}

async fn answer(
    s: &TestServer,
    b: &mut Browser,
    path: &str,
    csrf: &str,
    decision: &str,
) -> reqwest::Response {
    let flow = flow_id(path);
    b.post_form(
        s,
        "/consent",
        &[
            ("flow", &flow),
            ("csrf_token", csrf),
            ("decision", decision),
        ],
    )
    .await
}

async fn stored(s: &TestServer, user: &UserId, client: &str) -> Option<Vec<String>> {
    s.state
        .db
        .consent(user, &ClientId(client.into()))
        .await
        .unwrap()
        .map(|c| c.scopes)
}

async fn asked_once_then_remembered(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("cora").await;
    let p = partner(&s).await;
    let mut b = Browser::default();

    let (login, verifier) = hop(&s, &mut b, &p.id, &[("scope", "openid email")]).await;
    let to_consent = sign_in_and_resume(&s, &mut b, &login, &user.id).await;
    let (html, csrf) = consent_page(&s, &mut b, &to_consent).await;
    assert!(html.contains("Allow Partner App to sign you in?"), "{html}");
    assert!(html.contains("You are signed in as cora"));
    assert!(html.contains("Your email address"));
    assert!(
        !html.contains("Your name and username"),
        "only what was asked"
    );
    assert_eq!(
        stored(&s, &user.id, &p.id).await,
        None,
        "nothing before the answer"
    );

    let res = answer(&s, &mut b, &to_consent, &csrf, "allow").await;
    let resume = location(&res);
    assert!(resume.starts_with("/authorize/resume?flow="), "{resume}");
    let back = location(&b.get(&s, &resume).await);
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    let params = query(&back);
    assert_eq!(params["state"], "st-123");
    let t = rp::exchange(&s, &p.id, &p.secret, &params["code"], &verifier).await;
    assert_eq!(t.status(), 200, "the code works");
    let mut agreed = stored(&s, &user.id, &p.id).await.unwrap();
    agreed.sort();
    assert_eq!(agreed, ["email", "openid"]);

    // The session and the consent answer the next request silently.
    let (again, _) = hop(&s, &mut b, &p.id, &[("scope", "openid email")]).await;
    assert!(query(&again).contains_key("code"), "{again}");
    let (silent, _) = hop(
        &s,
        &mut b,
        &p.id,
        &[("scope", "openid"), ("prompt", "none")],
    )
    .await;
    assert!(query(&silent).contains_key("code"), "{silent}");

    // A scope not agreed to asks again, straight from the session.
    let (more, _) = hop(&s, &mut b, &p.id, &[("scope", "openid email profile")]).await;
    let (html, csrf) = consent_page(&s, &mut b, &more).await;
    assert!(html.contains("Your name and username"));
    let resume = location(&answer(&s, &mut b, &more, &csrf, "allow").await);
    assert!(query(&location(&b.get(&s, &resume).await)).contains_key("code"));
    assert_eq!(stored(&s, &user.id, &p.id).await.unwrap().len(), 3);

    // prompt=consent asks even so, once.
    let (asked, _) = hop(
        &s,
        &mut b,
        &p.id,
        &[("prompt", "consent"), ("scope", "openid")],
    )
    .await;
    let (_, csrf) = consent_page(&s, &mut b, &asked).await;
    let resume = location(&answer(&s, &mut b, &asked, &csrf, "allow").await);
    assert!(query(&location(&b.get(&s, &resume).await)).contains_key("code"));

    // Withdrawn consent asks again.
    s.state
        .db
        .revoke_consent(&user.id, &ClientId(p.id.clone()))
        .await
        .unwrap();
    let (after, _) = hop(&s, &mut b, &p.id, &[("scope", "openid")]).await;
    assert!(after.starts_with("/consent?flow="), "{after}");
}

async fn prompt_none_needs_consent_and_deny_is_access_denied(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("dana").await;
    let p = partner(&s).await;
    let (plain, _) = s.confidential_client().await;
    let mut b = Browser::default();

    // Signed in through a client that does not ask.
    let (login, _) = hop(&s, &mut b, &plain.id.0, &[]).await;
    let back = sign_in_and_resume(&s, &mut b, &login, &user.id).await;
    assert!(query(&back).contains_key("code"), "no consent page: {back}");

    let (silent, _) = hop(&s, &mut b, &p.id, &[("prompt", "none")]).await;
    let q = query(&silent);
    assert_eq!(q["error"], "consent_required", "{q:?}");
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["iss"], s.base);

    let (asked, _) = hop(&s, &mut b, &p.id, &[]).await;
    let (_, csrf) = consent_page(&s, &mut b, &asked).await;
    let resume = location(&answer(&s, &mut b, &asked, &csrf, "deny").await);
    let q = query(&location(&b.get(&s, &resume).await));
    assert_eq!(q["error"], "access_denied", "{q:?}");
    assert_eq!(q["state"], "st-123");
    assert!(!q.contains_key("code"));
    assert_eq!(stored(&s, &user.id, &p.id).await, None);
    // Still signed in to Latchkey: the other client answers silently.
    let (other, _) = hop(&s, &mut b, &plain.id.0, &[("prompt", "none")]).await;
    assert!(query(&other).contains_key("code"), "{other}");
}

async fn bad_answers_change_nothing(stack: Stack, test: &str) {
    let s = server!(stack, test);
    let user = s.user("eli").await;
    let p = partner(&s).await;
    let mut b = Browser::default();
    let (login, _) = hop(&s, &mut b, &p.id, &[]).await;
    let to_consent = sign_in_and_resume(&s, &mut b, &login, &user.id).await;
    let (_, csrf) = consent_page(&s, &mut b, &to_consent).await;

    let zeros = "0".repeat(32);
    let bad = [
        (csrf.as_str(), "maybe"),
        (zeros.as_str(), "allow"),
        ("", "allow"),
    ];
    for (token, decision) in bad {
        let res = answer(&s, &mut b, &to_consent, token, decision).await;
        assert_eq!(res.status(), 400, "{token:?} {decision:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains("<html"), "an error page, not JSON");
        assert!(!html.contains("panicked"));
    }
    // Another browser (no cookies) cannot see or answer the page.
    let mut stranger = Browser::default();
    assert_eq!(stranger.get(&s, &to_consent).await.status(), 400);
    let res = answer(&s, &mut stranger, &to_consent, &csrf, "allow").await;
    assert_eq!(res.status(), 400);
    // Nor can this browser once its session is gone (signed out elsewhere).
    let mut lost = b.clone();
    lost.cookies.remove("__Host-latchkey-session");
    assert_eq!(
        answer(&s, &mut lost, &to_consent, &csrf, "allow")
            .await
            .status(),
        400
    );
    for junk in ["/consent?flow=nope", "/consent?flow=", "/consent"] {
        let res = b.get(&s, junk).await;
        assert_eq!(res.status(), 400, "{junk}");
    }
    let res = b.post_form(&s, "/consent", &[("flow", "x")]).await;
    assert_eq!(res.status(), 400, "missing fields");
    assert_eq!(stored(&s, &user.id, &p.id).await, None, "nothing stored");

    // The real answer still works afterwards.
    let resume = location(&answer(&s, &mut b, &to_consent, &csrf, "allow").await);
    assert!(query(&location(&b.get(&s, &resume).await)).contains_key("code"));
    // And a replayed answer finds nothing to answer.
    let res = answer(&s, &mut b, &to_consent, &csrf, "deny").await;
    assert_eq!(res.status(), 400);
    assert!(
        stored(&s, &user.id, &p.id).await.is_some(),
        "deny did not undo"
    );
}

crate::stack_tests!(
    asked_once_then_remembered,
    prompt_none_needs_consent_and_deny_is_access_denied,
    bad_answers_change_nothing,
);
