// Small progressive enhancements; every page works without this file.

// A filter form asks on change and again on submit: the second answer has the same
// address, and pushing it twice would make Back look broken.
document.addEventListener("htmx:beforeHistoryUpdate", (event) => {
  const update = event.detail.history;
  if (update.type === "push" && update.path === location.pathname + location.search) {
    update.type = "replace";
  }
});

// Presets, facets, Back and Forward change the results and the address, not the form:
// set its fields from the address, so the next change starts from what is shown.
function syncFiltersWithAddress() {
  const params = new URLSearchParams(location.search);
  for (const form of document.querySelectorAll("form.filters")) {
    for (const field of form.elements) {
      if (!field.name || field.type === "submit") continue;
      if (field.type === "checkbox") {
        field.checked = params.getAll(field.name).includes(field.value || "on");
      } else {
        // A select with no empty choice falls back to the choice the server takes for an
        // absent parameter (data-default), rather than showing nothing chosen.
        field.value = params.get(field.name) ?? field.dataset.default ?? "";
      }
    }
  }
}
document.addEventListener("htmx:afterSettle", (event) => {
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (source && source.closest("[hx-push-url]") && !source.closest("form.filters")) {
    syncFiltersWithAddress();
  }
});

// Results swapped in place are announced by their one-line summary, not read out whole.
function announce(region) {
  const summary = region && region.querySelector("[data-announce]");
  const announcer = document.getElementById("announcer");
  if (!summary || !announcer) return;
  const text = summary.textContent.replace(/\s+/g, " ").trim();
  // Emptied first, so the same words said again (Back to a page already announced) are
  // a change a screen reader reads out.
  announcer.textContent = "";
  requestAnimationFrame(() => {
    announcer.textContent = text;
  });
}
document.addEventListener("htmx:afterSettle", (event) => {
  // Back and Forward swap the whole body and settle without a target: they are announced
  // on htmx:historyRestore below.
  const target = event.detail.target;
  if (!target || target.id === "evidence-body") return;
  // After an outerHTML swap the event's target is the old element: look the new one up.
  announce((target.id && document.getElementById(target.id)) || target);
});
document.addEventListener("htmx:historyRestore", () => {
  syncFiltersWithAddress();
  announce(document.getElementById("main"));
});

// A matrix cell opens its evidence in a dialog (one listener for a thousand cells, rather
// than htmx attributes on each), and so does a link marked data-opens-evidence (a clause
// count); a modified click or no JavaScript follows the link to its page. The agreements an
// ally signed (td.signed) are plain links to their pages. Esc, the Close button or a click
// beside the dialog close it, and focus returns to the cell.
let evidenceOpener = null;

function evidenceDialog() {
  const dialog = document.getElementById("evidence-panel");
  return dialog && typeof dialog.showModal === "function" ? dialog : null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest(".matrix td:not(.signed) a, a[data-opens-evidence]");
  const dialog = evidenceDialog();
  if (!link || !dialog || !window.htmx) return;
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  evidenceOpener = link;
  window.htmx.ajax("GET", link.href, { target: "#evidence-body", source: link, swap: "innerHTML" });
});

document.addEventListener("htmx:afterSettle", (event) => {
  const dialog = evidenceDialog();
  if (!dialog || event.detail.target !== dialog.querySelector("#evidence-body")) return;
  const evidence = dialog.querySelector("#evidence");
  if (!evidence) return;
  dialog.setAttribute("aria-labelledby", "evidence-title");
  if (!dialog.open) dialog.showModal();
  // The section, not the Close button, takes focus: a screen reader reads its title. The
  // dialog shows it from its top, under the Close bar.
  evidence.focus({ preventScroll: true });
  dialog.scrollTop = 0;
});

// Evidence that cannot be fetched is shown the plain way: on its own page.
function openEvidencePage(event) {
  const source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (source && source === evidenceOpener && source.href) location.assign(source.href);
}
document.addEventListener("htmx:responseError", openEvidencePage);
document.addEventListener("htmx:sendError", openEvidencePage);

document.addEventListener(
  "close",
  (event) => {
    if (event.target.id !== "evidence-panel") return;
    const body = event.target.querySelector("#evidence-body");
    if (body) body.replaceChildren();
    if (evidenceOpener && evidenceOpener.isConnected) evidenceOpener.focus();
    evidenceOpener = null;
  },
  true,
);

// A click on the backdrop lands on the dialog itself (its content fills it).
document.addEventListener("click", (event) => {
  const dialog = evidenceDialog();
  if (dialog && dialog.open && event.target === dialog) dialog.close();
});

// Back, Forward and a new address snapshot the page: never with the dialog open, and
// without the empty style attributes a tool leaves behind after setting and clearing a style
// (a screenshot hiding the caret, say): restored, each would be an inline style the Content
// Security Policy refuses. The pages themselves never carry one.
document.addEventListener("htmx:beforeHistorySave", (event) => {
  const dialog = evidenceDialog();
  if (dialog && dialog.open) dialog.close();
  for (const element of event.detail.historyElt.querySelectorAll('[style=""]')) {
    element.removeAttribute("style");
  }
});

// One click copies a citation; the words stay selectable in their field without this.
for (const button of document.querySelectorAll("button[data-copy]")) {
  if (navigator.clipboard) button.hidden = false;
}
document.addEventListener("htmx:load", (event) => {
  if (!navigator.clipboard) return;
  for (const button of event.detail.elt.querySelectorAll("button[data-copy][hidden]")) {
    button.hidden = false;
  }
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  const announcer = document.getElementById("announcer");
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = "Copied";
    if (announcer) announcer.textContent = "Citation copied";
  } catch {
    // Refused (no permission, or an insecure page): open the field, its words selected.
    const details = field.closest("details");
    if (details) details.open = true;
    field.focus();
    field.select();
    button.textContent = "Select and copy";
  }
});

// A filter form answered with results: the errors it showed from an earlier refusal (a 400
// puts the form back with them, the last good results left in place) no longer hold.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form.filters");
  if (!form || !event.detail.xhr || event.detail.xhr.status >= 400) return;
  for (const node of form.querySelectorAll(".errorlist, .form-errors")) node.remove();
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
});
