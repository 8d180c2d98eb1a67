/*
 * Complaint assistant web chat: one script tag on any page.
 *
 *   <script>
 *     window.ComplaintChat = {
 *       serverUrl: "https://assistant.example.com",   // the rasa server (socket.io)
 *       language: "az",                                // ru | az | ro | tr (fixes it; see below)
 *       colors: { primary: "#0b5394", primaryText: "#fff", userBubble: "#0b5394", userText: "#fff",
 *                 botBubble: "#f1f3f4", botText: "#202124" },
 *       // optional: title, subtitle, placeholder, embedded, storage ("local" | "session"),
 *       //           languageButtons (default true), initPayload (default "/start_chat"), container (a CSS selector),
 *       //           defaultLanguage (when nothing else names one of the four), trackUrl (default <backend>/track),
 *       //           typingIndicator (default true)
 *     };
 *   </script>
 *   <script src="https://backend.example.com/chat/embed.js" async></script>
 *
 * It loads rasa-webchat (Apache-2.0, served beside this file as widget.js), sends the
 * page's language with every message as customData.language, offers buttons for the four
 * languages in the widget's header, and keeps the conversation in the browser's storage
 * so a reload continues it. window.ComplaintChat.setLanguage("tr") switches from page code.
 *
 * The language: `language` when the configuration names it (the /chat page's ?lang=), else the
 * customer's own earlier choice (a language button), else the browser's (navigator.languages, in
 * its order), else the host page's <html lang>, else `defaultLanguage` (the policy's).
 *
 * A new conversation starts with initPayload "/start_chat" and the language as customData: the
 * assistant greets first (actions/greeting.py). rasa-webchat sends it only when the server gives
 * a new session, so a reopened page (the same session; missed messages replayed by the server)
 * is not greeted again. Between the customer's message and the reply (and before the greeting)
 * an "assistant is typing" line shows above the input; a link under the header opens /track.
 */
