// The inbox by keyboard, and kept current without a reload.
// Rows are <tr data-mention>; the current one has class "current". New mentions are only
// counted (a marker to click), never inserted, so the list does not move under the cursor.
(function () {
  "use strict";
  const table = document.getElementById("inbox");
  if (!table) return;
  const rowsBody = document.getElementById("rows");
  const flash = document.getElementById("flash");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  let currentId = null;

  const rows = () => Array.from(rowsBody.querySelectorAll("tr[data-mention]"));
  const current = () => rowsBody.querySelector(`tr[data-mention="${currentId}"]`);

  function say(text, isError) {
    flash.textContent = text;
    flash.className = "flash" + (isError ? " error" : " ok");
  }

  function setCurrent(row, scroll = true) {
    rows().forEach((r) => r.classList.remove("current"));
    if (!row) return;
    row.classList.add("current");
    currentId = row.dataset.mention;
    row.setAttribute("tabindex", "-1");
    row.focus({ preventScroll: true });
    if (scroll) row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    const next = index < 0 ? 0 : Math.min(Math.max(index + step, 0), all.length - 1);
    setCurrent(all[next]);
  }

  function selected() {
    return Array.from(document.querySelectorAll('input[name="ids"][form="bulk"]:checked'));
  }

  function countSelection() {
    const label = document.querySelector("[data-selected-count]");
    if (!label) return;
    label.dataset.prompt = label.dataset.prompt || label.textContent;
    label.textContent = selected().length ? `${selected().length} ✓` : label.dataset.prompt;
    const bulk = document.getElementById("bulk");
    if (bulk) bulk.classList.toggle("has-selection", selected().length > 0);
  }

  async function resolveCurrent() {
    const row = current();
    if (!row) return;
    const body = new URLSearchParams({ status: "resolved" });
    const response = await fetch(row.dataset.statusUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf, "HX-Request": "true" },
      credentials: "same-origin",
    });
    const text = await response.text();
    if (!response.ok) {
      say(text, true);
      return;
    }
    const holder = document.createElement("tbody");
    holder.innerHTML = text.trim();
    const fresh = holder.querySelector("tr[data-mention]");
    if (fresh) {
      row.replaceWith(fresh);
      setCurrent(fresh);
    }
    say(fresh ? fresh.querySelector(".status").textContent.trim() : "", false);
  }

  function assign() {
    const row = current();
    if (!selected().length && row) {
      const box = row.querySelector('input[name="ids"]');
      if (box) box.checked = true;
    }
    const action = document.getElementById("bulk-action");
    if (action) action.value = "assign";
    const who = document.getElementById("bulk-assignee");
    if (who) who.focus();
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target.closest("input, textarea, select, [contenteditable]");
    const dialog = document.getElementById("shortcuts");
    if (event.key === "Escape") {
      if (typing) target.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const row = current();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o":
      case "Enter":
        if (row) window.location.href = row.dataset.url;
        else return;
        break;
      case "x": {
        const box = row && row.querySelector('input[name="ids"]');
        if (box) { box.checked = !box.checked; countSelection(); }
        break;
      }
      case "a": assign(); break;
      case "r": if (row) window.location.href = row.dataset.url + "#reply"; break;
      case "e": resolveCurrent(); break;
      case "/": document.getElementById("filters-fold").open = true; document.getElementById("id_q").focus(); break;
      case "?": if (dialog.open) dialog.close(); else dialog.showModal(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-shortcuts]")) document.getElementById("shortcuts").showModal();
    if (event.target.closest("[data-show-new]")) window.location.reload();
    const row = event.target.closest("tr[data-mention]");
    if (row && !event.target.closest("a, input")) setCurrent(row);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches('input[name="ids"]')) countSelection();
  });

  // Live: ask every few seconds for the count of new mentions and for rows that changed.
  const POLL_MS = 5000;
  let since = table.dataset.since;
  async function poll() {
    const params = new URLSearchParams(table.dataset.query || "");
    params.set("newest", table.dataset.newest || "0");
    params.set("seen_at", since);
    rows().slice(0, 200).forEach((r) => params.append("shown", r.dataset.mention));
    try {
      const response = await fetch(`${table.dataset.pollUrl}?${params}`, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const html = await response.text();
        const holder = document.createElement("template");
        holder.innerHTML = html;
        // The server's clock, not the browser's, says from when the next poll asks for changes.
        const stamp = holder.content.querySelector("[data-seen-at]");
        if (stamp) { since = stamp.dataset.seenAt; stamp.remove(); }
        holder.content.querySelectorAll("tbody[data-changed] tr[data-mention]").forEach((fresh) => {
          const old = rowsBody.querySelector(`tr[data-mention="${fresh.dataset.mention}"]`);
          if (!old) return;
          const checked = old.querySelector('input[name="ids"]').checked;
          old.replaceWith(fresh);
          fresh.querySelector('input[name="ids"]').checked = checked;
          if (fresh.dataset.mention === currentId) fresh.classList.add("current");
        });
        const marker = holder.content.querySelector("[data-live]");
        document.getElementById("live").innerHTML = marker ? marker.innerHTML.trim() : "";
      }
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }
  window.setTimeout(poll, POLL_MS);

  // Show only the bulk fields the chosen action needs.
  const action = document.getElementById("bulk-action");
  function showBulkFields() {
    document.querySelectorAll("#bulk [data-for]").forEach((field) => {
      field.hidden = !field.dataset.for.split(" ").includes(action.value);
    });
  }
  if (action) { action.addEventListener("change", showBulkFields); showBulkFields(); }

  // On load the first row becomes current without scrolling to it: on a phone it sits below the
  // filters, and the page would open scrolled past its top bar. Phones also start with the
  // filters folded away.
  setCurrent(rows()[0], false);
  const fold = document.getElementById("filters-fold");
  if (fold && window.matchMedia("(max-width: 640px)").matches) fold.open = false;
})();
