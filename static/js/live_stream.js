// Live rooms: the room's event stream (htmx's SSE extension on [data-live-stream]) says when
// the room changed, and the polled element (#room on phones, #live-poll on the facilitator's
// pages) fetches its view at once. While the stream is open the once-a-second polls are
// skipped; when it fails, is refused or closes, polling carries on as before.
(function () {
  "use strict";

  var open = false;
  function fromStream(event) {
    return event.target && event.target.matches && event.target.matches("[data-live-stream]");
  }
  document.addEventListener("htmx:sseOpen", function (event) {
    if (fromStream(event)) { open = true; }
  });
  ["htmx:sseError", "htmx:sseClose"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (fromStream(event)) { open = false; }
    });
  });
  document.addEventListener("htmx:sseMessage", function (event) {
    if (!fromStream(event)) { return; }
    var polled = document.querySelector("#live-poll[hx-get], #room[hx-get]");
    if (polled) { htmx.trigger(polled, "live:changed"); }
  });
  // A poll has no triggering event; a fetch the stream asked for has one.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (open && !event.detail.triggeringEvent && elt && elt.hasAttribute("data-live-poll")) {
      event.preventDefault();
    }
  });
})();
