//! The world of a scenario (a cluster, a client and an enrolled user) and
//! the steps of a passkey sign-in, each sent to the node the test names.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::passkey::Passkey;
use crate::web::{Browser, Res, http, query, send};

/// The redirect URI of the test client (nothing needs to listen there:
/// the browser stops at the redirect).
pub const REDIRECT_URI: &str = "https://rp.example.com/callback";

/// A cluster with a confidential client and alice, who has one passkey.
pub struct World {
    pub c: Cluster,
    pub client_id: String,
    pub secret: String,
    pub user_id: String,
    pub device: Passkey,
}

/// Start a cluster and set the world up through the operator CLI and the
/// invitation API, or `None` when skipped (see [`Cluster::start`]).
pub async fn world(test: &str) -> Option<World> {
    let c = Cluster::start(test).await?;
    let client = c.cli(&[
        "client",
        "create",
        "--name",
        "Multinode RP",
        "--redirect-uri",
        REDIRECT_URI,
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid profile email offline_access",
    ]);
    let client_id = client["client_id"].as_str().expect("client_id").to_owned();
    let secret = client["client_secret"]
        .as_str()
        .expect("client secret")
        .to_owned();
    let user = c.cli(&[
        "user",
        "create",
        "--username",
        "alice",
        "--email",
        "alice@example.com",
    ]);
    let user_id = user["id"].as_str().expect("user id").to_owned();
    let mut device = Passkey::new(&c.issuer);
    let token = invite(&c, "alice");
    // The invitation's options on one node, its finish on another.
    let started = enroll_options(&c, 0, &token).await.ok_json();
    let credential = device.create(&started["public_key"]);
    let done = enroll_finish(&c, 1, &token, &started, &credential).await;
    assert_eq!(done.status, 201, "enrollment finish: {}", done.text);
    assert_eq!(done.json()["user_id"], user_id.as_str());
    Some(World {
        c,
        client_id,
        secret,
        user_id,
        device,
    })
}

/// `latchkey user invite USER`: the token of the printed link.
pub fn invite(c: &Cluster, user: &str) -> String {
    let invited = c.cli(&["user", "invite", user]);
    let url = invited["url"].as_str().expect("invitation url");
    assert!(
        url.starts_with(&format!("{}/enroll?token=", c.issuer)),
        "{url}"
    );
    query(url)["token"].clone()
}

/// `POST /api/enroll/{token}/options` on node `n`.
pub async fn enroll_options(c: &Cluster, n: usize, token: &str) -> Res {
    let url = format!("{}/api/enroll/{token}/options", c.node(n));
    send(http().post(url)).await
}

/// `POST /api/enroll/{token}/finish` on node `n`.
pub async fn enroll_finish(
    c: &Cluster,
    n: usize,
    token: &str,
    started: &Value,
    credential: &Value,
) -> Res {
    let url = format!("{}/api/enroll/{token}/finish", c.node(n));
    let body = json!({
        "registration_id": started["registration_id"],
        "credential": credential,
    });
    send(http().post(url).json(&body)).await
}

/// One sign-in in one browser.
#[derive(Debug, Default)]
pub struct SignIn {
    pub browser: Browser,
    pub flow: String,
    pub csrf: String,
    pub verifier: String,
}

/// A PKCE verifier and its S256 challenge (RFC 7636 §4.2).
pub fn pkce() -> (String, String) {
    let verifier = latchkey_core::id::random_hex(32);
    let challenge = latchkey_oidc::pkce::s256_challenge(&verifier);
    (verifier, challenge)
}

impl World {
    /// The authorization URL on node `n` (state `st`, nonce `n-1`).
    pub fn authorize_url(&self, n: usize, challenge: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", REDIRECT_URI)
            .append_pair("scope", "openid profile email offline_access")
            .append_pair("state", "st")
            .append_pair("nonce", "n-1")
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        format!("{}/authorize?{}", self.c.node(n), q.finish())
    }

    /// `/authorize` on node `n` in a fresh browser: the login flow it
    /// starts (its CSRF token is read by [`SignIn::read`]).
    pub async fn authorize(&self, n: usize) -> SignIn {
        let (verifier, challenge) = pkce();
        let mut s = SignIn {
            verifier,
            ..SignIn::default()
        };
        let to = s
            .browser
            .get(self.c.node(n), &self.authorize_url(n, &challenge))
            .await
            .location();
        let id = to
            .strip_prefix("/login?flow=")
            .unwrap_or_else(|| panic!("authorize led to {to}"));
        s.flow = id.to_owned();
        s
    }

    /// A sign-in up to the passkey options: authorize on `a`, read the
    /// flow and start the ceremony on `b`. Returns `(ceremony_id, public_key)`.
    pub async fn start(&self, a: usize, b: usize) -> (SignIn, String, Value) {
        let mut s = self.authorize(a).await;
        s.read(&self.c, b).await;
        let (ceremony, public_key) = s.options(&self.c, b).await;
        (s, ceremony, public_key)
    }

