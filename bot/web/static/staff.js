/* 晋才助手 staff policy search.
 *
 * The staff token is kept in sessionStorage (this tab only) and sent as "Authorization: Bearer"
 * with each call to /api/staff/*. Results come from the same search as `python -m bot faq`.
 * Everything from the server is inserted as text (textContent), never as HTML. Articles are shown by the
 * names the server sends (policy_kb.citation's): this page names none itself.
 */
(function () {
  "use strict";

  var S = window.JincaiStaff; // staff_common.js, loaded first
  var STORE_TOKEN = S.STORE_TOKEN, storageGet = S.storageGet, storageSet = S.storageSet, storageDel = S.storageDel;
  var node = S.node, bilingual = S.bilingual, showError = S.showError;

  var token = null;
  var el = {};

  /* GET an API path with the token; rejects with {status, message}. A 401 signs out. */
  function api(path) {
    return fetch(path, { headers: { "Authorization": "Bearer " + token, "Accept": "application/json" } })
      .catch(function () {
        throw { status: 0, message: "无法连接到服务器，请稍后再试。 / Cannot reach the server; please try again." };
      })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (r.ok) return body;
          var message = bilingual(body && body.message) || "HTTP " + r.status;
          if (r.status === 401) signOut(message);
          throw { status: r.status, message: message };
        });
      });
  }

  function signIn(candidate) {
    token = candidate;
    return api("/api/staff/check").then(function () {
      storageSet(STORE_TOKEN, candidate);
      el.login.hidden = true;
      el.search.hidden = false;
      el.q.focus();
      return true;
    });
  }

  function signOut(reason) {
    token = null;
    storageDel(STORE_TOKEN);
    el.results.textContent = "";
    el.status.textContent = "";
    el.search.hidden = true;
    el.login.hidden = false;
    showError(el.loginError, reason || "");
    el.token.value = "";
    el.token.focus();
  }

  function renderArticle(container, a) {
    container.textContent = "";
    var grid = node("div", { className: "article-text" });
    ["zh", "en"].forEach(function (lang) {
      var label = lang === "zh"
        ? { summary: "摘要：", units: "责任单位：", sep: "、" }
        : { summary: "Summary: ", units: "Responsible units: ", sep: ", " };
      var units = (a.units || []).map(function (u) { return u[lang]; }).join(label.sep) || "—";
      grid.appendChild(node("section", { lang: lang === "zh" ? "zh-CN" : "en", className: "article-" + lang }, [
        node("h3", { text: a.name[lang] + (lang === "zh" ? "　" : ": ") + a.title[lang] }),
        node("p", { className: "full", text: a.text[lang] }),
        node("p", { className: "meta", text: label.summary + a.summary[lang] }),
        node("p", { className: "meta", text: label.units + units })
      ]));
    });
    container.appendChild(grid);
  }

  function renderResults(resp) {
    el.results.textContent = "";
    var lang = resp.lang === "en" ? "en" : "zh";
    var results = resp.results || [];
    if (!results.length) {
      el.status.textContent = resp.message || "没有找到相关条款 / Nothing found";
      return;
    }
    el.status.textContent = "找到 " + results.length + " 条结果 / " + results.length +
      (results.length === 1 ? " result" : " results") + "：" + resp.query;
    results.forEach(function (r, i) {
      var ref = r.article === null || r.article === undefined ? "closing" : String(r.article);
      var sep = lang === "zh" ? "、" : ", ";
      var unitsLabel = lang === "zh" ? "责任单位：" : "Responsible units: ";
      var body = node("div", { className: "article-body" });
      var details = node("details", {}, [
        node("summary", { text: "查看条款全文（中文 / English） · Full article text in both languages" }),
        body
      ]);
      details.addEventListener("toggle", function () {
        if (!details.open || details.dataset.loaded) return;
        body.textContent = "加载中… / Loading…";
        api("/api/staff/article/" + encodeURIComponent(ref)).then(function (a) {
          details.dataset.loaded = "true";
          renderArticle(body, a);
        }).catch(function (err) { body.textContent = err.message; });
      });
      var item = node("li", { className: "card result", lang: lang === "zh" ? "zh-CN" : "en", "data-article": ref }, [
        node("h2", {}, [
          node("span", { className: "badge", text: r.name[lang] }),
          document.createTextNode((i + 1) + ". " + r.title),
          node("span", { className: "score", text: "score " + Number(r.score).toFixed(2) })
        ]),
        node("p", { className: "answer", text: r.answer }),
        node("p", { className: "units", text: unitsLabel + ((r.units || []).join(sep) || "—") }),
        details
      ]);
      el.results.appendChild(item);
    });
  }

  function search(e) {
    e.preventDefault();
    var q = el.q.value;
    showError(el.searchError, "");
    if (!q.trim()) {
      showError(el.searchError, "请输入要搜索的问题。 / Please enter a question to search for.");
      el.q.focus();
      return;
    }
    var params = new URLSearchParams({ q: q, top: el.top.value });
    if (el.lang.value) params.set("lang", el.lang.value);
    el.status.textContent = "搜索中… / Searching…";
    el.results.setAttribute("aria-busy", "true");
    api("/api/staff/search?" + params.toString()).then(renderResults).catch(function (err) {
      el.status.textContent = "";
      if (err.status !== 401) showError(el.searchError, err.message);
    }).finally(function () { el.results.setAttribute("aria-busy", "false"); });
  }

  function init() {
    ["login", "search", "token", "q", "lang", "top", "results"].forEach(function (id) {
      el[id] = document.getElementById(id);
    });
    el.loginError = document.getElementById("login-error");
    el.searchError = document.getElementById("search-error");
    el.status = document.getElementById("search-status");

    document.getElementById("login-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var candidate = el.token.value.trim();
      if (!candidate) {
        showError(el.loginError, "请输入令牌。 / Please enter the token.");
        el.token.focus();
        return;
      }
      showError(el.loginError, "");
      signIn(candidate).catch(function (err) {
        if (err.status !== 401) signOut(err.message);
      });
    });
    document.getElementById("search-form").addEventListener("submit", search);
    document.getElementById("logout").addEventListener("click", function () { signOut(""); });

    var saved = storageGet(STORE_TOKEN);
    if (saved) signIn(saved).catch(function (err) { if (err.status !== 401) signOut(err.message); });
    else el.token.focus();
    document.body.dataset.ready = "true";
  }


  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
