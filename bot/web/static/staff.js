/* 晋才助手 staff policy search.
 *
 * Signed in through staff_common.js (the token in sessionStorage, sent as "Authorization: Bearer" with
 * each call to /api/staff/*). Results come from the same search as `python -m bot faq`.
 * Everything from the server is inserted as text (textContent), never as HTML. Articles are shown by the
 * names the server sends (policy_kb.citation's): this page names none itself.
 */
(function () {
  "use strict";

  var S = window.JincaiStaff; // staff_common.js, loaded first: the sign-in and the API calls
  var node = S.node, showError = S.showError, api = S.request;

  var el = {};

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
    ["search", "q", "lang", "top", "results"].forEach(function (id) {
      el[id] = document.getElementById(id);
    });
    el.searchError = document.getElementById("search-error");
    el.status = document.getElementById("search-status");
    document.getElementById("search-form").addEventListener("submit", search);
    S.session(el.search, function () { el.q.focus(); }, function () {
      el.results.textContent = "";
      el.status.textContent = "";
    });
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
