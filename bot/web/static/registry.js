/* 晋才助手 staff register page: list, filter, open one, mark contacted, export CSV.
 *
 * Signed in through staff_common.js (the FAQ page's token, this tab only), sent as "Authorization: Bearer"
 * with each call to /api/staff/registrations*. Everything from the server is
 * inserted as text (textContent), never as HTML: the registrations are typed by the public.
 */
(function () {
  "use strict";

  var S = window.JincaiStaff; // staff_common.js, loaded first: the sign-in and the API calls
  var node = S.node, showError = S.showError, request = S.request;
  var shown = null;  /* the reference of the registration opened below the list */
  var el = {};

  function query() {
    var params = new URLSearchParams();
    ["city", "country", "interest"].forEach(function (k) { if (el[k].value) params.set(k, el[k].value); });
    return params.toString();
  }

  function fillSelect(select, items, label) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    items.forEach(function (it) { select.appendChild(node("option", { value: it.code || it.id, text: label(it) })); });
    select.value = keep;
  }

  function both(it) { return it.zh === it.en ? it.zh : it.zh + " / " + it.en; }

  function statusText(r) {
    return r.contacted_at ? "已联系 / Contacted " + r.contacted_at.slice(0, 10) : "待联系 / To contact";
  }

  function renderRows(body) {
    fillSelect(el.city, body.cities, both);
    fillSelect(el.country, body.countries, both);
    fillSelect(el.interest, body.interests, both);
    var tbody = el.table.querySelector("tbody");
    tbody.textContent = "";
    var rows = body.registrations || [];
    el.status.textContent = "共 " + rows.length + " 条登记 / " + rows.length + (rows.length === 1 ? " registration" : " registrations");
    rows.forEach(function (r) {
      var place = [r.city, r.county].filter(Boolean).join("");
      var open = node("button", { type: "button", className: "open", text: "查看 / Open" });
      open.addEventListener("click", function () { showOne(r.ref); });
      var mark = node("button", { type: "button", className: "mark",
        text: r.contacted_at ? "标为待联系 / Undo" : "标记已联系 / Mark contacted" });
      mark.addEventListener("click", function () { markContacted(r.ref, !r.contacted_at); });
      tbody.appendChild(node("tr", { "data-ref": r.ref, className: r.contacted_at ? "contacted" : "" }, [
        node("td", { text: r.ref }),
        node("td", { text: r.registered_at.replace("T", " ").slice(0, 16) }),
        node("td", { text: place || "—" }),
        node("td", { text: r.country || "—" }),
        node("td", { text: (r.interest_labels || []).join("；") || "—" }),
        node("td", { text: r.contact }),
        node("td", { className: "status", text: statusText(r) }),
        node("td", { className: "actions" }, [open, mark])
      ]));
    });
  }

  function load() {
    showError(el.error, "");
    el.status.textContent = "加载中… / Loading…";
    return request("/api/staff/registrations?" + query()).then(renderRows).catch(function (err) {
      el.status.textContent = "";
      if (err.status !== 401) showError(el.error, err.message);
    });
  }

  function showOne(ref) {
    shown = ref;
    request("/api/staff/registrations/" + encodeURIComponent(ref)).then(function (r) {
      el.detailTitle.textContent = "登记 / Registration " + r.ref;
      var dl = el.detailFields;
      dl.textContent = "";
      [["祖籍地 / Ancestral place", [r.city, r.county].filter(Boolean).join("")],
       ["所在国 / Country", r.country], ["行业 / Industry", r.industry], ["发展状况 / Situation", r.situation],
       ["感兴趣的事项 / Interests", (r.interest_labels || []).join("；")], ["联系方式 / Contact", r.contact],
       ["渠道 / Channel", r.channel], ["语言 / Language", r.language],
       ["登记时间 / Registered", r.registered_at], ["更新时间 / Updated", r.updated_at], ["状态 / Status", statusText(r)]
      ].forEach(function (pair) {
        dl.appendChild(node("dt", { text: pair[0] }));
        dl.appendChild(node("dd", { text: pair[1] || "—" }));
      });
      el.detail.hidden = false;
    }).catch(function (err) { if (err.status !== 401) showError(el.error, err.message); });
  }

  function markContacted(ref, contacted) {
    request("/api/staff/registrations/" + encodeURIComponent(ref) + "/contacted",
            { method: "POST", json: { contacted: contacted } })
      .then(load).then(function () { if (shown === ref) showOne(ref); })
      .catch(function (err) { if (err.status !== 401) showError(el.error, err.message); });
  }

  function exportCsv() {
    request("/api/staff/registrations.csv?" + query(), { raw: true }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = node("a", { href: url, download: "registrations-" + new Date().toISOString().slice(0, 10) + ".csv" });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    }).catch(function (err) { if (err.status !== 401) showError(el.error, err.message); });
  }

  function init() {
    ["registry", "city", "country", "interest", "detail"].forEach(function (id) {
      el[id] = document.getElementById(id);
    });
    el.table = document.getElementById("registrations");
    el.status = document.getElementById("registry-status");
    el.error = document.getElementById("registry-error");
    el.detailTitle = document.getElementById("detail-title");
    el.detailFields = document.getElementById("detail-fields");
    document.getElementById("filter-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
    document.getElementById("export").addEventListener("click", exportCsv);
    S.session(el.registry, load, function () {
      el.table.querySelector("tbody").textContent = "";
      el.detail.hidden = true;
    });
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
