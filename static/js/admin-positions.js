/* The position form: the stance list keeps only the chosen topic's stances (the server
   sends every topic's, grouped, so the form works without JavaScript), and the scales
   table opens on the chosen topic. The topic is a select2 autocomplete, which announces
   its changes through jQuery events. */
"use strict";
// Django's media lists this file before jquery.init.js, which defines django.jQuery: wait.
document.addEventListener("DOMContentLoaded", function () {
  const $ = window.django && window.django.jQuery;
  if (!$) return;

  function filterStances(stance, topicId) {
    if (!stance.__groups) {
      stance.__groups = Array.from(stance.querySelectorAll("optgroup"));
    }
    const keep = stance.__groups.filter((group) => {
      const option = group.querySelector("option[data-topic]");
      return !topicId || (option && option.dataset.topic === topicId);
    });
    stance.__groups.forEach((group) => {
      if (keep.includes(group)) {
        if (!group.parentNode) stance.appendChild(group);
      } else if (group.parentNode) {
        group.remove();
      }
    });
    // A stance of another topic is no longer offered: the editor picks again.
    if (!stance.querySelector("option:checked[data-topic]")) stance.value = "";
  }

  function showScale(topicId) {
    document.querySelectorAll("details.stance-scales table[data-topic]").forEach((table) => {
      table.hidden = Boolean(topicId) && table.dataset.topic !== topicId;
    });
  }

  function update() {
    const stance = document.querySelector("select[data-topic-field]");
    if (!stance) return;
    const topic = document.getElementById(stance.dataset.topicField);
    const topicId = topic ? topic.value : "";
    filterStances(stance, topicId);
    showScale(topicId);
  }

  $(document).on("change", "#id_topic", update);
  update();
});
