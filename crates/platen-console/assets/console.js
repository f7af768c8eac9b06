// Platen console: the few live parts of otherwise server-rendered pages. No framework, no build step.
"use strict";

// Replaces the page's #live region with the same region freshly rendered by the server.
async function refreshLive() {
  const region = document.getElementById("live");
  if (!region) return;
  try {
    const response = await fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
    if (!response.ok) return;
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
    if (fresh) region.replaceWith(fresh);
  } catch (_) { /* offline for a moment: the next event or tick tries again */ }
}

// Job pages follow the server's change feed (server-sent events); bursts are merged into one refresh.
function followChanges(url) {
  let pending = null;
  const source = new EventSource(url);
  source.addEventListener("jobs", () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; refreshLive(); }, 150);
  });
  document.documentElement.dataset.live = "connecting";
  source.addEventListener("open", () => { document.documentElement.dataset.live = "on"; });
  source.addEventListener("ready", () => { document.documentElement.dataset.live = "on"; });
}

document.addEventListener("DOMContentLoaded", () => {
  const main = document.getElementById("main");
  if (main && main.dataset.live) followChanges(main.dataset.live);
  if (main && main.dataset.refresh) {
    const seconds = Math.max(2, Number(main.dataset.refresh) || 10);
    setInterval(refreshLive, seconds * 1000);
  }
  // Forms that delete or revoke ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
