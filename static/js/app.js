// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const field = event.target;
  const form = field.closest("form[data-autosubmit]") || (field.matches("[data-autosubmit-field]") && field.form);
  if (form) form.submit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
// Forms that show only the fields the chosen value needs (a source's kind, a mention's move):
// the select named by data-shows-by, or a fixed data-chosen; fields list values in data-when.
function showChosenFields(form) {
  const select = form.querySelector(`select[name="${form.dataset.showsBy}"]`);
  const chosen = select ? select.value : form.dataset.chosen;
  form.querySelectorAll("[data-when]").forEach((field) => {
    field.hidden = !field.dataset.when.split(" ").includes(chosen);
  });
}
document.querySelectorAll("form[data-shows-by]").forEach((form) => {
  showChosenFields(form);
  form.addEventListener("change", (event) => {
    if (event.target.name === form.dataset.showsBy) showChosenFields(form);
  });
});
// Text typed into an answer and not yet saved: leaving the page asks first.
const unsaved = new Set();
document.addEventListener("input", (event) => {
  const form = event.target.closest("form[data-unsaved-warning]");
  if (form) unsaved.add(form);
});
document.addEventListener("submit", (event) => {
  if (!event.defaultPrevented) unsaved.delete(event.target);
});
window.addEventListener("beforeunload", (event) => {
  if (unsaved.size) event.preventDefault();
});
// Mention page: typing a note or reply counts as drafting for the presence line.
document.addEventListener("input", (event) => {
  if (event.target.closest("[data-drafting]")) window.vardeDrafting = true;
});
// The presence renewal says which (here, not with hx-vals="js:...": the Content-Security-Policy
// allows no eval).
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.elt.id === "presence") {
    event.detail.parameters.state = window.vardeDrafting ? "drafting" : "viewing";
  }
});

// A saved reply goes into the editor it names; the person edits it from there.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert]");
  if (!button) return;
  const editor = document.getElementById(button.dataset.target);
  if (!editor) return;
  editor.closest("details")?.setAttribute("open", "");
  editor.value = button.dataset.insert;
  editor.focus();
  window.vardeDrafting = true;
});
