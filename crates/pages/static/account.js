// The account page: every control calls the account JSON API
// (docs/enrollment-api.md) with the session's CSRF token and, once a change
// is made, reloads the page, which the server renders from the new state.
// Withdrawing an application's permission instead takes it off the list in
// place and says so (a reload would drop the message).
// The API holds the rules; this script only maps its error codes (and the
// browser's DOMException names) to the words the page carries in data-e-*
// attributes. Without script the page shows the account and says changes
// need JavaScript.
"use strict";
(function () {
  var root = document.getElementById("account");
  if (!root || !window.fetch) return;
  var PKC = window.PublicKeyCredential;
  var webauthn = !!(PKC && navigator.credentials &&
    typeof PKC.parseCreationOptionsFromJSON === "function" &&
    typeof PKC.prototype.toJSON === "function");
  var csrf = null;
  var busy = false;

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  each(root.querySelectorAll("[data-js]"), function (el) {
    el.hidden = el.hasAttribute("data-needs-webauthn") && !webauthn;
  });
  each(root.querySelectorAll("[data-nojs]"), function (el) { el.hidden = true; });

  function words(code) {
    return root.getAttribute("data-e-" + code) || root.getAttribute("data-e-other");
  }

  // An error from the API (or the browser), with its code.
  function Failure(code) { this.code = code; }

  async function token() {
    if (csrf) return csrf;
    var res = await fetch("/api/account/passkeys", { credentials: "same-origin", cache: "no-store" });
    if (!res.ok) throw new Failure("login_required");
    csrf = (await res.json()).csrf_token;
    return csrf;
  }

  // `method path` with an optional JSON body; the answer's JSON, or a
  // Failure with the API's error code.
  async function call(method, path, body) {
    var headers = { "X-Latchkey-CSRF": await token() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var res = await fetch(path, {
      method: method, credentials: "same-origin", cache: "no-store", headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    var json = null;
    try { json = await res.json(); } catch (e) { json = null; }
    if (!res.ok) throw new Failure(json && typeof json.error === "string" ? json.error : "other");
    return json || {};
  }

  function section(el) { return el.closest("section"); }

  function sectionSay(el, selector, text) {
    var target = section(el).querySelector(selector);
    if (!target) return;
    target.textContent = text || "";
    target.hidden = !text;
  }

  // Show `code`'s words at the form's field (tied by aria-describedby) or,
  // for a button, in its section's alert.
  function showError(el, code) {
    sectionSay(el, "[data-section-status]", "");
    var input = el.tagName === "FORM" ? el.querySelector("input:not([type=hidden])") : null;
    var box = input ? document.getElementById(input.id + "-error") : null;
    if (box) {
      box.textContent = words(code);
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.closest(".field").classList.add("field-invalid");
      input.focus();
    } else {
      sectionSay(el, "[data-section-error]", words(code));
    }
  }

  function clearErrors(el) {
    sectionSay(el, "[data-section-error]", "");
    each(section(el).querySelectorAll(".field-error[id]"), function (box) {
      box.textContent = "";
      box.hidden = true;
    });
    each(section(el).querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
      input.closest(".field").classList.remove("field-invalid");
    });
  }

  function reload() { location.reload(); }

  function base64url(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The WebAuthn user handle registrations use: the 16 bytes of the user's
  // UUID (crates/passkey: user_handle), base64url.
  function userHandle(uuid) {
    var hex = String(uuid).replace(/-/g, "");
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
    var bytes = new Uint8Array(16);
    for (var i = 0; i < 16; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return base64url(bytes);
  }

  async function addPasskey(el) {
    sectionSay(el, "[data-section-status]", root.dataset.working);
    var options = await call("POST", "/api/account/passkeys/options");
    var credential;
    try {
      credential = await navigator.credentials.create({
        publicKey: PKC.parseCreationOptionsFromJSON(options.public_key.publicKey)
      });
    } catch (e) {
      throw new Failure(e && typeof e.name === "string" ? e.name : "other");
    }
    if (!credential) throw new Failure("NotAllowedError");
    await call("POST", "/api/account/passkeys/finish", {
      registration_id: options.registration_id, credential: credential.toJSON()
    });
    reload();
  }

  async function deletePasskey(el) {
    var id = el.closest("[data-passkey]").getAttribute("data-passkey");
    var done = await call("DELETE", "/api/account/passkeys/" + encodeURIComponent(id));
    // Let the device's passkey manager drop the deleted passkey too.
    var handle = userHandle(done.user_id);
    if (PKC && typeof PKC.signalAllAcceptedCredentials === "function" && handle &&
        Array.isArray(done.accepted_credential_ids)) {
      try {
        await PKC.signalAllAcceptedCredentials({
          rpId: root.dataset.rpId, userId: handle,
          allAcceptedCredentialIds: done.accepted_credential_ids
        });
      } catch (e) { /* a hint to the device only; the passkey is gone here */ }
    }
    reload();
  }

  function showForm(el, selector, show) {
    var form = section(el).querySelector(selector);
    if (!form) return;
    form.hidden = !show;
    var input = form.querySelector("input");
    if (show && input) input.focus();
  }

  function renameOpen(el) {
    var item = el.closest("[data-passkey]");
    item.querySelector("form[data-action=passkey-rename]").hidden = false;
    item.querySelector(".item-actions").hidden = true;
    item.querySelector("input").focus();
  }

  function renameCancel(el) {
    var item = el.closest("[data-passkey]");
    item.querySelector("form[data-action=passkey-rename]").hidden = true;
    item.querySelector(".item-actions").hidden = false;
    item.querySelector("[data-action=rename-open]").focus();
  }

  async function startTotp(el) {
    var started = await call("POST", "/api/account/totp");
    var setup = section(el).querySelector("[data-totp-setup]");
    var qr = setup.querySelector("[data-totp-qr]");
    // SVG markup from our own API (no script, no style attribute), parsed
    // as SVG and inserted as nodes: never through innerHTML.
    var svg = new DOMParser().parseFromString(started.qr_svg, "image/svg+xml").documentElement;
    qr.textContent = "";
    if (svg && svg.localName === "svg") {
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      qr.appendChild(document.importNode(svg, true));
    }
    setup.querySelector("[data-totp-secret]").textContent = started.secret_base32;
    setup.hidden = false;
    el.closest(".actions").hidden = true;
    setup.querySelector("input").focus();
  }

  async function generateCodes(el) {
    var generated = await call("POST", "/api/account/recovery-codes");
    var box = section(el).querySelector("[data-recovery-codes]");
    var list = box.querySelector("[data-recovery-list]");
    list.textContent = "";
    (generated.codes || []).forEach(function (code) {
      var li = document.createElement("li");
      var c = document.createElement("code");
      c.textContent = code;
      li.appendChild(c);
      list.appendChild(li);
    });
    box.hidden = false;
    el.closest(".actions").hidden = true;
    box.querySelector("button").focus();
  }

  async function sendEmailCode(el) {
    await call("POST", "/api/account/email/verify/send");
    sectionSay(el, "[data-section-status]", root.dataset.codeSent);
    showForm(el, "form[data-action=email-verify]", true);
  }

  // Withdraw the consent; the application asks again at its next sign-in.
  async function revokeApp(el) {
    var item = el.closest("[data-app]");
    var sec = section(el);
    sectionSay(el, "[data-section-status]", "");
    await call("DELETE", "/api/account/apps/" + encodeURIComponent(item.getAttribute("data-app")));
    var list = item.parentNode;
    list.removeChild(item);
    if (!list.querySelector("[data-app]")) {
      list.hidden = true;
      sec.querySelector("[data-apps-none]").hidden = false;
    }
    sectionSay(sec, "[data-section-status]", root.dataset.appsRevoked);
    // The button is gone: keep focus in the section, next to the message.
    sec.querySelector("h2").focus();
  }

  function value(form, name) { return form.querySelector("[name=" + name + "]").value; }

  // Button actions: click → API → (usually) reload.
  var buttons = {
    "passkey-add": addPasskey,
    "passkey-delete": deletePasskey,
    "email-send": sendEmailCode,
    "phone-remove": async function () { await call("DELETE", "/api/account/phone"); reload(); },
    "totp-start": startTotp,
    "totp-remove": async function () { await call("DELETE", "/api/account/totp"); reload(); },
    "recovery-generate": generateCodes,
    "password-remove": async function () { await call("DELETE", "/api/account/password"); reload(); },
    "app-revoke": revokeApp
  };

  // Form actions: submit → API → (usually) reload.
  var forms = {
    "passkey-rename": async function (form) {
      var id = form.closest("[data-passkey]").getAttribute("data-passkey");
      await call("PATCH", "/api/account/passkeys/" + encodeURIComponent(id),
        { friendly_name: value(form, "friendly_name") });
      reload();
    },
    "profile-save": async function (form) {
      var done = await call("PATCH", "/api/account/profile",
        { display_name: value(form, "display_name") });
      // Let the device's passkey manager show the new name too (WebAuthn
      // Signal API): name is the username the passkeys were made with.
      var handle = userHandle(done.user_id);
      if (PKC && typeof PKC.signalCurrentUserDetails === "function" && handle) {
        try {
          await PKC.signalCurrentUserDetails({
            rpId: root.dataset.rpId, userId: handle,
            name: done.username, displayName: done.display_name
          });
        } catch (e) { /* a hint to the device only; the name is saved here */ }
      }
      reload();
    },
    "email-verify": async function (form) {
      await call("POST", "/api/account/email/verify", { code: value(form, "code") });
      reload();
    },
    "phone-put": async function (form) {
      await call("PUT", "/api/account/phone", { phone: value(form, "phone") });
      sectionSay(form, "[data-section-status]", root.dataset.codeSent);
      showForm(form, "form[data-action=phone-verify]", true);
    },
    "phone-verify": async function (form) {
      await call("POST", "/api/account/phone/verify", { code: value(form, "code") });
      reload();
    },
    "totp-confirm": async function (form) {
      await call("POST", "/api/account/totp/confirm", { code: value(form, "code") });
      reload();
    },
    "password-put": async function (form) {
      await call("PUT", "/api/account/password", { password: value(form, "password") });
      reload();
    }
  };

  async function run(el, fn) {
    if (busy) return;
    busy = true;
    var controls = section(el).querySelectorAll("button");
    each(controls, function (b) { b.disabled = true; });
    clearErrors(el);
    try {
      await fn(el);
    } catch (e) {
      showError(el, e instanceof Failure ? e.code : "other");
    } finally {
      busy = false;
      each(controls, function (b) { b.disabled = false; });
    }
  }

  root.addEventListener("click", function (event) {
    var el = event.target.closest("button[data-action]");
    if (!el || el.type === "submit") return;
    var action = el.getAttribute("data-action");
    if (action === "reload") { reload(); return; }
    if (action === "rename-open") { renameOpen(el); return; }
    if (action === "rename-cancel") { renameCancel(el); return; }
    var fn = buttons[action];
    if (!fn) return;
    var question = el.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    run(el, fn);
  });

  root.addEventListener("submit", function (event) {
    var form = event.target;
    var fn = forms[form.getAttribute("data-action")];
    if (!fn) return;
    event.preventDefault();
    run(form, fn);
  });
})();
