// The invitation page: creates the user's passkey through the enrollment
// API (docs/enrollment-api.md) and shows the outcome. The API checks the
// link; this script only maps its error codes (and the browser's
// DOMException names) to the words the page carries in data-e-* attributes.
// Without WebAuthn (or without script) the button stays hidden and the
// page's note says what is needed.
"use strict";
(function () {
  var root = document.getElementById("enroll");
  var button = document.getElementById("enroll-create");
  var status = document.getElementById("enroll-status");
  var PKC = window.PublicKeyCredential;
  if (!root || !button || !status || !PKC || !navigator.credentials ||
      typeof PKC.parseCreationOptionsFromJSON !== "function" ||
      typeof PKC.prototype.toJSON !== "function") {
    return;
  }
  var api = "/api/enroll/" + encodeURIComponent(root.dataset.token);
  document.getElementById("enroll-nojs").hidden = true;
  button.hidden = false;

  function words(code) {
    return root.getAttribute("data-e-" + code) || root.getAttribute("data-e-other");
  }

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  // The API's error code, or "other" when the body is not its JSON.
  async function code(res) {
    try {
      var body = await res.json();
      return typeof body.error === "string" ? body.error : "other";
    } catch (e) {
      return "other";
    }
  }

  function post(path, body) {
    return fetch(api + path, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  // One attempt; resolves to an error code, or null on success.
  async function enroll() {
    var started = await post("/options");
    if (!started.ok) return code(started);
    var options = await started.json();
    var credential;
    try {
      credential = await navigator.credentials.create({
        publicKey: PKC.parseCreationOptionsFromJSON(options.public_key.publicKey)
      });
    } catch (e) {
      return e && typeof e.name === "string" ? e.name : "other";
    }
    if (!credential) return "NotAllowedError";
    var finished = await post("/finish", {
      registration_id: options.registration_id, credential: credential.toJSON()
    });
    return finished.ok ? null : code(finished);
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    say(root.dataset.working);
    var failure;
    try {
      failure = await enroll();
    } catch (e) {
      failure = "other";
    }
    if (failure === null) {
      document.getElementById("enroll-start").hidden = true;
      document.getElementById("enroll-done").hidden = false;
      return;
    }
    say(words(failure));
    // A used or expired link stays that way: no point offering the button.
    button.disabled = false;
    button.hidden = failure === "invitation_invalid";
  });
})();
