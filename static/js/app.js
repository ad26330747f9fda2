// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Print buttons (no inline handlers: the CSP forbids inline script).
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-print]");
    if (target) { event.preventDefault(); window.print(); }
  });
  // A form shown again with problems: start at the summary of what to fix.
  var summary = document.querySelector(".error-summary[data-focus]");
  if (summary) { summary.focus(); }
  // The server's "announce" event (HX-Trigger-After-Settle, see app/announce.py): say the
  // message in the page's one live region and move focus where the server asks.
  var announcer = document.getElementById("announcer");
  document.addEventListener("announce", function (event) {
    var detail = event.detail || {};
    if (announcer && detail.message) {
      announcer.textContent = "";  // a repeated message is announced again
      window.setTimeout(function () { announcer.textContent = detail.message; }, 50);
    }
    var focus = detail.focus ? document.querySelector(detail.focus) : null;
    if (focus) {
      if (!focus.hasAttribute("tabindex") && !focus.matches("a, button, input, select, textarea")) {
        focus.setAttribute("tabindex", "-1");
      }
      focus.focus();
    }
  });
  // Move focus to content htmx swapped in when it asks for it, for screen-reader users.
  document.addEventListener("htmx:afterSwap", function (event) {
    var focus = event.detail.target.querySelector("[data-focus]");
    if (focus) { focus.focus(); }
  });
})();
