// A publish's timeline page (issue 16): poll its JSON every few seconds and redraw, until everything is final.
// Without JavaScript the page shows the state at load; text goes in with textContent, never as HTML.
(function () {
  "use strict";
  var box = document.getElementById("timeline");
  if (!box || box.getAttribute("data-final") === "yes") return;
  var url = box.getAttribute("data-url");
  var every = (Number(box.getAttribute("data-poll")) || 2) * 1000;
  function n(value) { return Number(value).toLocaleString("en-US"); }
  function set(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }
  function time(at) {
    var el = document.createElement("time");
    el.setAttribute("datetime", at);
    el.textContent = at.slice(11, 19);
    return el;
  }
  function span(cls, text) { var el = document.createElement("span"); el.className = cls; el.textContent = text; return el; }
  function entry(e) {
    var li = document.createElement("li");
    li.className = "entry entry-" + e.kind + (e.error || e.state === "failed" ? " failed" : "");
    var when = span("entry-time", "");
    if (e.at) when.appendChild(time(e.at));
    li.appendChild(when);
    li.appendChild(span("entry-text", e.text));
    if (e.url && /^https?:\/\//.test(e.url)) {
      var a = document.createElement("a");
      a.className = "entry-url"; a.href = e.url; a.rel = "noopener"; a.textContent = e.url;
      li.appendChild(a);
    }
    if (e.code) li.appendChild(span("entry-code", "response " + e.code));
    if (e.error && e.kind !== "error") li.appendChild(span("entry-why", e.error));
    return li;
  }
  function show(t) {
    var d = t.digest;
    if (d) {
      var bar = document.getElementById("digest-bar");
      if (bar) bar.value = d.percent;
      set("digest-sent", n(d.counts.sent)); set("digest-failed", n(d.counts.failed));
      set("digest-pending", n(d.pending)); set("digest-total", n(d.total));
      var state = document.getElementById("digest-state");
      if (state) { state.textContent = d.state; state.className = "badge state-" + d.state; }
    }
    var list = document.getElementById("entries");
    list.replaceChildren.apply(list, t.entries.map(entry));
    set("overall", t.summary);
    box.setAttribute("data-final", t.final ? "yes" : "no");
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) {
        if (t) show(t);
        if (!t || !t.final) setTimeout(poll, every);
      })
      .catch(function () { setTimeout(poll, every * 2); });
  }
  setTimeout(poll, every);
})();
