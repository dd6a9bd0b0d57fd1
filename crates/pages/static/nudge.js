// The passkey invitation: creates a passkey through the account API and
// then continues to the application with the form's "created" action. Only
// an enhancement: without WebAuthn (or without script) the create button
// stays hidden and the other buttons work as plain form posts.
"use strict";
(function () {
  var button = document.getElementById("nudge-create");
  var form = document.getElementById("nudge-form");
  var status = document.getElementById("nudge-status");
  var PKC = window.PublicKeyCredential;
  if (!button || !form || !PKC || typeof PKC.parseCreationOptionsFromJSON !== "function") {
    return;
  }
  button.hidden = false;

  function say(text) {
    status.textContent = text;
    status.hidden = false;
  }

  function submit(action) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "action";
    input.value = action;
    form.appendChild(input);
    form.submit();
  }

  async function create() {
    button.disabled = true;
    say(status.dataset.working);
    try {
      var list = await fetch("/api/account/passkeys", { credentials: "same-origin" });
      if (!list.ok) throw new Error("session");
      var csrf = (await list.json()).csrf_token;
      var headers = { "Content-Type": "application/json", "X-Latchkey-CSRF": csrf };
      var started = await fetch("/api/account/passkeys/options", {
        method: "POST", credentials: "same-origin", headers: headers, body: "{}"
      });
      if (!started.ok) throw new Error("options");
      var options = await started.json();
      var publicKey = PKC.parseCreationOptionsFromJSON(options.public_key.publicKey);
      var credential = await navigator.credentials.create({ publicKey: publicKey });
      var finished = await fetch("/api/account/passkeys/finish", {
        method: "POST", credentials: "same-origin", headers: headers,
        body: JSON.stringify({ registration_id: options.registration_id, credential: credential.toJSON() })
      });
      if (!finished.ok) throw new Error("finish");
      submit("created");
    } catch (e) {
      say(status.dataset.failed);
      button.disabled = false;
    }
  }

  button.addEventListener("click", create);
})();
