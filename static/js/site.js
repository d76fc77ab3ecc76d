// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSwap", (event) => {
  // Move keyboard focus to evidence opened in place, so screen readers announce it.
  const opened = event.detail.target.querySelector("#evidence");
  if (opened) opened.focus();
});
