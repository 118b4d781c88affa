/*
 * Chat widget of the Cités de l'emploi assistant. One tag embeds it on any page:
 *   <script src="https://ASSISTANT/webhooks/web/widget.js" data-territory="demo" defer></script>
 * `data-territory` names the page's territory (its file's name); without it, the default one.
 * It talks to the endpoints next to this file (webhook, feedback). No framework, no build step:
 * partners' pages and cheap phones load only this file and widget.css.
 *
 * Message text always goes through textContent, never innerHTML: whatever the bot or the
 * resident writes is shown as text. The conversation (random sender id and history) lives in
 * sessionStorage: it survives a reload but is forgotten when the tab is closed, which matters
 * on a shared phone. Only the larger-text preference is kept in localStorage.
 *
 * Its words are the `web` section of bot/texts.yml: the channel writes them into TEXTS when it
 * serves this file (channels/web/channel.py), so the widget starts with no extra request.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.citesEmploiWidget) {
    return;
  }
  var BASE = script.src.replace(/widget\.js(\?.*)?$/, "");
  var TERRITORY = script.getAttribute("data-territory");
  var STORE_KEY = "cites-emploi-conversation";
  var LARGE_KEY = "cites-emploi-grand-texte";
  var HISTORY_MAX = 100;
  var MESSAGE_MAX = 1000;
  var TIMEOUT_MS = 60000;
  var TEXTS = __WEB_TEXTS__;
  var canSpeak = "speechSynthesis" in window && "SpeechSynthesisUtterance" in window;

  function storage(kind) {
    try {
      return window[kind];
    } catch (error) {
      return null; // storage blocked (privacy settings): the widget still works, unsaved
    }
  }

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function loadState() {
    var store = storage("sessionStorage");
    try {
      var saved = store && JSON.parse(store.getItem(STORE_KEY));
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.items)) {
        return saved;
      }
    } catch (error) {
      // unreadable: start again
    }
    return { sender: randomId(), items: [], open: false };
  }

  var state = loadState();

  function saveState() {
    var store = storage("sessionStorage");
    state.items = state.items.slice(-HISTORY_MAX);
    try {
      if (store) {
        store.setItem(STORE_KEY, JSON.stringify(state));
      }
    } catch (error) {
      // full or blocked: the conversation goes on, unsaved
    }
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // A text of TEXTS with its {name} placeholders filled.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function frenchDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!parts) {
      return "";
    }
    return Number(parts[3]) + " " + TEXTS.months[Number(parts[2]) - 1] + " " + parts[1];
  }

  // Rasa sends a knowledge answer as a text message then a `custom` one with its sources:
  // fold each custom payload into the text before it.
  function botTurn(messages, userText) {
    var bubbles = [];
    var buttons = [];
    var fiche = null;
    messages.forEach(function (message) {
      if (typeof message.text === "string" && message.text) {
        bubbles.push({ text: message.text });
      }
      if (Array.isArray(message.buttons)) {
        message.buttons.forEach(function (button) {
          if (button && typeof button.title === "string" && typeof button.payload === "string") {
            buttons.push({ title: button.title, payload: button.payload });
          }
        });
      }
      var custom = message.custom;
      // An emergency reply: its text (the number to call) stands out.
      if (custom && custom.danger && bubbles.length) {
        bubbles[bubbles.length - 1].danger = true;
      }
      // An answer (a fiche's or an orientation's): its sources, and it may be read aloud.
      if (custom && Array.isArray(custom.sources) && bubbles.length) {
        bubbles[bubbles.length - 1].sources = custom.sources.filter(function (source) {
          return source && /^https?:\/\//.test(source.url || "");
        }).map(function (source) {
          return { title: String(source.title || source.url), url: source.url,
            verified: source.verified || custom.verified };
        });
        fiche = typeof custom.fiche === "string" ? custom.fiche : fiche;
      }
    });
    return { kind: "bot", bubbles: bubbles, buttons: buttons, fiche: fiche, userText: userText,
      feedback: null };
  }

  /* ---------- the interface ---------- */

  var stylesheet = el("link", { rel: "stylesheet", href: BASE + "widget.css" });
  document.head.appendChild(stylesheet);

  var root = el("div", { "class": "ce-widget", lang: "fr" });
  var launcher = el("button", { type: "button", "class": "ce-launcher",
    "aria-expanded": "false", "aria-controls": "ce-panel" }, TEXTS.launcher);
  var panel = el("section", { id: "ce-panel", "class": "ce-panel",
    "aria-labelledby": "ce-title", hidden: "" });
  // One row on the smallest phones: the title, then icon buttons named for screen readers.
  var header = el("div", { "class": "ce-header" });
  var title = el("h2", { id: "ce-title", "class": "ce-title" }, TEXTS.title);
  var tools = el("div", { "class": "ce-tools" });
  var larger = el("button", { type: "button", "class": "ce-icon", "aria-pressed": "false",
    "aria-label": TEXTS.larger, title: TEXTS.larger }, "A+");
  var reset = el("button", { type: "button", "class": "ce-icon",
    "aria-label": TEXTS.new_conversation, title: TEXTS.new_conversation }, "↺");
  var close = el("button", { type: "button", "class": "ce-icon",
    "aria-label": TEXTS.close_label, title: TEXTS.close }, "×");
  var log = el("div", { "class": "ce-log", role: "log", "aria-live": "polite",
    "aria-label": TEXTS.conversation_label, tabindex: "0" });
  var typing = el("p", { "class": "ce-typing", role: "status" });
  var form = el("form", { "class": "ce-form" });
  var label = el("label", { "for": "ce-input", "class": "ce-label" }, TEXTS.input_label);
  var row = el("div", { "class": "ce-row" });
  var input = el("input", { id: "ce-input", "class": "ce-input", type: "text",
    maxlength: String(MESSAGE_MAX), autocomplete: "off",
    placeholder: TEXTS.input_example });
  var send = el("button", { type: "submit", "class": "ce-send" }, TEXTS.send);

  tools.appendChild(larger);
  tools.appendChild(reset);
  tools.appendChild(close);
  header.appendChild(title);
  header.appendChild(tools);
  row.appendChild(input);
  row.appendChild(send);
  form.appendChild(label);
  form.appendChild(row);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    saveState();
    if (focus) {
      (open ? input : launcher).focus();
    }
  }

  function setLarge(large) {
    root.classList.toggle("ce-large", large);
    larger.setAttribute("aria-pressed", String(large));
    var store = storage("localStorage");
    try {
      if (store) {
        store.setItem(LARGE_KEY, large ? "1" : "0");
      }
    } catch (error) {
      // preference not kept: fine
    }
  }

  function speak(text) {
    window.speechSynthesis.cancel();
    var utterance = new window.SpeechSynthesisUtterance(text);
    utterance.lang = "fr-FR";
    var voice = window.speechSynthesis.getVoices().filter(function (v) {
      return /^fr(-|_|$)/i.test(v.lang);
    })[0];
    if (voice) {
      utterance.voice = voice;
    }
    window.speechSynthesis.speak(utterance);
  }

  // "Sources (2)", folded; under it the day of the least recently read one: "À jour au …".
  function renderSources(sources) {
    var block = el("div", { "class": "ce-source" });
    var details = el("details", { "class": "ce-sources" });
    details.appendChild(el("summary", {}, fill(TEXTS.sources, { count: sources.length })));
    var list = el("ul", {});
    sources.forEach(function (source) {
      var item = el("li", {});
      item.appendChild(el("a", { href: source.url, target: "_blank", rel: "noopener noreferrer" },
        source.title));
      var read = frenchDate(source.verified);
      if (read) {
        item.appendChild(document.createTextNode(" " + fill(TEXTS.source_verified, { date: read })));
      }
      list.appendChild(item);
    });
    details.appendChild(list);
    block.appendChild(details);
    var oldest = sources.map(function (source) { return source.verified || ""; })
      .filter(Boolean).sort()[0];
    if (oldest) {
      block.appendChild(el("p", { "class": "ce-updated" },
        fill(TEXTS.updated, { date: frenchDate(oldest) })));
    }
    return block;
  }

  function renderFeedback(item) {
    var box = el("div", { "class": "ce-feedback" });
    if (item.feedback !== null) {
      box.appendChild(el("p", { "class": "ce-thanks" }, TEXTS.feedback_thanks));
      return box;
    }
    var group = el("div", { role: "group", "aria-label": TEXTS.feedback_label });
    group.appendChild(el("span", { "class": "ce-question", "aria-hidden": "true" },
      TEXTS.feedback_question));
    [[true, TEXTS.useful], [false, TEXTS.not_useful]].forEach(function (choice) {
      var button = el("button", { type: "button", "class": "ce-vote" }, choice[1]);
      button.addEventListener("click", function () {
        sendFeedback(item, choice[0], box);
      });
      group.appendChild(button);
    });
    box.appendChild(group);
    return box;
  }

  function renderItem(item, last) {
    var turn = el("div", { "class": "ce-turn ce-turn-" + item.kind });
    if (item.kind === "user") {
      var mine = el("p", { "class": "ce-bubble ce-user" });
      mine.appendChild(el("span", { "class": "ce-sr" }, TEXTS.you));
      mine.appendChild(document.createTextNode(item.text));
      turn.appendChild(mine);
      return turn;
    }
    item.bubbles.forEach(function (bubble) {
      var box = el("div", { "class": bubble.danger ? "ce-bubble ce-bot ce-danger" : "ce-bubble ce-bot" });
      var text = el("p", { "class": "ce-text" });
      text.appendChild(el("span", { "class": "ce-sr" }, TEXTS.assistant));
      text.appendChild(document.createTextNode(bubble.text));
      box.appendChild(text);
      if (bubble.sources && bubble.sources.length) {
        box.appendChild(renderSources(bubble.sources));
      }
      if (canSpeak && (bubble.sources || bubble.danger)) {
        var listen = el("button", { type: "button", "class": "ce-listen",
          "aria-label": TEXTS.listen_label }, TEXTS.listen);
        listen.addEventListener("click", function () {
          speak(bubble.text);
        });
        box.appendChild(listen);
      }
      turn.appendChild(box);
    });
    if (last && item.buttons.length) {
      var choices = el("div", { "class": "ce-choices", role: "group",
        "aria-label": TEXTS.choices_label });
      item.buttons.forEach(function (choice) {
        var button = el("button", { type: "button", "class": "ce-choice" }, choice.title);
        button.addEventListener("click", function () {
          ask(choice.payload, choice.title);
        });
        choices.appendChild(button);
      });
      turn.appendChild(choices);
    }
    if (item.userText && item.bubbles.length) {
      turn.appendChild(renderFeedback(item));
    }
    return turn;
  }

  function renderAll() {
    log.textContent = "";
    var welcome = el("p", { "class": "ce-bubble ce-bot ce-welcome" });
    welcome.appendChild(el("span", { "class": "ce-sr" }, TEXTS.assistant));
    welcome.appendChild(document.createTextNode(TEXTS.welcome));
    log.appendChild(welcome);
    state.items.forEach(function (item, index) {
      log.appendChild(renderItem(item, index === state.items.length - 1));
    });
    log.scrollTop = log.scrollHeight;
  }

  function append(item) {
    var previous = log.querySelector(".ce-choices");
    if (previous) {
      previous.remove(); // quick replies only for the latest answer
    }
    state.items.push(item);
    saveState();
    log.appendChild(renderItem(item, true));
    log.scrollTop = log.scrollHeight;
  }

  function post(path, body) {
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    if (TERRITORY) {
      body.territory = TERRITORY;
    }
    return fetch(BASE + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          throw { shown: data && typeof data.message === "string" ? data.message : "" };
        }
        return data;
      });
    }).finally(function () {
      clearTimeout(timer);
    });
  }

  var busy = false;

  function setBusy(value) {
    busy = value;
    typing.textContent = value ? TEXTS.typing : "";
    typing.classList.toggle("ce-active", value);
    send.disabled = value;
  }

  // `message` goes to the bot (a button's payload); `shown` is what the resident sees.
  function ask(message, shown) {
    if (busy) {
      return;
    }
    append({ kind: "user", text: shown });
    setBusy(true);
    input.focus();
    post("webhook", { sender: state.sender, message: message }).then(function (messages) {
      append(botTurn(Array.isArray(messages) ? messages : [], shown));
    }).catch(function (error) {
      append({ kind: "bot", bubbles: [{ text: (error && error.shown) || TEXTS.offline }],
      buttons: [], fiche: null, userText: null, feedback: null });
    }).finally(function () {
      setBusy(false);
    });
  }

  function sendFeedback(item, useful, box) {
    var body = { sender: state.sender, useful: useful, bot_text: item.bubbles.map(function (b) {
      return b.text;
    }).join("\n"), user_text: item.userText };
    if (item.fiche) {
      body.fiche = item.fiche;
    }
    box.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    post("feedback", body).then(function () {
      item.feedback = useful;
      saveState();
      var thanks = renderFeedback(item);
      box.replaceWith(thanks);
      input.focus();
    }).catch(function () {
      box.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
      box.appendChild(el("p", { "class": "ce-error" }, TEXTS.feedback_failed));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) {
      return;
    }
    input.value = "";
    ask(text, text);
  });
  launcher.addEventListener("click", function () { setOpen(true, true); });
  close.addEventListener("click", function () { setOpen(false, true); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setOpen(false, true);
    }
  });
  larger.addEventListener("click", function () {
    setLarge(larger.getAttribute("aria-pressed") !== "true");
  });
  reset.addEventListener("click", function () {
    if (canSpeak) {
      window.speechSynthesis.cancel();
    }
    state = { sender: randomId(), items: [], open: true };
    saveState();
    renderAll();
    input.focus();
  });

  var largeStore = storage("localStorage");
  setLarge(Boolean(largeStore && largeStore.getItem(LARGE_KEY) === "1"));
  renderAll();
  document.body.appendChild(root);
  setOpen(Boolean(state.open), false);
  window.citesEmploiWidget = { open: function () { setOpen(true, true); } };
})();
