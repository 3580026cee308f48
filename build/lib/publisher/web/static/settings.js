// The Settings page: show the accent colour's hex beside the colour picker as it changes.
(function () {
  "use strict";
  var picker = document.getElementById("accent_colour");
  var hex = document.getElementById("accent-hex");
  if (!picker || !hex) return;
  picker.addEventListener("input", function () { hex.textContent = picker.value; });
})();
