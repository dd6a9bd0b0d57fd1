//! The page's WebAuthn side: Chromium's virtual authenticators
//! (`WebAuthn.*`), and what the pages may see of the browser's passkey
//! support.

use serde_json::{Value, json};

use super::Browser;

/// Options of `WebAuthn.addVirtualAuthenticator`: a platform authenticator
/// with discoverable credentials and user verification, which touches
/// itself.
pub fn platform_authenticator() -> Value {
    json!({
        "protocol": "ctap2",
        "ctap2Version": "ctap2_1",
        "transport": "internal",
        "hasResidentKey": true,
        "hasUserVerification": true,
        "isUserVerified": true,
        "automaticPresenceSimulation": true,
    })
}

/// A virtual authenticator in the browser's page.
#[derive(Debug, Clone)]
pub struct Authenticator {
    pub id: String,
}

impl Browser {
    /// Add a virtual authenticator with `options` (see
    /// [`platform_authenticator`]).
    pub async fn add_authenticator(&self, options: Value) -> Authenticator {
        let r = self
            .call(
                "WebAuthn.addVirtualAuthenticator",
                json!({ "options": options }),
            )
            .await;
        Authenticator {
            id: r["authenticatorId"].as_str().unwrap().to_owned(),
        }
    }

    /// The credentials `a` holds (`WebAuthn.getCredentials`).
    pub async fn credentials(&self, a: &Authenticator) -> Vec<Value> {
        let r = self
            .call(
                "WebAuthn.getCredentials",
                json!({ "authenticatorId": a.id }),
            )
            .await;
        r["credentials"].as_array().cloned().unwrap_or_default()
    }

    /// Make `a` verify (or fail to verify) the user from now on.
    pub async fn set_user_verified(&self, a: &Authenticator, verified: bool) {
        self.call(
            "WebAuthn.setUserVerified",
            json!({ "authenticatorId": a.id, "isUserVerified": verified }),
        )
        .await;
    }

    /// Make `a` simulate the user's touch (or not: requests then wait for
    /// a touch that never comes).
    pub async fn set_presence(&self, a: &Authenticator, touched: bool) {
        self.call(
            "WebAuthn.setAutomaticPresenceSimulation",
            json!({ "authenticatorId": a.id, "enabled": touched }),
        )
        .await;
    }

    /// Record every `navigator.credentials.get()`/`create()` the pages
    /// make, in `window.__latchkeyWebAuthn` (`"get:conditional"`,
    /// `"get:optional"`, `"create"`), passing each call through unchanged.
    /// Applies to documents loaded from now on.
    pub async fn observe_webauthn(&self) {
        self.on_new_document(
            "(() => { const c = navigator.credentials; if (!c) return; \
             const get = c.get.bind(c), create = c.create.bind(c); \
             window.__latchkeyWebAuthn = []; \
             c.get = (o) => { window.__latchkeyWebAuthn.push('get:' + ((o && o.mediation) || 'optional')); return get(o); }; \
             c.create = (o) => { window.__latchkeyWebAuthn.push('create'); return create(o); }; })();",
        )
        .await;
    }

    /// Record every `PublicKeyCredential.signalCurrentUserDetails()` the
    /// pages make, as its JSON argument, in `sessionStorage` (so the record
    /// survives the reload that follows a change). Where the browser has no
    /// such function, a recording stand-in that resolves is installed: the
    /// journey proves what the page asks for, not what Chromium does with it.
    /// Applies to documents loaded from now on.
    pub async fn observe_signals(&self) {
        self.on_new_document(
            "(() => { const P = window.PublicKeyCredential; if (!P) return;              const real = typeof P.signalCurrentUserDetails === 'function'                ? P.signalCurrentUserDetails.bind(P) : () => Promise.resolve();              P.signalCurrentUserDetails = (o) => {                const all = JSON.parse(sessionStorage.getItem('__latchkeySignals') || '[]');                all.push(o); sessionStorage.setItem('__latchkeySignals', JSON.stringify(all));                return real(o); }; })();",
        )
        .await;
    }

    /// The `signalCurrentUserDetails` arguments [`Browser::observe_signals`]
    /// recorded in this tab, oldest first.
    pub async fn signal_calls(&self) -> Vec<Value> {
        let v = self
            .eval("JSON.parse(sessionStorage.getItem('__latchkeySignals') || '[]')")
            .await;
        serde_json::from_value(v).unwrap_or_default()
    }

    /// Make pages see a browser without passkey autofill
    /// (`isConditionalMediationAvailable()` resolves `false`), for documents
    /// loaded from now on.
    ///
    /// Chromium's virtual environment answers a conditional request at once
    /// (with the first discoverable credential, or `NotAllowedError` when
    /// there is none) instead of waiting for the user to pick from the
    /// field's autofill list; journeys about the other ways in turn
    /// autofill off so it cannot sign in (or fail) before the user acts.
    pub async fn without_passkey_autofill(&self) {
        self.on_new_document(
            "if (window.PublicKeyCredential) { \
             PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false); }",
        )
        .await;
    }

    async fn on_new_document(&self, source: &str) {
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
    }

    /// The WebAuthn calls [`Browser::observe_webauthn`] recorded on the
    /// current document.
    pub async fn webauthn_calls(&self) -> Vec<String> {
        let v = self.eval("window.__latchkeyWebAuthn || []").await;
        serde_json::from_value(v).unwrap_or_default()
    }
}
