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
