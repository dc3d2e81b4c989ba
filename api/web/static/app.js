"use strict";
// Small, dependency-free behaviour for the server-rendered pages.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;
// The page's words for what scripts say, in its language (see api/web/script_text.py).
const UI_TEXT = JSON.parse(document.getElementById("ui-text")?.textContent || "{}");
// A message with its named gettext placeholders filled: say("uploaded", { name: "a.wav" }).
const say = (key, values = {}) =>
  (UI_TEXT[key] || key).replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
const statusWords = (status) => (UI_TEXT.statuses || {})[status] || status;
// Where a call rests (no more work until someone acts), as the server's state machine says.
const RESTING = new Set(document.querySelector('meta[name="resting-statuses"]').content.split(" "));

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("upload-file");
  const bar = document.getElementById("upload-progress");
  const message = document.getElementById("upload-message");
  const send = (file) => {
    const data = new FormData(form);
    data.set("file", file, file.name);
    for (const [name, value] of [...data.entries()]) {
      if (value === "") data.delete(name);
    }
    const started = data.get("started_at");
    if (started) data.set("started_at", new Date(started).toISOString());
    const request = new XMLHttpRequest();
    request.open("POST", "/calls/upload");
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    };
    request.onload = () => {
      const body = JSON.parse(request.responseText || "{}");
      if (request.status === 201) {
        message.textContent = say("uploaded", { name: file.name });
        window.location.href = `/calls/${body.id}`;
      } else {
        bar.hidden = true;
        message.textContent = body.detail || say("upload_failed", { code: request.status });
        message.className = "error";
      }
    };
    request.onerror = () => { message.textContent = say("upload_network_error"); message.className = "error"; };
    bar.hidden = false; bar.value = 0; message.className = ""; message.textContent = say("uploading", { name: file.name });
    request.send(data);
  };
  input.addEventListener("change", () => input.files.length && send(input.files[0]));
  form.addEventListener("dragover", (event) => { event.preventDefault(); form.classList.add("over"); });
  form.addEventListener("dragleave", () => form.classList.remove("over"));
  form.addEventListener("drop", (event) => {
    event.preventDefault(); form.classList.remove("over");
    if (event.dataTransfer.files.length) send(event.dataTransfer.files[0]);
  });
}

function watchStatuses() {
  // The badge shows the status in the page's words; data-status keeps the state machine's name.
  const rests = (badge) => RESTING.has(badge.dataset.status);
  const badges = [...document.querySelectorAll("[data-live-status]")].filter((b) => !rests(b));
  if (!badges.length) return;
  const poll = async () => {
    for (const badge of badges) {
      if (rests(badge)) continue;
      const response = await fetch(`/calls/${badge.dataset.liveStatus}/state`, { headers: { Accept: "application/json" } });
      if (!response.ok) continue;
      const state = await response.json();
      badge.dataset.status = state.status;
      badge.textContent = statusWords(state.status);
      badge.className = `status status-${state.status}`;
      if (RESTING.has(state.status) && badge.hasAttribute("data-reload-when-rested")) window.location.reload();
    }
    if (badges.some((b) => !rests(b))) setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
}

function setupPlayer() {
  const player = document.getElementById("player");
  const lines = [...document.querySelectorAll("#transcript .line")];
  if (!player || !lines.length) return;
  const starts = lines.map((line) => parseFloat(line.dataset.start));
  lines.forEach((line, index) => line.addEventListener("click", () => {
    player.currentTime = starts[index];
    player.play().catch(() => {});
  }));
  let current = -1;
  player.addEventListener("timeupdate", () => {
    let index = -1;
    for (let i = 0; i < starts.length && starts[i] <= player.currentTime + 0.05; i++) index = i;
    if (index === current) return;
    if (current >= 0) lines[current].classList.remove("current");
    current = index;
    if (index >= 0) {
      lines[index].classList.add("current");
      lines[index].scrollIntoView({ block: "nearest" });
    }
  });
}

document.addEventListener("DOMContentLoaded", () => { setupUpload(); watchStatuses(); setupPlayer(); });
