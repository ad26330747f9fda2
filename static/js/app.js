// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var body = document.body;
  // Drafts a live room keeps in this tab are the signed-in person's: they go at sign-out, and
  // a page keyed to someone else drops them (live.js): every draft not under `keep` goes.
  window.forgetDrafts = function (keep) {
    try {
      var store = window.sessionStorage;
      for (var i = store.length - 1; i >= 0; i--) {
        var key = store.key(i);
        if (key && key.indexOf("allyship-draft:") === 0 && !(keep && key.indexOf(keep) === 0)) { store.removeItem(key); }
      }
    } catch (e) { /* storage refused: nothing was kept */ }
  };
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form.logout")) { window.forgetDrafts(null); }
  });
  // Print buttons (no inline handlers: the CSP forbids inline script).
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) { event.preventDefault(); window.print(); }
  });
  function focusOn(element) {
    if (!element.hasAttribute("tabindex") && !element.matches("a, button, input, select, textarea")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }
  // A form shown again with problems: start at the summary of what to fix; else at what the
  // person's own action produced (a quiz result).
  var start = document.querySelector(".error-summary[data-focus]") || document.querySelector("[data-focus-on-load]");
  if (start) { start.focus(); }
  // Times the server writes in UTC ("8 Dec 2026, 05:36 UTC") are shown in the reader's own
  // time zone too; without this file the UTC text stands.
  document.querySelectorAll("time[data-local]").forEach(function (time) {
    var when = new Date(time.getAttribute("datetime"));
    if (isNaN(when)) { return; }
    time.textContent = when.toLocaleString([], {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
    }) + " (your time)";
  });
  // The server's "announce" event (HX-Trigger-After-Settle, see app/web/announce.py): say the
  // message in the page's one live region and move focus where the server asks.
  var announcer = document.getElementById("announcer");
  document.addEventListener("announce", function (event) {
    var detail = event.detail || {};
    if (announcer && detail.message) {
      announcer.textContent = "";  // a repeated message is announced again
      window.setTimeout(function () { announcer.textContent = detail.message; }, 50);
    }
    var focus = detail.focus ? document.querySelector(detail.focus) : null;
    if (focus) { focusOn(focus); }
  });
  // Move focus to content htmx swapped in when it asks for it, for screen-reader users.
  document.addEventListener("htmx:afterSwap", function (event) {
    var focus = event.detail.target.querySelector("[data-focus]");
    if (focus) { focus.focus(); }
  });
  // Back and Forward restore a page htmx saved as it was first drawn, filters included:
  // set each filter form's fields from the address, so they match the results shown.
  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-fill-from-url]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name) { return; }
        var value = params.get(field.name);
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = value === field.value;
        } else if (field.tagName === "SELECT") {
          field.value = value || "";
          if (field.selectedIndex < 0) { field.selectedIndex = 0; }
        } else if (field.type !== "hidden" && field.type !== "submit") {
          field.value = value || "";
        }
      });
    });
  });
  // The people table's selection (hr/_people_table.html): "select all on this page" ticks
  // every row, and each change says how many are selected through the one announcer.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-selection]");
    if (!form) { return; }
    var rows = form.querySelectorAll("input[name=ids]");
    if (event.target.matches("[data-select-page]")) {
      rows.forEach(function (box) { box.checked = event.target.checked; });
    } else if (event.target.name === "ids" && !event.target.checked) {
      form.querySelector("[data-select-page]").checked = false;
    }
    var message = selectionCount(form);
    document.dispatchEvent(new CustomEvent("announce", { detail: { message: message } }));
  });
  // The count is worked out again from the boxes whenever the table is drawn (a refusal
  // that gives the ticks back, Back or Forward, a page swapped in): it never outlives them.
  function recount() {
    var form = document.querySelector("form[data-selection]");
    var count = document.getElementById("selection-count");
    if (!form || !count) { return; }
    if (form.querySelectorAll("input[name=ids]:checked, [data-select-matching]:checked").length) {
      selectionCount(form);
    } else {
      count.textContent = count.dataset.hint;
    }
  }
  window.addEventListener("pageshow", recount);
  document.addEventListener("htmx:afterSettle", recount);
  document.addEventListener("htmx:historyRestore", recount);
  function selectionCount(form) {
    var matching = form.querySelector("[data-select-matching]");
    var ticked = form.querySelectorAll("input[name=ids]:checked").length;
    var message = matching.checked
      ? "All " + form.querySelector("input[name=seen]").value + " people that match the filter are selected"
      : ticked + (ticked === 1 ? " person" : " people") + " selected on this page";
    var count = document.getElementById("selection-count");
    if (count) { count.textContent = message + "."; }
    return message;
  }
  sessionWarning();

  // Warn before the sign-in ends (WCAG 2.2.1): base.html says how many seconds are left;
  // "Stay signed in" starts the idle time again without reloading, so nothing typed is lost.
  function sessionWarning() {
    var dialog = document.getElementById("session-warning");
    if (!dialog || !body.dataset.sessionEndsIn || typeof dialog.showModal !== "function") { return; }
    var LEAD = 150 * 1000;  // two and a half minutes: at least two, whatever the delays
    var TOUCH = 60 * 1000;  // the server moves the idle time on at most a minute late
    var idle = Number(body.dataset.sessionIdle) * 1000;
    var final = body.hasAttribute("data-session-final");
    var deadline = Date.now() + Number(body.dataset.sessionEndsIn) * 1000;
    var text = document.getElementById("session-warning-text");
    var stay = dialog.querySelector("[data-stay-signed-in]");
    var timer = null;
    var returnTo = null;
    function arm() {
      window.clearTimeout(timer);
      timer = window.setTimeout(warn, Math.max(0, deadline - LEAD - Date.now()));
    }
    function at() {
      return new Date(deadline).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
    function warn() {
      text.textContent = (final ? text.dataset.finalText : text.dataset.idleText).replace("{time}", at());
      stay.hidden = final;
      if (!dialog.open) {
        returnTo = document.activeElement;
        dialog.showModal();
        (final ? dialog.querySelector("[data-dismiss]") : stay).focus();
      }
    }
    dialog.addEventListener("close", function () {
      if (returnTo && document.contains(returnTo)) { returnTo.focus(); }
    });
    dialog.querySelector("[data-dismiss]").addEventListener("click", function () { dialog.close(); });
    stay.addEventListener("click", function () {
      var token = JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
      window.fetch("/session/keep-alive", {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "X-CSRF-Token": token, "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("signed out"); }
        return response.json();
      }).then(function (left) {
        deadline = Date.now() + left.seconds_left * 1000;
        final = left.final;
        arm();
        dialog.close();
        document.dispatchEvent(new CustomEvent("announce", { detail: { message: "You are still signed in, until " + at() + " if you do nothing" } }));
      }).catch(function () {
        text.textContent = "Your sign-in has already ended. Copy anything you typed, then sign in again in another tab.";
        stay.hidden = true;
        dialog.querySelector("[data-dismiss]").focus();
      });
    });
    // Whatever the page sends the server counts as activity there too.
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful && !final) {
        deadline = Math.max(deadline, Date.now() + idle - TOUCH);
        arm();
      }
    });
    arm();
  }
})();
