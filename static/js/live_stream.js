// Live rooms: the room's event stream (htmx's SSE extension on [data-live-stream]). A `view`
// event brings the polled element's new fragment (#room on phones, #live-poll with the parts it
// brings along on the facilitator's pages), swapped as a poll's answer would be; a `change`
// event has the polled element fetch its view at once. While the stream is open the
// once-a-second polls are skipped; when it fails, is refused or closes, polling carries on.
(function () {
  "use strict";

  var open = false;
  var pressing = [];  // the requests of votes, answers or control presses on their way: their answers come first
  var held = null;   // the newest view that came while one was on its way
  function fromStream(event) {
    return event.target && event.target.matches && event.target.matches("[data-live-stream]");
  }
  function polledElement() {
    return document.querySelector("#live-poll[hx-get], #room[hx-get]");
  }
  function versionOf(element) {
    var version = element && element.getAttribute("data-version");
    return version === null || version === undefined ? -1 : parseInt(version, 10);
  }
  // An older view never replaces a newer one: a phone's own answer (its vote) is newer than a
  // view of the same version, a control's answer newer than a view of an older version.
  function stale(polled, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("#" + polled.id);
    if (!fresh) { return true; }
    var shown = versionOf(polled);
    var coming = versionOf(fresh);
    return coming < shown || (polled.id === "room" && coming === shown);
  }
  function show(html) {
    var polled = polledElement();
    if (!polled || stale(polled, html)) { return; }
    var context = polled.closest("[hx-select-oob]");
    htmx.swap(polled, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 20 }, {
      select: polled.id === "live-poll" ? "#live-poll" : null,
      selectOOB: context ? context.getAttribute("hx-select-oob") : null,
      eventInfo: { elt: polled, target: polled },
      contextElement: polled
    });
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
    if (event.detail && event.detail.type === "view") {
      if (pressing.length) { held = event.detail.data; } else { show(event.detail.data); }
      return;
    }
    var polled = polledElement();
    if (polled) { htmx.trigger(polled, "live:changed"); }
  });
  function isPress(elt) {
    return !!(elt && elt.closest && !elt.hasAttribute("data-live-poll") && elt.closest("#room, #control-view"));
  }
  // A press is known by its request: its answer may replace the pressed element, and htmx then
  // reports afterRequest on an ancestor still on the page (as detail.elt), outside the room.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPress(event.detail.elt)) { pressing.push(event.detail.xhr); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var at = pressing.indexOf(event.detail.xhr);
    if (at < 0) { return; }
    pressing.splice(at, 1);
    if (!pressing.length && held !== null) {
      var html = held;
      held = null;
      window.setTimeout(function () { show(html); }, 50);  // after the answer's own swap
    }
  });
  // A poll has no triggering event; a fetch the stream asked for has one.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (open && !event.detail.triggeringEvent && elt && elt.hasAttribute("data-live-poll")) {
      event.preventDefault();
    }
  });
})();
