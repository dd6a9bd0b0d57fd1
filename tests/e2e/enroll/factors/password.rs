//! Passwords: refused unless the policy enables them (on a second node
//! with that policy), strength checks, removal as the last way in.

use latchkey_fallback::repo::{EventKind, FactorRepo as _};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{events, factors, signed_in};
use crate::enroll::Page;
use crate::stack_tests;
use crate::support::{Stack, TestServer};

async fn passwords_are_off_unless_the_policy_enables_them(stack: Stack, test: &str) {
    let Some(server) = TestServer::start(stack, test).await else {
        return;
    };
    let (mut alice, user) = signed_in(&server, "alice").await;
    let (_, overview) = factors(&mut alice).await;
    assert_eq!(
        overview["password"],
        json!({"set": false, "allowed": false})
    );
    let (status, body) = alice
        .call(
            Method::PUT,
            "/api/account/password",
            Some(json!({"password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "password_disabled");
    assert!(server.state.db.password(&user.id).await.unwrap().is_none());
    let (status, body) = alice
        .call(Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("password_not_found"))
    );

    // A node whose operator enabled passwords, on the same stores (the
    // environment cannot carry a list, so the policy is set in-process).
    let node = PasswordNode::start(&server);
    let (mut bob, user) = signed_in(&server, "bob").await;
    let (status, overview) = node
        .call(&mut bob, Method::GET, "/api/account/factors", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(overview["password"], json!({"set": false, "allowed": true}));
    let too_long = "x".repeat(257);
    for bad in ["short", "        ", too_long.as_str()] {
        let body = json!({"password": bad});
        let (status, res) = node
            .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{res}");
        assert_eq!(res["error"], "weak_password");
    }
    let body = json!({"password": "correct horse battery"});
    let (status, res) = node
        .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res, json!({"password": {"set": true, "allowed": true}}));
    let stored = server.state.db.password(&user.id).await.unwrap().unwrap();
    assert!(latchkey_fallback::factors::verify_password(
        "correct horse battery",
        &stored.hash
    ));
    // The only way in: kept until there is another.
    let (status, res) = node
        .call(&mut bob, Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(
        (status, &res["error"]),
        (StatusCode::CONFLICT, &json!("last_sign_in_method"))
    );
    let (status, _) = node
        .call(&mut bob, Method::POST, "/api/account/recovery-codes", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, res) = node
        .call(&mut bob, Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["password"], json!({"set": false, "allowed": true}));
    assert_eq!(
        events(&server, &user.id, EventKind::FactorRemoved).await,
        ["password"]
    );
    // Where passwords are off, a stored one still shows, and can go.
    let body = json!({"password": "another good one"});
    let (status, _) = node
        .call(&mut bob, Method::PUT, "/api/account/password", Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, overview) = factors(&mut bob).await;
    assert_eq!(overview["password"], json!({"set": true, "allowed": false}));
    let (status, res) = bob
        .call(Method::DELETE, "/api/account/password", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
}

/// A second node on a test server's stores whose policy enables passwords.
struct PasswordNode {
    base: String,
    handle: actix_web::dev::ServerHandle,
}

impl PasswordNode {
    fn start(server: &TestServer) -> Self {
        use latchkey_fallback::policy::{Policy, PolicyConfig};
        let mut config = PolicyConfig::default();
        config.methods.push("password".to_owned());
        let mut state = server.state.clone();
        state.policy = std::sync::Arc::new(Policy::from_config(&config).unwrap());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let bound = latchkey_server::serve::bind(state, listener).unwrap();
        let handle = bound.handle.clone();
        actix_web::rt::spawn(bound.server);
        Self { base, handle }
    }

    /// `page`'s request, sent to this node.
    async fn call(
        &self,
        page: &mut Page<'_>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = page
            .server
            .http
            .request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        page.send(req).await
    }
}

impl Drop for PasswordNode {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

stack_tests!(passwords_are_off_unless_the_policy_enables_them,);
