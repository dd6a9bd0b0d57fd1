// The sign-in page's passkeys: the "Sign in with a passkey" button, passkeys
// offered in the username field's autofill (conditional mediation), and the
// passkey options of the fallback engine. Only an enhancement: every other
// way in is a plain form, and without WebAuthn (or without script) the
// passkey buttons stay hidden and the page says what they need. It talks to
// the login-flow API (docs/login-flow-api.md) and leaves the wording to the
// server: after a failure it reloads the page, which shows why and what
// else there is.
"use strict";
(function () {
  var root = document.getElementById("login");
  var PKC = window.PublicKeyCredential;
  if (!root || !PKC || !navigator.credentials ||
      typeof PKC.parseRequestOptionsFromJSON !== "function" ||
      typeof PKC.prototype.toJSON !== "function") {
    return;
  }
  var flowId = root.dataset.flow;
  var api = "/api/login/flows/" + encodeURIComponent(flowId);
  var status = document.getElementById("passkey-status");
  var buttons = document.querySelectorAll("button[data-passkey]");
  var csrf = null;
  var identified = false;
  var autofill = null; // the AbortController of the pending autofill request
  var busy = false;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  each(document.querySelectorAll("[data-js]"), function (el) { el.hidden = false; });
  each(document.querySelectorAll("[data-nojs]"), function (el) { el.hidden = true; });

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  // The server renders the flow as it now stands (options after a failure,
  // the application after a sign-in, the expired page for a dead flow).
  function reload() {
    location.assign("/login?flow=" + encodeURIComponent(flowId));
  }

  async function quietly(fn) {
    try { return await fn(); } catch (e) { return undefined; }
  }

  async function token() {
    if (csrf) return csrf;
    var res = await fetch(api, { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) { reload(); throw new Error("flow"); }
    var flow = await res.json();
    if (flow.state !== "pending") { location.assign(flow.redirect_to); throw new Error("done"); }
    csrf = flow.csrf_token;
    identified = flow.identifier !== null && flow.identifier !== undefined;
    return csrf;
  }

  async function post(path, body) {
    var headers = { "Content-Type": "application/json", "X-Latchkey-CSRF": await token() };
    return fetch(api + path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: headers, body: JSON.stringify(body)
    });
  }

  // What the browser can do: the fallback engine offers what fits it.
  async function abilities() {
    var report = {};
    var conditional = await quietly(function () { return PKC.isConditionalMediationAvailable(); });
    if (typeof conditional === "boolean") report.conditional_mediation_available = conditional;
    var platform = await quietly(function () { return PKC.isUserVerifyingPlatformAuthenticatorAvailable(); });
    if (typeof platform === "boolean") report.platform_authenticator_available = platform;
    var caps = await quietly(function () { return PKC.getClientCapabilities(); });
    if (caps && typeof caps.hybridTransport === "boolean") report.hybrid_available = caps.hybridTransport;
    return report;
  }

  async function failed(error, started) {
    var report = await abilities();
    if (error && /^[A-Za-z0-9]{1,64}$/.test(error.name || "")) report.dom_exception = error.name;
    report.elapsed_ms = Date.now() - started;
    await post("/passkey/failure", report);
    reload();
  }

  // One ceremony: options, the browser's prompt, verify.
  async function signIn(mediation, hint, signal) {
    var res = await post("/passkey/options", { mediation: mediation });
    if (!res.ok) { reload(); return; }
    var options = await res.json();
    // Identified flows get modal options only: never pop a prompt on load.
    if (mediation === "conditional" && options.public_key.mediation !== "conditional") return;
    var publicKey = options.public_key.publicKey;
    if (hint) publicKey.hints = [hint];
    var started = Date.now();
    var credential;
    try {
      credential = await navigator.credentials.get({
        publicKey: PKC.parseRequestOptionsFromJSON(publicKey),
        mediation: options.public_key.mediation,
        signal: signal
      });
    } catch (e) {
      // An autofill request the user never saw ends quietly: only a prompt
      // they were shown is a failure worth reporting.
      if (mediation === "conditional") return;
      return failed(e, started);
    }
    if (!credential) return failed(null, started);
    var verified = await post("/passkey/verify", {
      ceremony_id: options.ceremony_id, credential: credential.toJSON()
    });
    var body = await quietly(function () { return verified.json(); }) || {};
    if (verified.ok && body.redirect_to) { location.assign(body.redirect_to); return; }
    // The passkey is gone from the account: let the device forget it too.
    if (body.reason === "unknown_credential" && typeof PKC.signalUnknownCredential === "function") {
      await quietly(function () {
        return PKC.signalUnknownCredential({ rpId: publicKey.rpId, credentialId: credential.id });
      });
    }
    reload();
  }

  async function modal(button) {
    if (busy) return;
    busy = true;
    if (autofill) { autofill.abort(); autofill = null; }
    each(buttons, function (b) { b.disabled = true; });
    say(root.dataset.working);
    try {
      await signIn("modal", button.dataset.passkey || null);
    } catch (e) {
      say(root.dataset.trouble);
    } finally {
      busy = false;
      each(buttons, function (b) { b.disabled = false; });
    }
  }

  async function startAutofill() {
    if (!document.querySelector("input[autocomplete~='webauthn']")) return;
    var available = await quietly(function () { return PKC.isConditionalMediationAvailable(); });
    if (available !== true) return;
    // An identified flow's options are modal only (allowCredentials).
    if (!(await quietly(token)) || identified) return;
    autofill = new AbortController();
    await quietly(function () { return signIn("conditional", null, autofill.signal); });
  }

  // Every form tells the server what this browser can do, so the options
  // fit it and a passkey can be offered here after a fallback sign-in.
  async function describeDevice() {
    var report = await abilities();
    var fields = {
      platform: report.platform_authenticator_available,
      conditional: report.conditional_mediation_available,
      hybrid: report.hybrid_available
    };
    each(document.querySelectorAll("form[method='post']"), function (form) {
      Object.keys(fields).forEach(function (name) {
        if (typeof fields[name] !== "boolean") return;
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = String(fields[name]);
        form.appendChild(input);
      });
    });
  }

  each(buttons, function (b) {
    b.addEventListener("click", function () { modal(b); });
  });
  describeDevice();
  startAutofill();
})();
