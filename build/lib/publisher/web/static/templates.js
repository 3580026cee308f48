// The Templates page: Tab indents in the code boxes, the caret goes to a template error's line, and Reset asks first.
(function () {
  "use strict";
  document.querySelectorAll("textarea.code").forEach(function (box) {
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
      event.preventDefault();  // Escape then Tab still leaves the box (see below)
      box.setRangeText("  ", box.selectionStart, box.selectionEnd, "end");
    });
    box.addEventListener("keyup", function (event) {
      if (event.key === "Escape") box.blur();
    });
    var line = parseInt(box.getAttribute("data-error-line") || "", 10);
    if (line > 0) {
      var lines = box.value.split("\n");
      var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
      var end = start + (lines[line - 1] || "").length;
      box.focus();
      box.setSelectionRange(start, end);
      var height = box.scrollHeight / Math.max(lines.length, 1);
      box.scrollTop = Math.max(0, (line - 3) * height);
    }
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
})();
