// Group sessions: quiet polling, the presenter's keyboard shortcuts, the discussion countdown,
// and a spoken note when the step changes. Every live page also works without this file.
(function () {
  "use strict";

  // A poll answered 304 means "nothing changed": keep what is on screen.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
    }
  });

  // Tell screen-reader users on phones when the room moves to another step.
  var lastStep = null;
  function announce() {
    var room = document.querySelector("[data-announce]");
    var note = document.getElementById("live-announcer");
    if (!room || !note) { return; }
    var label = room.getAttribute("data-announce");
    if (lastStep !== null && label !== lastStep) { note.textContent = "Now: " + label; }
    lastStep = label;
  }
  document.addEventListener("htmx:afterSettle", announce);
  document.addEventListener("DOMContentLoaded", announce);

  // The discussion countdown ticks locally between polls; the server owns the end time.
  function tick() {
    var clocks = document.querySelectorAll("[data-countdown-ends]");
    for (var i = 0; i < clocks.length; i++) {
      var ends = Date.parse(clocks[i].getAttribute("data-countdown-ends"));
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var figure = clocks[i].querySelector("[data-countdown-left]");
      if (left === 0) { clocks[i].textContent = "Time is up"; }
      else if (figure) {
        var seconds = left % 60;
        figure.textContent = Math.floor(left / 60) + ":" + (seconds < 10 ? "0" : "") + seconds;
      }
    }
  }
  window.setInterval(tick, 1000);

  // Presenter shortcuts: a clicker sends Page Down / Page Up; the buttons do the work.
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
    var field = document.querySelector('[data-controls] input[name="version"]');
    return field ? field.value : null;
  }
  function drain() {
    pressedAt = null;
    if (waiting.length) { press(waiting.shift()); }
  }
  function press(name) {
    var button = document.querySelector('[data-key="' + name + '"]');
    if (!button || button.disabled) { return; }
    if (name !== "end") {
      if (pressedAt !== null) { waiting.push(name); return; }
      pressedAt = shownVersion();
      var mine = pressedAt;
      window.setTimeout(function () { if (pressedAt === mine) { drain(); } }, 3000);
    }
    button.click();
  }
  document.addEventListener("htmx:afterSettle", function () {
    if (pressedAt !== null && shownVersion() !== pressedAt) { drain(); }
  });
  document.addEventListener("keydown", function (event) {
    if (!document.body.classList.contains("presenter")) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|SUMMARY|A)$/.test(target.tagName))) { return; }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === "h") { document.body.classList.toggle("controls-hidden"); return; }
    if (key === "f") {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
      return;
    }
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