(function () {
  "use strict";

  var LANGUAGES = ["ru", "az", "ro", "tr"];
  var NAMES = { ru: "Русский", az: "Azərbaycanca", ro: "Română", tr: "Türkçe" };
  var UI = {
    ru: { title: "Служба заботы о клиентах", subtitle: "Жалобы и предложения", placeholder: "Напишите сообщение…",
          connecting: "Подключение…", typing: "Помощник печатает…", track: "Отследить жалобу" },
    az: { title: "Müştəri xidməti", subtitle: "Şikayət və təkliflər", placeholder: "Mesajınızı yazın…",
          connecting: "Qoşulur…", typing: "Köməkçi yazır…", track: "Şikayəti izləmək" },
    ro: { title: "Relații cu clienții", subtitle: "Reclamații și sugestii", placeholder: "Scrieți un mesaj…",
          connecting: "Se conectează…", typing: "Asistentul scrie…", track: "Urmăriți reclamația" },
    tr: { title: "Müşteri hizmetleri", subtitle: "Şikâyet ve öneriler", placeholder: "Mesajınızı yazın…",
          connecting: "Bağlanıyor…", typing: "Asistan yazıyor…", track: "Şikâyeti takip et" }
  };
  var TYPING_GIVES_UP_MS = 45000; // no reply by then: the line goes (the widget shows errors itself)
  var LANGUAGE_KEY = "complaint-chat-language";

  var config = window.ComplaintChat || {};
  if (config.__mounted) return;
  config.__mounted = true;
  window.ComplaintChat = config;

  var script = document.currentScript || document.querySelector('script[src*="/chat/embed.js"]');
  var base = script ? script.src.replace(/\/chat\/embed\.js(\?.*)?$/, "") : "";

  function normalise(value) {
    var code = String(value || "").toLowerCase().split(/[-_]/)[0];
    return LANGUAGES.indexOf(code) >= 0 ? code : null;
  }

  function storage() {
    try { return config.storage === "session" ? window.sessionStorage : window.localStorage; }
    catch (e) { return null; }
  }

  function browserLanguage() {
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < wanted.length; i++) {
      var code = normalise(wanted[i]);
      if (code) return code;
    }
    return null;
  }

  var store = storage();
  // On the /chat page itself <html lang> is the server's reading of the same browser: it comes
  // after the browser's own list there, and before it on a host site (a site in Romanian).
  var pageLanguage = normalise(config.ownPage ? config.pageLanguage : document.documentElement.lang);
  var language = normalise(config.language) || (store && normalise(store.getItem(LANGUAGE_KEY))) ||
    (config.ownPage ? null : pageLanguage) || browserLanguage() || pageLanguage ||
    normalise(config.defaultLanguage) || "ru";
  // The widget keeps a reference to this object and sends it with every message.
  var customData = { language: language };
  var widget = null;

  function text(key) {
    return (config[key]) || UI[language][key];
  }

  function injectStyle(colors) {
    var c = colors || {};
    var primary = c.primary || "#0b5394";
    var onPrimary = c.primaryText || "#ffffff";
    var css = [
      ".rw-conversation-container .rw-header, .rw-launcher { background-color: " + primary + " !important; }",
      ".rw-conversation-container .rw-header, .rw-conversation-container .rw-title { color: " + onPrimary + " !important; }",
      // Quick replies outlined: the widget fills them with its own blue, on which our text vanished.
      ".rw-conversation-container .rw-reply { background-color: #fff !important; border-color: " + primary +
        " !important; color: " + primary + " !important; max-width: none; }",
      ".rw-conversation-container .rw-send .rw-send-icon-ready { fill: " + primary + " !important; }",
      ".cc-languages { display: flex; flex-shrink: 0; gap: 6px; justify-content: center; flex-wrap: wrap;",
      "  padding: 6px 8px; background: " + primary + "; border-top: 1px solid rgba(255,255,255,.25); }",
      ".cc-languages button { font: inherit; font-size: 12px; cursor: pointer; border-radius: 12px; padding: 2px 10px;",
      "  border: 1px solid " + onPrimary + "; background: transparent; color: " + onPrimary + "; }",
      ".cc-languages button[aria-pressed=true] { background: " + onPrimary + "; color: " + primary + "; }",
      ".cc-languages .cc-track { flex-basis: 100%; text-align: center; font-size: 12px; color: " + onPrimary + "; }",
      ".cc-typing { flex-shrink: 0; padding: 4px 14px; font-size: 13px; color: #5f6368; background: #fff; }",
      ".cc-typing[hidden] { display: none; }",
      ".cc-typing .cc-dot { display: inline-block; width: 6px; height: 6px; margin-right: 3px; border-radius: 50%;",
      "  background: #9aa0a6; animation: cc-blink 1.2s infinite ease-in-out; }",
      ".cc-typing .cc-dot:nth-child(2) { animation-delay: .2s; } .cc-typing .cc-dot:nth-child(3) { animation-delay: .4s; }",
      "@keyframes cc-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }",
      "@media (prefers-reduced-motion: reduce) { .cc-typing .cc-dot { animation: none; } }",
      // Multi-line replies (the complaint summary) keep their lines.
      ".rw-conversation-container .rw-response .rw-markdown p { white-space: pre-line; }",
      // Embedded (the /chat page): the widget fills its box and keeps its title bar.
      ".rw-widget-embedded { height: 100%; }",
      ".rw-widget-embedded .rw-header { display: flex !important; flex-shrink: 0; position: relative; border-radius: 0; }",
      ".rw-widget-embedded .rw-close-button { display: none !important; }"
    ].join("\n");
    var style = document.createElement("style");
    style.setAttribute("data-complaint-chat", "");
    style.appendChild(document.createTextNode(css));
    document.head.appendChild(style);
  }

  function languageBar() {
    var bar = document.createElement("div");
    bar.className = "cc-languages";
    bar.setAttribute("role", "group");
    LANGUAGES.forEach(function (code) {
      var button = document.createElement("button");
      button.type = "button";
      button.lang = code;
      button.setAttribute("data-language", code);
      button.setAttribute("aria-pressed", String(code === language));
      button.textContent = NAMES[code];
      button.addEventListener("click", function () { setLanguage(code, true); });
      bar.appendChild(button);
    });
    if (config.trackUrl !== false) {
      var link = document.createElement("a");
      link.className = "cc-track";
      link.target = "_blank";
      link.rel = "noopener";
      bar.appendChild(link);
    }
    return bar;
  }

  function trackHref() {
    var url = config.trackUrl || base + "/track";
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "lang=" + language;
  }

  // --- "the assistant is typing": from the customer's message (or the page's opening) to the reply.
  // Read from the conversation itself: it waits while its last message is the customer's, or while
  // it is still empty (the greeting is on its way). A reload showing the stored messages agrees.
  var typing = { waiting: false, since: 0, timer: null };

  function waitingForReply() {
    var groups = document.querySelectorAll(".rw-conversation-container .rw-group-message");
    if (!groups.length) return true;
    return groups[groups.length - 1].classList.contains("rw-from-client");
  }

  function typingLine() {
    var line = document.createElement("div");
    line.className = "cc-typing";
    line.setAttribute("role", "status");
    line.setAttribute("aria-live", "polite");
    line.hidden = true;
    line.innerHTML = '<span class="cc-dot"></span><span class="cc-dot"></span><span class="cc-dot"></span> <span class="cc-typing-text"></span>';
    return line;
  }

  function updateTyping() {
    if (config.typingIndicator === false) return;
    var waiting = waitingForReply();
    if (waiting && !typing.waiting) typing.since = Date.now();
    typing.waiting = waiting;
    var line = document.querySelector(".cc-typing");
    if (!line) return;
    // The widget's own dots (a reply being shown after its delay) say it already.
    var own = document.querySelector(".rw-typing-indication");
    var show = waiting && !own && Date.now() - typing.since < TYPING_GIVES_UP_MS;
    if (line.hidden === show) line.hidden = !show;
    clearTimeout(typing.timer);
    if (show) typing.timer = setTimeout(updateTyping, TYPING_GIVES_UP_MS);
  }

  // The widget takes its title, subtitle and input hint once, when it mounts. After a language
  // button they are put in the new language (those the configuration did not fix), and again
  // whenever the widget re-renders its header.
  function relabel() {
    var put = function (node, key, attribute) {
      if (!node || config[key]) return;
      var want = UI[language][key];
      if (attribute) {
        if (node.getAttribute(attribute) !== want) node.setAttribute(attribute, want);
      } else if (node.textContent !== want) {
        node.textContent = want;
      }
    };
    var title = document.querySelector(".rw-conversation-container .rw-title");
    var subtitle = title && title.nextElementSibling;
    put(title, "title");
    if (subtitle && subtitle.tagName === "SPAN") put(subtitle, "subtitle");
    put(document.querySelector(".rw-conversation-container .rw-new-message"), "placeholder", "placeholder");
    var track = document.querySelector(".cc-languages .cc-track");
    if (track) {
      if (track.textContent !== UI[language].track) track.textContent = UI[language].track;
      if (track.getAttribute("href") !== trackHref()) track.setAttribute("href", trackHref());
    }
    var typingText = document.querySelector(".cc-typing .cc-typing-text");
    if (typingText && typingText.textContent !== UI[language].typing) typingText.textContent = UI[language].typing;
    if (config.ownPage) {
      if (document.documentElement.lang !== language) document.documentElement.lang = language;
      if (document.title !== UI[language].title) document.title = UI[language].title;
    }
  }

  // The buttons go under the widget's title bar. The widget re-renders its conversation box
  // when it opens or closes: the buttons (and the labels) are put back each time.
  function keepLanguageBar() {
    var place = function () {
      var box = document.querySelector(".rw-conversation-container");
      var messages = box && box.querySelector(".rw-messages-container");
      var sender = box && box.querySelector(".rw-sender");
      // Beside the widget's own nodes, never inside them: React keeps those.
      if (sender && !box.querySelector(".cc-typing") && config.typingIndicator !== false) {
        box.insertBefore(typingLine(), sender);
      }
      if (messages && config.languageButtons !== false && !box.querySelector(".cc-languages")) {
        box.insertBefore(languageBar(), messages);
      }
      relabel();
      updateTyping();
    };
    new MutationObserver(place).observe(document.body, { childList: true, subtree: true });
    place();
  }

  function setLanguage(code, tellTheAssistant) {
    code = normalise(code);
    if (!code) return;
    language = code;
    customData.language = code;
    if (store) { try { store.setItem(LANGUAGE_KEY, code); } catch (e) { /* private mode */ } }
    Array.prototype.forEach.call(document.querySelectorAll(".cc-languages button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-language") === code));
    });
    relabel();
    if (tellTheAssistant && widget && widget.sendMessage) {
      widget.sendMessage('/switch_language{"language":"' + code + '"}', NAMES[code]);
    }
  }

  function mount() {
    injectStyle(config.colors);
    var container = config.container ? document.querySelector(config.container) : null;
    var colors = config.colors || {};
    var delay = typeof config.messageDelay === "number" ? config.messageDelay : 300;
    window.WebChat.default({
      socketUrl: config.serverUrl || window.location.origin,
      socketPath: config.socketPath || "/socket.io/",
      customData: customData,
      initPayload: config.initPayload || "/start_chat",
      title: text("title"),
      subtitle: text("subtitle"),
      inputTextFieldHint: text("placeholder"),
      connectingText: UI[language].connecting,
      embedded: !!config.embedded,
      showFullScreenButton: !config.embedded,
      hideWhenNotConnected: false,
      params: { storage: config.storage === "session" ? "session" : "local" },
      customMessageDelay: function () { return delay; },
      userTextColor: colors.userText || "#ffffff",
      userBackgroundColor: colors.userBubble || colors.primary || "#0b5394",
      assistTextColor: colors.botText || "#202124",
      assistBackgoundColor: colors.botBubble || "#f1f3f4", // (sic) the widget's prop name
      innerRef: function (ref) { if (ref) widget = ref; }
    }, container);
    keepLanguageBar();
  }

  config.setLanguage = function (code) { setLanguage(code, true); };
  config.language = language;

  if (window.WebChat && window.WebChat.default) {
    mount();
  } else {
    var loader = document.createElement("script");
    loader.src = (config.widgetUrl || base + "/chat/widget.js");
    loader.async = true;
    loader.onload = mount;
    loader.onerror = function () {
      if (window.console) console.error("complaint chat: could not load " + loader.src);
    };
    document.head.appendChild(loader);
  }
})();
