"use strict";
// Search within the call page's transcript: marks each line that says the query, counts them
// ("2 of 5"), and walks them with Enter / Shift+Enter or the arrow buttons. What it says comes
// from the page, in its language, through app.js's say() (loaded first).

// Compatibility folding (full-width ↔ half-width, composed kana) and case folding, so "ｒｏｕｔｅｒ",
// "Router" and "router" find each other in English and Japanese alike.
const fold = (text) => text.normalize("NFKC").toLocaleLowerCase();

function markMatches(span, original, query) {
  const folded = fold(original);
  span.textContent = "";
  // Folding can change a string's length; then the line is found but its words are not marked.
  if (folded.length !== original.length) { span.textContent = original; return; }
  let from = 0;
  for (let at = folded.indexOf(query); at >= 0; at = folded.indexOf(query, from)) {
    span.append(original.slice(from, at));
    const mark = document.createElement("mark");
    mark.textContent = original.slice(at, at + query.length);
    span.append(mark);
    from = at + query.length;
  }
  span.append(original.slice(from));
}

function setupTranscriptSearch() {
  const box = document.getElementById("transcript-search");
  if (!box) return;
  const input = document.getElementById("transcript-query");
  const previous = document.getElementById("transcript-prev");
  const next = document.getElementById("transcript-next");
  const count = document.getElementById("transcript-count");
  const lines = [...document.querySelectorAll("#transcript .line")].map((line) => {
    const span = line.querySelector(".text");
    return { line, span, original: span.textContent };
  });
  let found = [];
  let current = -1;

  const show = (index) => {
    if (current >= 0) found[current].line.classList.remove("found-current");
    current = (index + found.length) % found.length;
    found[current].line.classList.add("found-current");
    found[current].line.scrollIntoView({ block: "nearest" });
    count.textContent = say("match_of", { current: current + 1, total: found.length });
  };
  const search = () => {
    const query = fold(input.value.trim());
    found = [];
    current = -1;
    for (const entry of lines) {
      entry.line.classList.remove("found", "found-current");
      if (query && fold(entry.original).includes(query)) {
        markMatches(entry.span, entry.original, query);
        entry.line.classList.add("found");
        found.push(entry);
      } else {
        entry.span.textContent = entry.original;
      }
    }
    previous.disabled = next.disabled = !found.length;
    count.textContent = query && !found.length ? say("no_matches") : "";
    if (found.length) show(0);
  };

  input.addEventListener("input", (event) => { if (!event.isComposing) search(); });
  input.addEventListener("compositionend", search);  // Japanese input methods settle here
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter" && found.length) { event.preventDefault(); show(current + (event.shiftKey ? -1 : 1)); }
    if (event.key === "Escape") { input.value = ""; search(); }
  });
  previous.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  box.hidden = false;
}

document.addEventListener("DOMContentLoaded", setupTranscriptSearch);
