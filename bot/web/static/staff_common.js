/* 晋才助手 staff pages' shared helpers, loaded before each staff page's own script (the policy search,
 * the questions kept for staff, the register) as window.JincaiStaff.
 *
 * The staff token lives in sessionStorage (this tab only) under STORE_TOKEN, so one sign-in serves every
 * staff page. session() is each page's sign-in (the #login-form, #token, #login-error and #logout
 * elements every staff page has); request() is every call to /api/staff/*, with the token, and signs the
 * page out on a 401. Elements are built with text only (textContent), never HTML: what the server sends
 * includes what the public typed.
 */
(function () {
  "use strict";

  function storageGet(key) { try { return sessionStorage.getItem(key); } catch (e) { return null; } }
  function storageSet(key, value) { try { sessionStorage.setItem(key, value); } catch (e) { /* memory only */ } }
  function storageDel(key) { try { sessionStorage.removeItem(key); } catch (e) { /* nothing stored */ } }

  function node(tag, props, children) {
    var n = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") n.textContent = props[k];
      else if (k === "className") n.className = props[k];
      else n.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }

  /* A server message, {zh, en} or plain text, as one line. */
  function bilingual(message) {
    if (!message) return "";
    if (typeof message === "string") return message;
    return [message.zh, message.en].filter(Boolean).join(" / ");
  }

  function showError(box, text) {
    box.textContent = text;
    box.hidden = !text;
  }

  var STORE_TOKEN = "jincai.staffToken";
  var UNREACHABLE = "无法连接到服务器，请稍后再试。 / Cannot reach the server; please try again.";
  var token = null;
  var unauthorised = function () { /* no session on this page yet */ };

  /* Call a staff API path with the token: {method, json (a body to send as JSON), raw (answer as a
   * Blob)}. Rejects with {status, message}; a 401 signs the page out. */
  function request(path, options) {
    options = options || {};
    var headers = { "Authorization": "Bearer " + token, "Accept": options.raw ? "*/*" : "application/json" };
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, { method: options.method || "GET", headers: headers,
                         body: options.json !== undefined ? JSON.stringify(options.json) : undefined })
      .catch(function () { throw { status: 0, message: UNREACHABLE }; })
      .then(function (r) {
        if (r.ok) return options.raw ? r.blob() : r.json().catch(function () { return null; });
        return r.json().catch(function () { return null; }).then(function (body) {
          var message = bilingual(body && body.message) || "HTTP " + r.status;
          if (r.status === 401) unauthorised(message);
          throw { status: r.status, message: message };
        });
      });
  }

  /* The page's sign-in: shows `section` once the server accepts the token (typed, or kept from another
   * staff page of this tab), then calls onSignedIn(); onSignedOut() clears what the page showed. */
  function session(section, onSignedIn, onSignedOut) {
    var login = document.getElementById("login");
    var input = document.getElementById("token");
    var loginError = document.getElementById("login-error");

    function signOut(reason) {
      token = null;
      storageDel(STORE_TOKEN);
      onSignedOut();
      section.hidden = true;
      login.hidden = false;
      showError(loginError, reason || "");
      input.value = "";
      input.focus();
    }

    function signIn(candidate) {
      token = candidate;
      request("/api/staff/check").then(function () {
        storageSet(STORE_TOKEN, candidate);
        login.hidden = true;
        section.hidden = false;
        return onSignedIn();
      }).catch(function (err) { if (err.status !== 401) signOut(err.message); });
    }

    unauthorised = signOut;
    document.getElementById("login-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var candidate = input.value.trim();
      if (!candidate) {
        showError(loginError, "请输入令牌。 / Please enter the token.");
        input.focus();
        return;
      }
      showError(loginError, "");
      signIn(candidate);
    });
    document.getElementById("logout").addEventListener("click", function () { signOut(""); });
    var saved = storageGet(STORE_TOKEN);
    if (saved) signIn(saved);
    else input.focus();
  }

  window.JincaiStaff = {
    request: request, session: session, signedIn: function () { return token !== null; },
    node: node, bilingual: bilingual, showError: showError
  };
})();
