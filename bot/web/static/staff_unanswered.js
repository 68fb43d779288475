/* 晋才助手 staff page: the questions the assistant did not answer well (the staff loop).
 *
 * Shown while the staff are signed in (staff.js shows #search; this script follows it). Lists the kept
 * questions grouped by similarity from GET /api/staff/unanswered, and lets staff attach a group to an
 * article (POST /api/staff/unanswered/attach: the first question becomes a question variant for review)
 * or mark it out of scope (POST /api/staff/unanswered/dismiss). The sign-in is staff.js's
 * (staff_common.js). Everything from the server is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  var REASONS = {
    not_found: "未找到答案 / Not found",
    low_confidence: "把握不大 / Low confidence",
    unhelpful: "用户：没帮到 / Marked unhelpful"
  };
  var el = {};
  var articles = [];
  var S = window.JincaiStaff; // staff_common.js, loaded first: the sign-in and the API calls
  var node = S.node;

  function call(method, path, body) {
    return S.request(path, { method: method, json: body });
  }

  function showError(text) {
    el.error.textContent = text || "";
    el.error.hidden = !text;
  }

  function articleSelect(group) {
    var select = node("select", { "aria-label": "归入条款 / Attach to article" });
    select.appendChild(node("option", { value: "", text: "选择条款… / Choose an article…" }));
    articles.forEach(function (a) {
      var option = node("option", { value: a.ref, text: a.name.zh + " " + a.title.zh + " / " + a.name.en });
      if (group.answered.length === 1 && group.answered[0] === a.ref) option.setAttribute("data-answered", "true");
      select.appendChild(option);
    });
    return select;
  }

  function renderGroup(group, open) {
    var reasons = Object.keys(group.reasons).map(function (k) {
      return (REASONS[k] || k) + " ×" + group.reasons[k];
    }).join("；");
    var answered = group.answered.length ? "助手曾答 / Answered with: " + group.answered.join(", ") : "";
    var dates = group.first === group.last ? group.first : group.first + " – " + group.last;
    var item = node("li", { className: "card result unanswered-group", "data-ids": group.ids.join(",") }, [
      node("h3", {}, [
        node("span", { className: "badge count", text: "×" + group.count }),
        node("span", { className: "question", text: group.text, lang: group.langs[0] === "en" ? "en" : "zh-CN" })
      ]),
      node("p", { className: "units", text: dates + " · " + reasons + (answered ? " · " + answered : "") })
    ]);
    if (group.count > 1) {
      var list = node("ul", { className: "similar" });
      group.questions.slice(1).forEach(function (q) { list.appendChild(node("li", { text: q.text + " (" + q.date + ")" })); });
      item.appendChild(node("details", {}, [node("summary", { text: "相似问题 / Similar questions (" + (group.count - 1) + ")" }), list]));
    }
    if (!open) return item;
    var select = articleSelect(group);
    var attach = node("button", { type: "button", className: "primary attach", text: "归入 / Attach" });
    var dismiss = node("button", { type: "button", className: "dismiss", text: "超出范围 / Out of scope" });
    var result = node("p", { className: "status-line", role: "status" });
    attach.addEventListener("click", function () {
      if (!select.value) { result.textContent = "请先选择条款。 / Choose an article first."; select.focus(); return; }
      attach.disabled = dismiss.disabled = true;
      call("POST", "/api/staff/unanswered/attach", { id: group.ids[0], article: select.value, ids: group.ids.slice(1) })
        .then(function (r) {
          result.textContent = "已写入 " + r.file + "，待审核；知识库重建后生效。 / Written to " + r.file +
            " for review; the search uses it after the KB rebuild.";
          item.classList.add("resolved");
        })
        .catch(function (err) { attach.disabled = dismiss.disabled = false; result.textContent = err.message; });
    });
    dismiss.addEventListener("click", function () {
      attach.disabled = dismiss.disabled = true;
      call("POST", "/api/staff/unanswered/dismiss", { ids: group.ids })
        .then(function () { result.textContent = "已标记为超出范围。 / Marked out of scope."; item.classList.add("resolved"); })
        .catch(function (err) { attach.disabled = dismiss.disabled = false; result.textContent = err.message; });
    });
    item.appendChild(node("div", { className: "row actions" }, [select, attach, dismiss]));
    item.appendChild(result);
    return item;
  }

  function load() {
    if (!S.signedIn()) return;
    showError("");
    var status = el.status.value;
    el.line.textContent = "加载中… / Loading…";
    call("GET", "/api/staff/unanswered?status=" + encodeURIComponent(status)).then(function (data) {
      articles = data.articles || [];
      el.groups.textContent = "";
      var total = data.groups.reduce(function (n, g) { return n + g.count; }, 0);
      el.line.textContent = data.groups.length
        ? total + " 个问题，" + data.groups.length + " 组 / " + total + " question(s) in " + data.groups.length + " group(s)"
        : "没有问题。 / No questions.";
      data.groups.forEach(function (g) { el.groups.appendChild(renderGroup(g, status === "open")); });
    }).catch(function (err) { el.line.textContent = ""; showError(err.message); });
  }

  function follow() {
    var signedIn = !el.search.hidden;
    var was = !el.section.hidden;
    el.section.hidden = !signedIn;
    if (signedIn && !was) load();
    if (!signedIn) el.groups.textContent = "";
  }

  function init() {
    el.section = document.getElementById("unanswered");
    el.search = document.getElementById("search");
    el.status = document.getElementById("unanswered-status");
    el.line = document.getElementById("unanswered-status-line");
    el.error = document.getElementById("unanswered-error");
    el.groups = document.getElementById("unanswered-groups");
    document.getElementById("unanswered-refresh").addEventListener("click", load);
    el.status.addEventListener("change", load);
    new MutationObserver(follow).observe(el.search, { attributes: true, attributeFilter: ["hidden"] });
    follow();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
