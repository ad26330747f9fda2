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
  // Move focus to content htmx swapped in when it asks for it, for screen-reader users.
  document.addEventListener("htmx:afterSwap", function (event) {
    var focus = event.detail.target.querySelector("[data-focus]");
    if (focus) { focus.focus(); }
  });
})();
