// The Share page's confirmation: when a channel was shared to before, "Yes, post it" stays disabled until
// "Share again where it was already shared" is ticked. Without JavaScript the server asks again instead.
document.querySelectorAll("form[data-needs-force]").forEach((form) => {
  const force = form.querySelector('input[name="force"][type="checkbox"]');
  const submit = form.querySelector('button[type="submit"]');
  if (!force || !submit) return;
  const hint = form.querySelector(".needs-force");
  const update = () => {
    submit.disabled = !force.checked;
    if (hint) hint.hidden = force.checked;
  };
  force.addEventListener("change", update);
  update();
});
