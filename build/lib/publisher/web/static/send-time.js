// The Send form: set the UTC offset to the browser's own for the chosen date (summer time included),
// unless the editor picked an offset; the server reads the time in whatever offset the form sends.
(function () {
  "use strict";
  var input = document.getElementById("send_at_local");
  var select = document.getElementById("tz_offset");
  if (!input || !select) return;
  var auto = select.getAttribute("data-auto") === "yes";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fill() {
    if (!auto) return;
    var date = input.value ? new Date(input.value) : new Date(); // a value without zone is local time
    if (isNaN(date.getTime())) return;
    var minutes = -date.getTimezoneOffset();
    var value = (minutes < 0 ? "-" : "+") + pad(Math.floor(Math.abs(minutes) / 60)) + ":" + pad(Math.abs(minutes) % 60);
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { select.selectedIndex = i; return; }
    }
  }
  select.addEventListener("change", function () { auto = false; });
  function chosen() {
    fill();
    var later = document.querySelector('input[name="when"][value="later"]');
    if (later && input.value) later.checked = true;
  }
  input.addEventListener("input", chosen);
  input.addEventListener("change", chosen);
  fill();
})();
