// The Bounces page while a campaign sends: reload it every data-refresh seconds, so new bounces and a pause
// show without a click; never while the editor is using the filter (a focused control) or the tab is hidden.
(function () {
  "use strict";
  var marker = document.querySelector("[data-refresh]");
  if (!marker) return;
  var seconds = Number(marker.getAttribute("data-refresh")) || 15;
  function later() {
    var busy = document.activeElement && document.activeElement.closest("form");
    if (document.visibilityState === "visible" && !busy) window.location.reload();
    else setTimeout(later, seconds * 1000);
  }
  setTimeout(later, seconds * 1000);
})();
