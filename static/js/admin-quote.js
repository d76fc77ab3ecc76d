/* The quote form (and a source's quotes inline): the country a quote reflects is suggested
   from the speaker's post on the day said, and the country picked is said in words next to
   the field, so "United" + Enter cannot silently file a quote under the wrong country.
   The autocompletes are select2 widgets that announce changes through jQuery events. */
"use strict";
// Django's media lists this file before jquery.init.js, which defines django.jQuery: wait.
document.addEventListener("DOMContentLoaded", function () {
  const $ = window.django && window.django.jQuery;
  if (!$) return;

  // id_country → id_speaker; id_quotes-0-country → id_quotes-0-speaker
  function sibling(select, name) {
    return document.getElementById(select.id.replace(/country$/, name));
  }

  function note(select) {
    let status = document.getElementById(select.id + "-picked");
    if (!status) {
      status = document.createElement("p");
      status.id = select.id + "-picked";
      status.className = "picked-note";
      status.setAttribute("role", "status");
      const wrapper = select.closest(".related-widget-wrapper") || select.parentNode;
      wrapper.parentNode.insertBefore(status, wrapper.nextSibling);
    }
    return status;
  }

  function sayPicked(select, extra) {
    const option = select.options[select.selectedIndex];
    const picked = option && option.value ? option.textContent : "";
    const status = note(select);
    status.textContent = picked
      ? "Country picked: " + picked + "." + (extra ? " " + extra : "")
      : (extra || "No country picked.");
  }

  function choose(select, id, text) {
    let option = Array.from(select.options).find((o) => o.value === String(id));
    if (!option) {
      option = new Option(text, id, false, false);
      select.appendChild(option);
    }
    option.selected = true;
    $(select).trigger("change");
  }

  function suggest(select) {
    const speaker = sibling(select, "speaker");
    const saidOn = sibling(select, "said_on");
    const url = select.dataset.suggestUrl;
    if (!speaker || !saidOn || !url || !speaker.value || !/^\d{4}-\d{2}-\d{2}$/.test(saidOn.value)) return;
    const query = new URLSearchParams({ speaker: speaker.value, said_on: saidOn.value });
    fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (!answer) return;
        if (!answer.country) {
          sayPicked(select, answer.message);
          return;
        }
        const role = sibling(select, "role");
        if (role && !role.value && answer.role) choose(role, answer.role.id, answer.role.text);
        if (!select.value) {
          select.dataset.suggested = answer.message;
          choose(select, answer.country.id, answer.country.name);
        } else if (select.value !== String(answer.country.id)) {
          sayPicked(select, "The speaker's post on that day points to " + answer.country.name + ": check it.");
        } else {
          sayPicked(select, answer.message);
        }
      })
      .catch(() => {});
  }

  $(document).on("change", "select[data-suggest-url]", function () {
    const extra = this.dataset.suggested || "";
    delete this.dataset.suggested;
    sayPicked(this, extra);
  });
  $(document).on("change", "select[id$=speaker], input[id$=said_on]", function () {
    const country = document.getElementById(this.id.replace(/(speaker|said_on)$/, "country"));
    if (country) suggest(country);
  });
  // The date field's calendar and "Today" shortcut set the value without a change event.
  document.addEventListener("focusout", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && /said_on$/.test(target.id)) {
      const country = document.getElementById(target.id.replace(/said_on$/, "country"));
      if (country && target.value !== target.dataset.asked) {
        target.dataset.asked = target.value;
        suggest(country);
      }
    }
  });
  document.querySelectorAll("select[data-suggest-url]").forEach((select) => {
    if (select.value) sayPicked(select);
  });
});
