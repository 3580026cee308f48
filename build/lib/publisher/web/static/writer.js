// The writer (issue 11): a formatting toolbar, a live preview of the email as readers get it (rendered by the
// server, refreshed as you type), images by button, drag-and-drop or paste (each asks for its alt text), and
// a warning before leaving with unsaved changes. Without this script the form still saves.
(function () {
  "use strict";
  var form = document.getElementById("writer");
  if (!form) return;
  var text = document.getElementById("markdown");
  var title = document.getElementById("title");
  var frame = document.getElementById("preview");
  var problem = document.getElementById("preview-problem");
  var saveState = document.getElementById("save-state");
  var uploadState = document.getElementById("upload-state");
  var fileInput = document.getElementById("image-file");
  var dialog = document.getElementById("alt-dialog");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var dirty = form.getAttribute("data-saved") !== "yes" && (text.value.trim() !== "" || title.value.trim() !== "");
  var timer = null;
  var pending = null; // the preview request in flight

  form.querySelector(".md-toolbar").hidden = false;
  form.querySelector(".writer-preview").hidden = false;
  form.classList.add("with-preview");

  // --- saved state and the unsaved-changes warning ---
  function showState() {
    saveState.textContent = dirty ? "Unsaved changes" : form.getAttribute("data-saved") === "yes" ? "Saved" : "";
    saveState.className = "save-state" + (dirty ? " dirty" : "");
  }
  function changed() {
    dirty = true;
    showState();
    schedulePreview();
  }
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
  form.addEventListener("submit", function () { dirty = false; });
  text.addEventListener("input", changed);
  title.addEventListener("input", changed);

  // --- the live preview ---
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 400);
  }
  function refreshPreview() {
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("title", title.value);
    body.append("markdown", text.value);
    body.append("lang", form.querySelector("input[name=lang]").value);
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST", body: body, credentials: "same-origin", signal: pending.signal,
      headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : { html: "", problem: "The preview is unavailable (" + r.status + ")." }; })
      .then(function (p) {
        problem.hidden = !p.problem;
        problem.textContent = p.problem || "";
        if (p.html) frame.srcdoc = p.html;
      })
      .catch(function (err) { if (err.name !== "AbortError") { problem.hidden = false; problem.textContent = "The preview is unavailable."; } });
  }
  var widths = form.querySelectorAll(".segmented button");
  function showWidth(button) {
    frame.width = button.getAttribute("data-width");
    widths.forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
    form.classList.toggle("phone", button.getAttribute("data-width") === "375");
  }
  widths.forEach(function (button) { button.addEventListener("click", function () { showWidth(button); }); });
  if (window.innerWidth < 720) showWidth(widths[1]); // on a phone, the preview starts at phone width

  // --- the toolbar ---
  function replaceSelection(make) {
    var start = text.selectionStart, end = text.selectionEnd;
    var out = make(text.value.slice(start, end));
    text.setRangeText(out.text, start, end, "end");
    if (out.select) text.setSelectionRange(start + out.select[0], start + out.select[1]);
    text.focus();
    changed();
  }
  function wrap(mark, placeholder) {
    replaceSelection(function (s) {
      var inner = s || placeholder;
      return { text: mark + inner + mark, select: [mark.length, mark.length + inner.length] };
    });
  }
  function prefixLines(prefix) {
    var start = text.value.lastIndexOf("\n", text.selectionStart - 1) + 1;
    text.setSelectionRange(start, text.selectionEnd);
    replaceSelection(function (s) {
      var lines = (s || "text").split("\n").map(function (line) { return prefix + line; }).join("\n");
      return { text: lines };
    });
  }
  var actions = {
    bold: function () { wrap("**", "bold text"); },
    italic: function () { wrap("_", "italic text"); },
    code: function () {
      var s = text.value.slice(text.selectionStart, text.selectionEnd);
      if (s.indexOf("\n") >= 0) replaceSelection(function (c) { return { text: "```\n" + c + "\n```" }; });
      else wrap("`", "code");
    },
    link: function () {
      replaceSelection(function (s) {
        var label = s || "link text";
        return { text: "[" + label + "](https://)", select: [label.length + 3, label.length + 11] };
      });
    },
    heading: function () { prefixLines("## "); },
    list: function () { prefixLines("- "); },
    quote: function () { prefixLines("> "); },
    image: function () { fileInput.click(); }
  };
  form.querySelectorAll("[data-md]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.getAttribute("data-md")](); });
  });
  text.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey)) return;
    var key = { b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()];
    if (key) { event.preventDefault(); actions[key](); }
  });

  // --- images: upload, ask for the alt text, insert ![alt](url) ---
  var queue = Promise.resolve();
  function escapeAlt(alt) { return alt.replace(/([\\\[\]*_`<])/g, "\\$1").replace(/\s+/g, " ").trim(); }
  function askAlt(image) {
    return new Promise(function (resolve) {
      var input = document.getElementById("alt-text");
      var thumb = document.getElementById("alt-thumb");
      thumb.src = image.url;
      input.value = "";
      function done(value) {
        dialog.removeEventListener("close", onClose);
        resolve(value);
      }
      function onClose() { done(dialog.returnValue === "insert" ? input.value : null); }
      dialog.addEventListener("close", onClose);
      document.getElementById("alt-cancel").onclick = function () { dialog.close("cancel"); };
      dialog.returnValue = "";
      dialog.showModal();
      input.focus();
    });
  }
  function insertImage(markdown, at) {
    var before = text.value.slice(0, at), after = text.value.slice(at);
    var lead = before === "" || /\n\n$/.test(before) ? "" : /\n$/.test(before) ? "\n" : "\n\n";
    var tail = /^\n\n/.test(after) ? "" : /^\n/.test(after) ? "\n" : "\n\n";
    text.setRangeText(lead + markdown + tail, at, at, "end");
    changed();
  }
  function upload(file) {
    var at = text.selectionEnd;
    uploadState.textContent = "Uploading " + file.name + "…";
    var body = new FormData();
    body.append("csrf_token", csrf);
    body.append("file", file, file.name);
    return fetch(form.getAttribute("data-media-url"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return { detail: "the upload was refused (" + r.status + ")" }; })
          .then(function (data) { if (!r.ok) throw new Error(data.detail || r.statusText); return data; });
      })
      .then(function (image) {
        uploadState.textContent = "";
        return askAlt(image).then(function (alt) {
          if (alt === null) { uploadState.textContent = "Image not inserted."; return; }
          insertImage("![" + escapeAlt(alt) + "](" + image.url + ")", at);
          uploadState.textContent = "Image inserted.";
          text.focus();
        });
      })
      .catch(function (err) { uploadState.textContent = "Could not upload " + file.name + ": " + err.message; });
  }
  function uploadAll(files) {
    Array.prototype.forEach.call(files, function (file) {
      queue = queue.then(function () { return upload(file); });
    });
  }
  function imageFiles(list) {
    return Array.prototype.filter.call(list || [], function (f) { return /^image\//.test(f.type); });
  }
  fileInput.addEventListener("change", function () { uploadAll(fileInput.files); fileInput.value = ""; });
  text.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
      event.preventDefault();
      text.classList.add("drop-target");
    }
  });
  text.addEventListener("dragleave", function () { text.classList.remove("drop-target"); });
  text.addEventListener("drop", function (event) {
    text.classList.remove("drop-target");
    var files = imageFiles(event.dataTransfer && event.dataTransfer.files);
    if (!files.length) return;
    event.preventDefault();
    uploadAll(files);
  });
  text.addEventListener("paste", function (event) {
    var files = imageFiles(event.clipboardData && event.clipboardData.files);
    if (!files.length) return;
    event.preventDefault();
    uploadAll(files);
  });

  showState();
  refreshPreview();
})();
