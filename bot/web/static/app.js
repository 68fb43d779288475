/* 晋才助手 chat page.
 *
 * Talks to the assistant through the same-origin proxy POST /api/chat {message}, which forwards to
 * Rasa's REST channel and answers with Rasa's list of {text, buttons}. The page never names the
 * conversation: the server issues its id in an HttpOnly cookie that this script cannot read.
 * Everything the assistant or the user writes is inserted as text (createTextNode / textContent);
 * links are <a> elements built here for http(s) URLs only, and for the site's own article pages
 * ("查看原文": a button whose url is /article/<n>). A policy answer carries a signed feedback token:
 * its 👍 / 👎 go to POST /api/feedback {token, vote}.
 */
(function () {
  "use strict";

  var STORE_LANG = "jincai.lang";
  var OLD_STORE_ID = "jincai.conversation"; // where earlier versions kept a client-chosen id
  var CLIENT_TIMEOUT_MS = 45000; // the server gives up at 30 s and says so (504)
  var URL_RE = /https?:\/\/[^\s<>"'，。；：！？、（）《》【】「」]+/g;
  var TRAILING_PUNCT = /[.,;:!?)\]}'"]+$/;
  var CJK_RE = /[\u3400-\u9fff]/;
  var ARTICLE_URL_RE = /^\/article\/(?:[1-9]|1[0-9]|2[0-5]|closing)(?:\?lang=(?:zh|en))?$/;

  var STRINGS = {
    zh: {
      htmlLang: "zh-CN",
      docTitle: "晋才助手 · 山西引进外国人才政策问答",
      skip: "跳到输入框",
      title: "晋才助手",
      subtitle: "山西引进外国人才政策（晋发〔2017〕47号）问答",
      logLabel: "对话记录",
      inputLabel: "输入您的问题",
      placeholder: "请输入您的问题，例如：绿卡有什么用？",
      send: "发送",
      hint: "回答仅供参考，具体以政策原文和服务窗口的答复为准。",
      typing: "助手正在输入…",
      you: "您：",
      bot: "助手：",
      suggestions: "建议回复",
      notSent: "未发送",
      welcome: "您好！我是晋才助手，可以解答山西引进外国人才政策（晋发〔2017〕47号）的问题，每个回答都注明依据条款。您可以直接提问，也可以点下面的按钮。",
      starters: ["绿卡有什么用？", "我符合条件吗？", "转人工"],
      kept: "您的消息已保留在输入框中，请稍后重新发送。",
      offline: "无法连接到服务器，请检查网络后重试。",
      tooLong: "消息太长了，最多1000个字符。",
      emptyReply: "（助手没有回复，请换个说法再试。）",
      rate: "这个回答有帮助吗？",
      helpful: "有帮助",
      unhelpful: "没帮到",
      thanks: "谢谢您的反馈！"
    },
    en: {
      htmlLang: "en",
      docTitle: "Shanxi Talent Assistant · Foreign-talent policy Q&A",
      skip: "Skip to the message box",
      title: "Shanxi Talent Assistant",
      subtitle: "Questions on Shanxi's foreign-talent policy (晋发〔2017〕47号)",
      logLabel: "Conversation",
      inputLabel: "Type your question",
      placeholder: "Type your question, e.g. What does the green card give me?",
      send: "Send",
      hint: "Answers are for guidance; the policy text and the service window have the final word.",
      typing: "The assistant is typing…",
      you: "You: ",
      bot: "Assistant: ",
      suggestions: "Suggested replies",
      notSent: "Not sent",
      welcome: "Hello! I'm the Shanxi Talent Assistant. I answer questions on Shanxi's foreign-talent policy (晋发〔2017〕47号) and cite the article for every answer. Ask me anything, or pick one of the buttons below.",
      starters: ["What does the green card give me?", "Am I eligible?", "Talk to a person"],
      kept: "Your message is still in the box: please send it again in a moment.",
      offline: "Cannot reach the server. Please check your connection and try again.",
      tooLong: "The message is too long: at most 1000 characters.",
      emptyReply: "(The assistant did not reply. Please try rephrasing.)",
      rate: "Was this answer helpful?",
      helpful: "Helpful",
      unhelpful: "Not helpful",
      thanks: "Thank you for your feedback!"
    }
  };

  // --- small helpers -------------------------------------------------------------------------------

  function storageGet(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }

  function storageSet(store, key, value) {
    try { window[store].setItem(key, value); } catch (e) { /* private mode: keep it in memory only */ }
  }

  function initialLang() {
    var saved = storageGet("localStorage", STORE_LANG);
    if (saved === "zh" || saved === "en") return saved;
    var nav = (navigator.languages && navigator.languages[0]) || navigator.language || "zh";
    return /^zh/i.test(nav) ? "zh" : "en";
  }

  function textLang(text) {
    return CJK_RE.test(text) ? "zh-CN" : "en";
  }

  /* Text with its line breaks as <br> and its http(s) URLs as links; never parsed as HTML. */
  function appendRich(parent, text) {
    var lines = String(text).split(/\r?\n/);
    lines.forEach(function (line, i) {
      if (i > 0) parent.appendChild(document.createElement("br"));
      var heading = /^#{1,3} (.+)$/.exec(line); // the assistant's section headings ("## Next steps")
      if (heading) {
        var strong = document.createElement("strong");
        strong.className = "heading";
        strong.textContent = heading[1];
        parent.appendChild(strong);
        return;
      }
      var last = 0;
      line.replace(URL_RE, function (match, offset) {
        var url = match.replace(TRAILING_PUNCT, "");
        var href = null;
        try {
          var u = new URL(url);
          if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
        } catch (e) { href = null; }
        if (!href) return match;
        parent.appendChild(document.createTextNode(line.slice(last, offset)));
        var a = document.createElement("a");
        a.href = href;
        a.textContent = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        parent.appendChild(a);
        last = offset + url.length;
        return match;
      });
      parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  // --- the page ------------------------------------------------------------------------------------

  var state = { lang: initialLang(), busy: false, pendingSwitch: null };
  var log, typing, notice, form, input, sendButton, langButtons;

  function t(key) { return STRINGS[state.lang][key]; }

  function applyLang() {
    var s = STRINGS[state.lang];
    document.documentElement.lang = s.htmlLang;
    document.title = s.docTitle;
    document.querySelectorAll("[data-i18n]").forEach(function (el) { el.textContent = s[el.dataset.i18n]; });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (el) {
      el.placeholder = s[el.dataset.i18nPlaceholder];
    });
    document.querySelectorAll("[data-i18n-aria]").forEach(function (el) {
      el.setAttribute("aria-label", s[el.dataset.i18nAria]);
    });
    langButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang)); });
    if (state.busy) typing.querySelector(".typing-text").textContent = s.typing;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function speaker(label) {
    var span = document.createElement("span");
    span.className = "visually-hidden";
    span.textContent = label;
    return span;
  }

  function addUserMessage(text) {
    var item = document.createElement("div");
    item.className = "msg user";
    item.lang = textLang(text);
    var bubble = document.createElement("p");
    bubble.className = "bubble";
    bubble.appendChild(speaker(t("you")));
    bubble.appendChild(document.createTextNode(text)); // the user's text, never HTML
    item.appendChild(bubble);
    log.appendChild(item);
    scrollToEnd();
    return bubble;
  }

  /* The site's own article page ("查看原文"), opened beside the chat. */
  function articleLink(b) {
    var a = document.createElement("a");
    a.className = "quick-reply article-link";
    a.href = b.url;
    a.target = "_blank";
    a.rel = "noopener";
    a.textContent = b.title;
    a.lang = textLang(b.title);
    return a;
  }

  /* 👍 / 👎 under a policy answer; the server keeps a 👎'd question for the staff. */
  function feedbackBar(token) {
    var bar = document.createElement("div");
    bar.className = "feedback";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", t("rate"));
    var status = document.createElement("span");
    status.className = "feedback-status";
    status.setAttribute("role", "status");
    [["up", "👍", "helpful"], ["down", "👎", "unhelpful"]].forEach(function (v) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "vote vote-" + v[0];
      button.textContent = v[1];
      button.title = t(v[2]);
      button.setAttribute("aria-label", t(v[2]));
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var buttons = bar.querySelectorAll("button.vote");
        buttons.forEach(function (b) { b.disabled = true; });
        fetch("/api/feedback", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          credentials: "same-origin",
          body: JSON.stringify({ token: token, vote: v[0] })
        }).then(function (r) {
          return r.json().catch(function () { return null; }).then(function (body) {
            if (!r.ok) throw body;
            button.setAttribute("aria-pressed", "true");
            status.textContent = body && body.message && body.message[state.lang] || t("thanks");
          });
        }).catch(function (body) {
          buttons.forEach(function (b) { b.disabled = false; });
          status.textContent = body && body.message && body.message[state.lang] || t("offline");
        });
      });
      bar.appendChild(button);
    });
    bar.appendChild(status);
    return bar;
  }

  function addBotMessage(text, buttons, feedback) {
    var item = document.createElement("div");
    item.className = "msg bot";
    if (text) {
      item.lang = textLang(text);
      var bubble = document.createElement("p");
      bubble.className = "bubble";
      bubble.appendChild(speaker(t("bot")));
      appendRich(bubble, text);
      item.appendChild(bubble);
    }
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "quick-replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t("suggestions"));
      buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string") return;
        if (typeof b.url === "string" && ARTICLE_URL_RE.test(b.url)) { group.appendChild(articleLink(b)); return; }
        if (typeof b.url === "string") return; // no other links from buttons
        var button = document.createElement("button");
        button.type = "button";
        button.className = "quick-reply";
        button.textContent = b.title;
        button.lang = textLang(b.title);
        var payload = typeof b.payload === "string" && b.payload ? b.payload : b.title;
        button.addEventListener("click", function () {
          if (state.busy) return;
          button.classList.add("chosen");
          send(payload, b.title);
          input.focus(); // the clicked button is now disabled: keep the keyboard where the next answer goes
        });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    if (typeof feedback === "string" && feedback) item.appendChild(feedbackBar(feedback));
    log.appendChild(item);
    scrollToEnd();
  }

  function activeQuickReplies() {
    return Array.prototype.filter.call(log.querySelectorAll(".quick-replies"), function (g) {
      return !g.classList.contains("used");
    });
  }

  function setQuickReplies(groups, enabled) {
    groups.forEach(function (g) {
      g.classList.toggle("used", !enabled);
      g.querySelectorAll("button").forEach(function (b) {
        b.disabled = !enabled;
        if (enabled) b.classList.remove("chosen");
      });
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    sendButton.setAttribute("aria-disabled", String(busy));
    log.setAttribute("aria-busy", String(busy));
    typing.textContent = "";
    typing.classList.toggle("active", busy);
    if (busy) {
      var dots = document.createElement("span");
      dots.className = "dots";
      dots.setAttribute("aria-hidden", "true");
      for (var i = 0; i < 3; i++) dots.appendChild(document.createElement("span"));
      var label = document.createElement("span");
      label.className = "typing-text";
      label.textContent = t("typing");
      typing.appendChild(dots);
      typing.appendChild(label);
    }
  }

  function showNotice(serverMessage, keptInBox) {
    notice.textContent = "";
    var order = state.lang === "zh" ? ["zh", "en"] : ["en", "zh"];
    order.forEach(function (lang) {
      var p = document.createElement("p");
      p.lang = STRINGS[lang].htmlLang;
      var main = serverMessage && typeof serverMessage[lang] === "string" ? serverMessage[lang] : STRINGS[lang].offline;
      p.textContent = keptInBox ? main + " " + STRINGS[lang].kept : main;
      notice.appendChild(p);
    });
    notice.hidden = false;
  }

  function hideNotice() {
    notice.hidden = true;
    notice.textContent = "";
  }

  /* One request to the proxy: resolves to the list of replies, rejects with {message} on failure. */
  function post(message) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, CLIENT_TIMEOUT_MS) : null;
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (!r.ok || !Array.isArray(body)) {
          var err = new Error("HTTP " + r.status);
          err.serverMessage = body && body.message;
          throw err;
        }
        return body;
      });
    }).finally(function () { if (timer) clearTimeout(timer); });
  }

  function render(replies) {
    replies.forEach(function (m) {
      if (!m || typeof m !== "object") return;
      var text = typeof m.text === "string" ? m.text : "";
      if (typeof m.image === "string") text = (text ? text + "\n" : "") + m.image; // shown as a link, not loaded
      if (text || (m.buttons && m.buttons.length)) addBotMessage(text, m.buttons, m.feedback);
    });
  }

  /* Send a message. `shown` is what the transcript shows for it (a button's title); null shows nothing. */
  function send(message, shown, fromInput) {
    if (state.busy) return Promise.resolve(false);
    hideNotice();
    var groups = activeQuickReplies();
    setQuickReplies(groups, false);
    var bubble = shown === null ? null : addUserMessage(shown === undefined ? message : shown);
    if (fromInput) input.value = "";
    setBusy(true);
    var chain = Promise.resolve();
    if (state.pendingSwitch) {
      var target = state.pendingSwitch;
      chain = post(switchPayload(target)).then(function (replies) {
        state.pendingSwitch = null;
        render(replies);
      });
    }
    return chain.then(function () { return post(message); }).then(function (replies) {
      setBusy(false);
      if (!replies.length && shown !== null) addBotMessage(t("emptyReply"));
      render(replies);
      if (fromInput || document.activeElement === document.body) input.focus();
      return true;
    }).catch(function (err) {
      setBusy(false);
      if (bubble) {
        bubble.classList.add("failed");
        var mark = document.createElement("span");
        mark.className = "failed-mark";
        mark.textContent = t("notSent");
        bubble.appendChild(mark);
      }
      if (fromInput && !input.value) input.value = message; // nothing typed is lost
      setQuickReplies(groups, true);
      showNotice(err && err.serverMessage, fromInput);
      if (fromInput) input.focus();
      return false;
    });
  }

  function switchPayload(lang) {
    return "/switch_language" + JSON.stringify({ target_language: lang });
  }

  function switchLanguage(lang) {
    if (lang === state.lang) return;
    state.lang = lang;
    storageSet("localStorage", STORE_LANG, lang);
    applyLang();
    // tell the assistant, so its next replies follow; if it cannot be told now, tell it with the next message
    state.pendingSwitch = null;
    if (state.busy) { state.pendingSwitch = lang; return; }
    send(switchPayload(lang), null).then(function (ok) { if (!ok) state.pendingSwitch = lang; });
  }

  function welcome() {
    addBotMessage(t("welcome"), t("starters").map(function (s) { return { title: s, payload: s }; }));
  }

  function init() {
    log = document.getElementById("log");
    typing = document.getElementById("typing");
    notice = document.getElementById("notice");
    form = document.getElementById("composer");
    input = document.getElementById("message");
    sendButton = document.getElementById("send");
    langButtons = Array.prototype.slice.call(document.querySelectorAll(".lang-switch button"));
    try { window.localStorage.removeItem(OLD_STORE_ID); } catch (e) { /* nothing stored */ }
    applyLang();
    welcome();
    langButtons.forEach(function (b) {
      b.addEventListener("click", function () { switchLanguage(b.dataset.lang); });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value;
      if (!text.trim() || state.busy) return;
      if (text.length > 1000) { showNotice({ zh: STRINGS.zh.tooLong, en: STRINGS.en.tooLong }, false); return; }
      send(text, text, true);
    });
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
