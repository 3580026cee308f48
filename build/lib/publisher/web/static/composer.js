// The digest composer: drag an article to order it, or use its ↑ ↓ buttons (keyboard users, phones).
// Both only move the list item and renumber the order fields, which the server reads; without this script
// the editor types the numbers.
(function () {
  "use strict";
  var list = document.getElementById("picks");
  if (!list) return;
  var status = document.createElement("p");
  status.className = "sr-only";
  status.setAttribute("aria-live", "polite");
  list.parentNode.appendChild(status);

  function items() { return Array.prototype.slice.call(list.querySelectorAll("li.pick-item")); }
  function title(li) { return li.querySelector(".pick-title").textContent; }
  function renumber() {
    items().forEach(function (li, i) { li.querySelector('input[type="number"]').value = i + 1; });
  }
  function move(li, by) {
    var all = items();
    var to = all.indexOf(li) + by;
    if (to < 0 || to >= all.length) return;
    if (by < 0) list.insertBefore(li, all[to]); else list.insertBefore(li, all[to].nextSibling);
    renumber();
    status.textContent = title(li) + ": position " + (to + 1) + " of " + all.length;
  }
  function button(text, label, by) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary move";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", function () {
      var li = b.closest("li");
      move(li, by);
      b.focus();
    });
    return b;
  }
  var dragged = null;
  items().forEach(function (li) {
    var t = title(li);
    var tools = document.createElement("span");
    tools.className = "move-tools";
    tools.appendChild(button("↑", "Move “" + t + "” up", -1));
    tools.appendChild(button("↓", "Move “" + t + "” down", 1));
    li.appendChild(tools);
    li.draggable = true;
    li.addEventListener("dragstart", function (e) {
      dragged = li;
      li.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", li.getAttribute("data-id"));
    });
    li.addEventListener("dragend", function () { li.classList.remove("dragging"); dragged = null; renumber(); });
    li.addEventListener("dragover", function (e) {
      if (!dragged || dragged === li) return;
      e.preventDefault();
      var box = li.getBoundingClientRect();
      var after = e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? li.nextSibling : li);
    });
    li.addEventListener("drop", function (e) { e.preventDefault(); renumber(); });
  });
  // Ticking an article that sits below unticked ones moves it up to the last ticked one: the order shown is
  // the digest's order.
  list.addEventListener("change", function (e) {
    if (e.target.name !== "article" || !e.target.checked) return;
    var li = e.target.closest("li");
    var ticked = items().filter(function (x) { return x !== li && x.querySelector('input[name="article"]').checked; });
    var last = ticked[ticked.length - 1];
    list.insertBefore(li, last ? last.nextSibling : list.firstChild);
    renumber();
  });
})();
