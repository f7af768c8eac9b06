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


// Web Print: a job and its upload session from the console, the file sent in ranges straight to the session's
// upload URL (progress from each request's upload events), resumed from the session's nextExpectedRanges after
// a failure, then the job started.
const CHUNK_BYTES = 4 * 1024 * 1024;

function setStatus(text) {
  const el = document.getElementById("print-status");
  if (el) el.textContent = text;
}

async function postForm(url, fields) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
    body: new URLSearchParams(fields).toString(),
  });
  let body = {};
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

// One range; resolves with the status and the parsed body.
function putRange(url, blob, first, last, total, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    xhr.setRequestHeader("Content-Range", `bytes ${first}-${last}/${total}`);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(first + e.loaded); };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (_) { /* empty */ }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error("The network failed during the upload."));
    xhr.send(blob);
  });
}

// The first byte the session still expects ("1234-" or "1234-5678"), or null when it has everything.
function nextOffset(body) {
  const ranges = (body && body.nextExpectedRanges) || [];
  if (ranges.length === 0) return null;
  return Number(String(ranges[0]).split("-")[0]);
}

async function uploadFile(file, url, progress) {
  let offset = 0;
  let failures = 0;
  while (offset !== null && offset < file.size) {
    const end = Math.min(offset + CHUNK_BYTES, file.size);
    try {
      const r = await putRange(url, file.slice(offset, end), offset, end - 1, file.size, progress);
      if (r.status === 200 || r.status === 201) return;
      if (r.status !== 202) throw new Error((r.body.error && r.body.error.message) || `Upload refused (${r.status}).`);
      offset = nextOffset(r.body);
      failures = 0;
      progress(offset === null ? file.size : offset);
    } catch (error) {
      failures += 1;
      if (failures > 5) throw error;
      setStatus(`Upload interrupted; resuming (attempt ${failures} of 5)…`);
      await new Promise((ok) => setTimeout(ok, 1000 * failures));
      // Ask the session which bytes it still needs, and continue from there.
      const status = await fetch(url, { credentials: "omit" });
      if (status.ok) offset = nextOffset(await status.json());
    }
  }
}

function webPrint(form) {
  const share = form.elements.share;
  share.addEventListener("change", () => { window.location.assign(share.dataset.reload + encodeURIComponent(share.value)); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    const button = form.querySelector("button[type=submit]");
    const box = document.getElementById("print-progress-box");
    const bar = document.getElementById("print-progress");
    button.disabled = true;
    box.hidden = false;
    try {
      setStatus("Creating the print job…");
      const fields = { csrf: form.elements.csrf.value, share: share.value, name: file.name, size: String(file.size),
        copies: form.elements.copies.value };
      if (form.elements.duplex) fields.duplex = form.elements.duplex.value;
      if (form.elements.color) fields.color = form.elements.color.value;
      const job = await postForm(form.action, fields);
      setStatus(`Uploading ${file.name}…`);
      await uploadFile(file, job.uploadUrl, (sent) => { bar.value = Math.round((100 * sent) / file.size); });
      bar.value = 100;
      setStatus("Starting the print job…");
      const started = await postForm(job.startUrl, { csrf: form.elements.csrf.value, share: share.value });
      setStatus(`Job ${started.jobId} is ${started.state}.`);
      window.location.assign(started.next);
    } catch (error) {
      setStatus(`Printing failed: ${error.message} Try again.`);
      button.disabled = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const printForm = document.getElementById("web-print");
  if (printForm) webPrint(printForm);
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
