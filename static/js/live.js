// Group sessions: quiet polling that never replaces a control from under the user, short
// messages for the page's one announcer, the session page's shortcuts (off until turned on), the
// discussion countdown, and a commitment draft that survives step changes.
// Every live page also works without this file.
(function () {
  "use strict";

  // A poll answered 304 means "nothing changed": keep what is on screen.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  });

  function say(message) {
    document.dispatchEvent(new CustomEvent("announce", { detail: { message: message } }));
  }

  function visible(element) {
    return element && !element.closest("[hidden]") && element.getClientRects().length > 0;
  }

  // --- Parts a response brings along (hx-select-oob): replace only what changed. ---------
  // A part equal to what is on screen is left alone. A part marked data-sync (the controls)
  // is never replaced while it has the same elements: the fresh copy's values, labels and
  // states are copied onto the elements on screen, matched by id, so focus stays put.
  var SYNCED = ["value", "hidden", "aria-disabled", "disabled"];
  function ids(root) {
    return Array.prototype.map.call(root.querySelectorAll("[id]"), function (e) {
      return e.tagName + "#" + e.id;
    }).join(" ");
  }
  function patch(current, fresh) {
    var versionField = current.querySelector("#step-version");
    var version = versionField ? versionField.value : null;
    var olds = current.querySelectorAll("[id]");
    var news = fresh.querySelectorAll("[id]");
    for (var i = 0; i < olds.length; i++) {
      for (var a = 0; a < SYNCED.length; a++) {
        var name = SYNCED[a];
        var value = news[i].getAttribute(name);
        if (value === null) { olds[i].removeAttribute(name); }
        else if (olds[i].getAttribute(name) !== value) { olds[i].setAttribute(name, value); }
      }
      if (olds[i].tagName !== "INPUT" && !news[i].children.length && olds[i].textContent !== news[i].textContent) {
        olds[i].textContent = news[i].textContent;
      }
    }
    if (versionField && versionField.value !== version) { closeConfirms(current); }
  }
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var fresh = event.detail.fragment.firstElementChild;
    if (!fresh || !target) { return; }
    if (target.isEqualNode(fresh)) { event.detail.shouldSwap = false; return; }
    if (target.hasAttribute("data-sync") && ids(target) === ids(fresh)) {
      patch(target, fresh);
      event.detail.shouldSwap = false;
    }
  });

  // --- Focus: if a swap took away the element that had focus, put it somewhere deliberate.
  var hadFocus = false;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    hadFocus = !!(active && active !== document.body && active.closest("#control-view, #room"));
  });
  function focusFallback() {
    var active = document.activeElement;
    if (!hadFocus || (active && active !== document.body)) { return; }
    hadFocus = false;
    var target = document.getElementById("control-next");
    if (!visible(target)) { target = document.querySelector("#room h1, #stage h1, #remote-step h1"); }
    if (target) {
      if (!target.matches("button, a, input, textarea, summary")) { target.setAttribute("tabindex", "-1"); }
      target.focus();
    }
  }

  // --- Announcements: the new step, and how many joined (at most one count every 10 s). ---
  var lastStep = null;
  var lastJoined = null;
  var countSaidAt = 0;
  var countTimer = null;
  var COUNT_GAP = 10000;
  function pollElement() {
    return document.querySelector("#live-poll, #room[data-step-message]");
  }
  function sayCount() {
    countTimer = null;
    var poll = document.getElementById("live-poll");
    if (!poll || !poll.hasAttribute("data-joined")) { return; }
    var joined = poll.getAttribute("data-joined");
    if (joined === lastJoined) { return; }
    lastJoined = joined;
    countSaidAt = Date.now();
    say(joined === "1" ? "1 person has joined" : joined + " people have joined");
  }
  function noticeChanges() {
    var poll = pollElement();
    if (!poll) { return; }
    var step = poll.getAttribute("data-step-message");
    if (lastStep !== null && step !== lastStep) { say(step); countSaidAt = Date.now(); }
    lastStep = step;
    var joined = poll.getAttribute("data-joined");
    if (joined === null) { return; }
    if (lastJoined === null) { lastJoined = joined; return; }
    if (joined !== lastJoined && countTimer === null) {
      countTimer = window.setTimeout(sayCount, Math.max(0, countSaidAt + COUNT_GAP - Date.now()));
    }
  }

  document.addEventListener("htmx:afterSettle", function () {
    focusFallback();
    noticeChanges();
    keepFieldErrors();
    restoreDraft();
    if (pressedAt !== null && shownVersion() !== pressedAt) { drain(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    noticeChanges();
    restoreDraft();
    setUpShortcutSwitch();
  });

  // --- A facilitator's control that never got an answer (connection dropped, server busy or
  // down): htmx swaps nothing, so without this Enter would seem to do nothing. Say that the
  // step did not change and leave focus on the control, to press again (the version it
  // carries means a press that did arrive is never applied twice). A failed poll is quiet:
  // the next one tries again.
  var FAILED = "Nothing changed: the server could not be reached or was too busy. Press again.";
  function controlFailed(event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || elt.id === "live-poll" || !elt.closest || !elt.closest("#control-view")) { return; }
    waiting = [];
    pressedAt = null;
    say(FAILED);
  }
  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, controlFailed);
  });

  // --- Skip and End ask first: a disclosure holding the "Yes" button (works without JS). --
  function closeConfirms(root) {
    var open = root.querySelectorAll("details[data-confirm][open]");
    for (var i = 0; i < open.length; i++) {
      var inside = open[i].contains(document.activeElement);
      open[i].open = false;
      if (inside) {
        var summary = open[i].querySelector("summary");
        var next = document.getElementById("control-next");
        (visible(summary) ? summary : next).focus();
      }
    }
  }
  function ask(name) {
    var summary = document.querySelector('summary[data-key="' + name + '"]');
    if (!visible(summary)) { return; }
    var details = summary.parentElement;
    details.open = true;
    var yes = details.querySelector("button[type=submit]");
    if (yes) { yes.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var details = event.target.closest && event.target.closest("details[data-confirm][open]");
    if (details) { details.open = false; details.querySelector("summary").focus(); }
  });
  // Back at the first step stays focusable (so focus never drops) but does nothing.
  document.addEventListener("click", function (event) {
    var button = event.target.closest('button[aria-disabled="true"]');
    if (button) { event.preventDefault(); }
  }, true);

  // --- The discussion countdown ticks locally between polls; the server owns the end time.
  function tick() {
    var clocks = document.querySelectorAll("[data-countdown-ends]");
    for (var i = 0; i < clocks.length; i++) {
      var ends = Date.parse(clocks[i].getAttribute("data-countdown-ends"));
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var figure = clocks[i].querySelector("[data-countdown-left]");
      if (left === 0) {
        clocks[i].textContent = clocks[i].getAttribute("data-countdown-done") || "Time is up";
        askWhenDone(clocks[i]);
      }
      else if (figure) {
        var seconds = left % 60;
        figure.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
      }
    }
  }
  window.setInterval(tick, 1000);
  // A voting countdown's end is the server's to act on (it reveals the results): ask it now
  // rather than at the next poll, once per countdown.
  function askWhenDone(clock) {
    if (clock.hasAttribute("data-asked")) { return; }
    clock.setAttribute("data-asked", "");
    var poll = document.querySelector("#live-poll[hx-get], #room[hx-get]");
    if (poll && window.htmx) { window.htmx.trigger(poll, "countdown-ended"); }
  }

  // --- What a phone is typing: kept in place (hx-preserve) and, for steps that take the box
  // away and bring it back, in this tab's sessionStorage until it is saved.
  function draftKey(field) { return "allyship-draft:" + field.getAttribute("data-draft"); }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-draft")) {
      try { window.sessionStorage.setItem(draftKey(field), field.value); } catch (e) { /* private mode */ }
    }
  });
  function restoreDraft() {
    var fields = document.querySelectorAll("textarea[data-draft]");
    if (!fields.length) { return; }
    try {
      // Keys are "allyship-draft:<room>:<person>:<field>": another person's drafts in this tab go.
      var owner = draftKey(fields[0]).replace(/[^:]*$/, "");
      if (window.forgetDrafts) { window.forgetDrafts(owner); }
      var done = document.getElementById("commitment-saved") || document.getElementById("commitment-kept");
      for (var i = 0; i < fields.length; i++) {
        if (done) { window.sessionStorage.removeItem(draftKey(fields[i])); continue; }
        var draft = window.sessionStorage.getItem(draftKey(fields[i]));
        if (draft && !fields[i].value) { fields[i].value = draft; }
      }
    } catch (e) { /* storage refused: the box still works */ }
  }
  // A preserved field is the old element: point it at the error that came with the swap.
  function keepFieldErrors() {
    var fields = document.querySelectorAll("[hx-preserve][id]");
    for (var i = 0; i < fields.length; i++) {
      var id = fields[i].id + "-error";
      var described = (fields[i].getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
        return x && x !== id;
      });
      if (document.getElementById(id)) {
        fields[i].setAttribute("aria-invalid", "true");
        described.unshift(id);
      } else {
        fields[i].removeAttribute("aria-invalid");
      }
      if (described.length) { fields[i].setAttribute("aria-describedby", described.join(" ")); }
      else { fields[i].removeAttribute("aria-describedby"); }
    }
  }

  // --- Session page shortcuts (the laptop drives the projector): off until "Use single-key shortcuts" is ticked (remembered in
  // this browser). A clicker sends Page Down / Page Up; the buttons do the work.
  var SWITCH_KEY = "allyship-live-shortcuts";
  function shortcutsOn() {
    var box = document.getElementById("use-shortcuts");
    return !!(box && box.checked);
  }
  function setUpShortcutSwitch() {
    var box = document.getElementById("use-shortcuts");
    if (!box) { return; }
    box.closest("[data-shortcut-switch]").hidden = false;
    try { box.checked = window.localStorage.getItem(SWITCH_KEY) === "on"; } catch (e) { box.checked = false; }
    box.addEventListener("change", function () {
      try { window.localStorage.setItem(SWITCH_KEY, box.checked ? "on" : "off"); } catch (e) { /* kept for this page */ }
      say(box.checked ? "Single-key shortcuts on" : "Single-key shortcuts off");
    });
  }
  var KEYS = {
    "ArrowRight": "next", "PageDown": "next", " ": "next", "n": "next",
    "ArrowLeft": "back", "PageUp": "back", "b": "back", "p": "back",
    "s": "skip", "c": "countdown", "e": "end"
  };
  // Keys pressed while a step change is on its way wait for the new step (and its version),
  // so a quick double press moves two steps instead of being refused as stale.
  var waiting = [];
  var pressedAt = null;  // the version shown when the last key was pressed, while it is on its way
  function shownVersion() {
    var field = document.getElementById("step-version");
    return field ? field.value : null;
  }
  function drain() {
    pressedAt = null;
    if (waiting.length) { press(waiting.shift()); }
  }
  function press(name) {
    if (name === "skip" || name === "end") { ask(name); return; }
    var button = document.querySelector('[data-key="' + name + '"]');
    if (!button || button.disabled || button.getAttribute("aria-disabled") === "true") { return; }
    if (pressedAt !== null) { waiting.push(name); return; }
    pressedAt = shownVersion();
    var mine = pressedAt;
    window.setTimeout(function () { if (pressedAt === mine) { drain(); } }, 3000);
    button.click();
  }
  document.addEventListener("keydown", function (event) {
    if (!shortcutsOn()) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|SUMMARY|A)$/.test(target.tagName))) { return; }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "?") {
      var help = document.querySelector("[data-shortcuts]");
      if (help) { help.open = !help.open; }
      return;
    }
    if (KEYS[key]) {
      event.preventDefault();
      press(KEYS[key]);
    }
  });
})();
