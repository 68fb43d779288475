/* 晋才助手 staff pages' shared helpers, loaded before each staff page's own script (the policy search,
 * the questions kept for staff, the register) as window.JincaiStaff.
 *
 * The staff token lives in sessionStorage (this tab only) under STORE_TOKEN, so one sign-in serves every
 * staff page. Elements are built with text only (textContent), never HTML: what the server sends includes
 * what the public typed.
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

  window.JincaiStaff = {
    STORE_TOKEN: "jincai.staffToken",
    storageGet: storageGet, storageSet: storageSet, storageDel: storageDel,
    node: node, bilingual: bilingual, showError: showError
  };
})();
