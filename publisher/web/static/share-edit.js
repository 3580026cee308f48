// The Share page's edited posts (issue 14): each post's length as the server counts it, live, and the
// Share button disabled while a chosen post is over its network's limit. The count comes from
// POST /editor/share/count (the same code the share is refused with), never from a second count here.
// Without JavaScript the counts shown are the server's at page load and the server refuses an over-limit post.
// A thread (a line of only --- between parts) is counted part by part: one line per part, red where it is over.
document.querySelectorAll("form[data-count-url]").forEach((form) => {
  const url = form.getAttribute("data-count-url");
  const csrf = form.querySelector('input[name="csrf_token"]').value;
  const submit = form.querySelector('button[type="submit"]');
  const blocked = form.querySelector("#share-blocked");
  const cards = Array.from(form.querySelectorAll(".post[data-channel]"));
  const chosen = (channel) => {
    const box = Array.from(form.querySelectorAll('input[name="channel"]')).find((b) => b.value === channel);
    return Boolean(box && box.checked);
  };
  const update = () => {
    const over = cards.filter((card) => card.classList.contains("over") && chosen(card.getAttribute("data-channel")));
    submit.disabled = over.length > 0;
    if (blocked) {
      blocked.hidden = over.length === 0;
      blocked.textContent = over.length
        ? "Shorten the post for " + over.map((c) => c.getAttribute("data-channel")).join(", ") + " (or untick it) to share."
        : "";
    }
  };
  cards.forEach((card) => {
    const text = card.querySelector("textarea");
    const counter = card.querySelector(".count");
    if (!text || !counter) return;
    let timer = null;
    let pending = null;
    const line = (answer) => answer.label + (answer.problem ? ". Over the limit: " + answer.problem + "." : "");
    const show = (answer) => {
      const over = Boolean(answer.over || answer.problem);
      counter.replaceChildren();
      counter.classList.toggle("thread", Boolean(answer.parts));
      if (answer.parts) {  // one line per part, as the server counts each one (its " k/n" number included)
        answer.parts.forEach((part) => {
          const span = document.createElement("span");
          span.className = part.problem ? "part over" : "part";
          span.textContent = "Part " + part.index + ": " + line(part);
          counter.appendChild(span);
        });
        counter.classList.remove("over");
      } else {
        counter.textContent = answer.label ? line(answer) : "Cannot count this post: " + answer.problem;
        counter.classList.toggle("over", over);
      }
      card.classList.toggle("over", over);
      update();
    };
    const ask = () => {
      const body = new FormData();
      body.append("csrf_token", csrf);
      body.append("channel", card.getAttribute("data-channel"));
      body.append("text", text.value);
      form.querySelectorAll('input[name="thread"]:checked, input[name="numbered"]:checked').forEach((box) => body.append(box.name, "yes"));
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url, { method: "POST", body: body, credentials: "same-origin", signal: pending.signal, headers: { Accept: "application/json" } })
        .then((r) => r.json().catch(() => ({ problem: "the server did not answer (" + r.status + ")" })))
        .then(show)
        .catch((err) => { if (err.name !== "AbortError") counter.textContent = "The count is unavailable; the server checks the post when you share."; });
    };
    text.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
  });
  form.querySelectorAll('input[name="channel"]').forEach((box) => box.addEventListener("change", update));
  update();
});