    /// A whole passkey sign-in spread over the nodes `order` names
    /// (authorize, options, verify, resume); the authorization code.
    pub async fn code(&mut self, order: [usize; 4]) -> (SignIn, String) {
        let (mut s, ceremony, public_key) = self.start(order[0], order[1]).await;
        let assertion = self.device.get(&public_key);
        let done = s
            .verify(&self.c, order[2], &ceremony, &assertion)
            .await
            .ok_json();
        let redirect_to = done["redirect_to"]
            .as_str()
            .expect("redirect_to")
            .to_owned();
        let params = s.resume(&self.c, order[3], &redirect_to).await;
        (s, params["code"].clone())
    }

    /// `POST /token` on node `n` with client_secret_basic.
    pub async fn token(&self, n: usize, form: &[(&str, &str)]) -> Res {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.client_id, self.secret));
        let req = http()
            .post(format!("{}/token", self.c.node(n)))
            .header("authorization", format!("Basic {basic}"))
            .form(form);
        send(req).await
    }

    /// Redeem `code` on node `n`.
    pub async fn redeem(&self, n: usize, code: &str, verifier: &str) -> Res {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ];
        self.token(n, &form).await
    }

    /// Rotate `refresh` on node `n`.
    pub async fn refresh(&self, n: usize, refresh: &str) -> Res {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
        self.token(n, &form).await
    }

    /// `POST /introspect` on node `n`: whether `token` is active.
    pub async fn active(&self, n: usize, token: &str) -> bool {
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.client_id, self.secret));
        let req = http()
            .post(format!("{}/introspect", self.c.node(n)))
            .header("authorization", format!("Basic {basic}"))
            .form(&[("token", token)]);
        let body = send(req).await.ok_json();
        body["active"].as_bool().expect("active is a boolean")
    }

    /// `GET /userinfo` on node `n`.
    pub async fn userinfo(&self, n: usize, access_token: &str) -> Res {
        let req = http()
            .get(format!("{}/userinfo", self.c.node(n)))
            .bearer_auth(access_token);
        send(req).await
    }
}

impl SignIn {
    /// `GET /api/login/flows/{id}` on node `n`: remember the CSRF token;
    /// the flow view.
    pub async fn read(&mut self, c: &Cluster, n: usize) -> Value {
        let path = format!("/api/login/flows/{}", self.flow);
        let view = self.browser.get(c.node(n), &path).await.ok_json();
        self.csrf = view["csrf_token"].as_str().expect("csrf_token").to_owned();
        view
    }

    /// `POST …/{route}` of this flow on node `n`.
    pub async fn post(&mut self, c: &Cluster, n: usize, route: &str, body: &Value) -> Res {
        let path = format!("/api/login/flows/{}/{route}", self.flow);
        let csrf = self.csrf.clone();
        self.browser
            .post_json(c.node(n), &path, Some(&csrf), body)
            .await
    }

    /// Usernameless passkey options on node `n`: `(ceremony_id, public_key)`.
    pub async fn options(&mut self, c: &Cluster, n: usize) -> (String, Value) {
        let body = self
            .post(c, n, "passkey/options", &json!({"mediation": "modal"}))
            .await
            .ok_json();
        let ceremony = body["ceremony_id"]
            .as_str()
            .expect("ceremony_id")
            .to_owned();
        (ceremony, body["public_key"].clone())
    }

    /// Send the assertion to verify on node `n`.
    pub async fn verify(
        &mut self,
        c: &Cluster,
        n: usize,
        ceremony: &str,
        assertion: &Value,
    ) -> Res {
        let body = json!({"ceremony_id": ceremony, "credential": assertion});
        self.post(c, n, "passkey/verify", &body).await
    }

    /// Follow `redirect_to` on node `n` back to the client; the parameters
    /// it receives (checked: `state`, RFC 9207 `iss`).
    pub async fn resume(
        &mut self,
        c: &Cluster,
        n: usize,
        redirect_to: &str,
    ) -> BTreeMap<String, String> {
        let back = self.browser.get(c.node(n), redirect_to).await.location();
        assert!(back.starts_with(REDIRECT_URI), "{back}");
        let params = query(&back);
        assert_eq!(params["state"], "st");
        assert_eq!(params["iss"], c.issuer, "RFC 9207 iss");
        assert!(params.contains_key("code"), "{back}");
        params
    }
}

/// The payload of a JWT (signatures are checked by the RP in `happy.rs`).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The claims every passkey sign-in of alice's soft (device-bound,
/// user-verifying) passkey carries: `amr` `pop hwk user mfa`, `acr` `phr`
/// (docs/oidc.md).
pub fn assert_passkey_claims(w: &World, id_token: &Value) {
    assert_eq!(id_token["sub"], w.user_id.as_str(), "{id_token}");
    assert_eq!(id_token["iss"], w.c.issuer.as_str(), "{id_token}");
    assert_eq!(
        id_token["amr"],
        json!(["pop", "hwk", "user", "mfa"]),
        "{id_token}"
    );
    assert_eq!(id_token["acr"], "phr", "{id_token}");
    assert!(id_token["auth_time"].is_i64(), "{id_token}");
}
