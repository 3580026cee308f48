// The campaign page's live progress: poll the progress URL every second until the campaign is final.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  // A share campaign's table of posts (and their URLs) is drawn by the server: once the campaign that was
  // running when the page loaded is final, load the page again to show where each post went.
  var reloadWhenFinal = box.getAttribute("data-final") !== "yes" && document.getElementById("posts") !== null;
  function show(p) {
    document.getElementById("bar").value = p.percent;
    document.getElementById("percent").textContent = p.percent + "%";
    document.getElementById("finished").textContent = Number(p.finished).toLocaleString("en-US");
    document.getElementById("total").textContent = Number(p.total).toLocaleString("en-US");
    var state = document.getElementById("state");
    state.textContent = p.state;
    state.className = "badge state-" + p.state;
    var reason = document.getElementById("pause-reason");
    reason.hidden = !p.pause_reason;
    document.getElementById("pause-reason-text").textContent = p.pause_reason || "";
    Object.keys(p.counts).forEach(function (name) {
      var cell = document.getElementById("count-" + name);
      if (cell) cell.textContent = Number(p.counts[name]).toLocaleString("en-US");
    });
    var enabled = { pause: p.can_pause, resume: p.can_resume, cancel: p.can_cancel };
    box.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = !enabled[form.getAttribute("data-action")];
    });
    box.setAttribute("data-final", p.final ? "yes" : "no");
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p) show(p);
        if (p && p.final && reloadWhenFinal) window.location.reload();
        else if (!p || !p.final) setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
