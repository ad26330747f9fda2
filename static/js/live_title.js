// The page title follows the live step (WCAG 2.4.2): a polled or pushed swap brings the
// server's title for the new step in data-page-title (templates/live/_macros.html poller,
// templates/live/_room.html), and this copies it to document.title. Without this file the
// title is right after every full page load, as the server writes it.
(function () {
  "use strict";
  var SITE = " · Allies in Practice";
  document.addEventListener("htmx:afterSettle", function () {
    var source = document.querySelector("[data-page-title]");
    var title = source ? source.getAttribute("data-page-title") : "";
    if (title && document.title !== title + SITE) { document.title = title + SITE; }
  });
})();
