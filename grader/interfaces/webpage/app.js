// The grader's page: problem list, problem view, live preview, Check and hints, all through
// the JSON API under /api/. Text from the API goes in with textContent; only the fragments the
// server builds and escapes itself (MathML, verdicts, carets) go in as HTML.
"use strict";

const state = { problems: [], student: null, hintsShown: {} };
const PREVIEW_DELAY = 250;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "html") node.innerHTML = value;   // server-escaped fragments only
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

async function api(path, body) {
  const options = body === undefined ? {} :
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch("/api/" + path, options);
  } catch (err) {
    throw new Error("The grader is not answering. Is `grader serve` still running?");
  }
  let data;
  try {
    data = await response.json();
  } catch (err) {
    throw new Error("The grader sent an answer this page cannot read.");
  }
  if (!response.ok) throw new Error(data.error || "The request was refused.");
  return data;
}

function points(n) {
  return `${n} point${n === 1 ? "" : "s"}`;
}

// --- progress (kept in this browser only) -----------------------------------------------

function progressKey(problemId, partId) {
  return `grader:${state.student || ""}:${problemId}/${partId}`;
}

function bestScore(problemId, partId) {
  try {
    return Number(localStorage.getItem(progressKey(problemId, partId)) || 0);
  } catch (err) {
    return 0;
  }
}

function recordScore(problemId, partId, score) {
  try {
    if (score > bestScore(problemId, partId)) localStorage.setItem(progressKey(problemId, partId), String(score));
  } catch (err) { /* private mode: no progress kept */ }
}

function renderList(currentId) {
  const list = document.getElementById("problem-list");
  list.replaceChildren();
  for (const p of state.problems) {
    const earned = p.parts.reduce((sum, q) => sum + bestScore(p.id, q.id), 0);
    const link = el("a", { href: `#/problem/${encodeURIComponent(p.id)}`,
                           "aria-current": p.id === currentId ? "page" : null },
      el("span", { text: p.title }), " ",
      el("span", { class: "progress", text: `(${earned}/${p.points} points)` }));
    list.append(el("li", {}, link));
  }
}

// --- a problem -------------------------------------------------------------------------------

async function showProblem(problemId) {
  const main = document.getElementById("main");
  let p;
  try {
    p = await api(`problems/${encodeURIComponent(problemId)}`);
  } catch (err) {
    main.replaceChildren(el("p", { role: "alert", text: err.message }));
    return;
  }
  renderList(p.id);
  document.title = `${p.title} · Backpropagation problems`;
  const parts = [el("h2", { text: p.title }), el("div", { class: "statement", html: p.statement_html })];
  if (p.given.length) {
    const who = p.student && p.per_student ? ` (for student ${p.student})` : "";
    parts.push(el("p", { class: "given", text: `Given values${who}: ` +
      p.given.map(g => `${g.name} = ${g.value}`).join(", ") }));
  }
  if (p.names.length) {
    const list = el("ul", { class: "names" });
    for (const n of p.names) {
      const shown = n.mathml ? el("span", { html: n.mathml }) : el("code", { text: n.text });
      list.append(el("li", {}, shown, " typed ", el("code", { text: n.text }), n.note ? ` (${n.note})` : ""));
    }
    parts.push(el("h3", { text: "Names you can use" }), list);
  }
  if (p.indices.length) {
    parts.push(el("p", { text: "Index letters: " + p.indices.map(i => `${i.letter} (${i.note})`).join(", ") }));
  }
  for (const part of p.parts) parts.push(partSection(p, part));
  main.replaceChildren(...parts);
  main.focus();
}

function partSection(problem, part) {
  const base = `part-${part.id}`;
  const section = el("section", { class: "part", "aria-labelledby": `${base}-title` },
    el("h3", { id: `${base}-title` }, `Part ${part.id} `,
       el("span", { class: "points", text: `(${points(part.points)}, ${part.kind})` })),
    el("div", { class: "prompt", id: `${base}-prompt`, html: part.prompt_html }),
    el("p", { class: "expects", id: `${base}-expects`, text: part.expects }));
  if (part.restriction) section.append(el("p", { class: "expects", text: part.restriction }));
  const form = el("form", { novalidate: true });
  const result = el("div", { class: "result", id: `${base}-result`, "aria-live": "polite" });
  let read;
  if (part.options) {
    const box = el("fieldset", {}, el("legend", {
      text: part.kind === "multi-choice" ? "Your answer (choose all that apply)" : "Your answer" }));
    for (const o of part.options) {
      const input = el("input", { type: part.kind === "multi-choice" ? "checkbox" : "radio",
                                  name: `${base}-choice`, value: o.letter });
      box.append(el("label", {}, input, " ", el("b", { text: o.letter }), ") ", el("span", { html: o.html })));
    }
    form.append(box);
    read = () => [...box.querySelectorAll("input:checked")].map(i => i.value).join(", ");
  } else if (part.kind === "derivation") {
    // a chain of equalities: Enter starts a new line, Ctrl+Enter (or the button) checks it
    const input = el("textarea", { id: `${base}-answer`, name: "answer", rows: 6, autocomplete: "off",
                                   autocapitalize: "off", spellcheck: "false",
                                   "aria-describedby": `${base}-prompt ${base}-expects ${base}-keys ${base}-marks` });
    const keys = el("p", { class: "expects", id: `${base}-keys`, text: "Enter starts a new line; Ctrl+Enter " +
      "checks the derivation. As you type, each line gets its mark: ▸ the start, ✓ follows from the line " +
      "before, ✗ does not follow, ! cannot be read." });
    // the marked lines are not re-read after every pause in typing: a one-sentence summary is announced
    const preview = el("div", { class: "preview steps", id: `${base}-preview` });
    const summary = el("p", { class: "visually-hidden", id: `${base}-marks`, "aria-live": "polite" });
    form.append(el("label", { class: "answer-label", for: input.id, text: "Your derivation" }), keys, input, summary,
                preview);
    input.addEventListener("keydown", event => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    watchPreview(problem.id, input, preview, part.id, summary);
    read = () => input.value;
  } else {
    const input = el("input", { type: "text", id: `${base}-answer`, name: "answer", autocomplete: "off",
                                autocapitalize: "off", spellcheck: "false",
                                "aria-describedby": `${base}-prompt ${base}-expects ${base}-preview` });
    const preview = el("div", { class: "preview", id: `${base}-preview`, "aria-live": "polite" });
    form.append(el("label", { class: "answer-label", for: input.id, text: "Your answer" }), input, preview);
    watchPreview(problem.id, input, preview, null);
    read = () => input.value;
  }
  const buttons = el("div", { class: "buttons" }, el("button", { type: "submit", text: "Check" }));
  const hints = el("div", { class: "hints", "aria-live": "polite" });
  if (part.hints > 0) {
    const button = el("button", { type: "button", class: "secondary", text: "Show a hint" });
    button.addEventListener("click", () => nextHint(problem.id, part, hints));
    buttons.append(button);
  }
  form.append(buttons);
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const answer = read();
    if (!answer.trim()) {
      result.replaceChildren(el("p", { text: part.options ? "Choose an option first." : "Type an answer first." }));
      return;
    }
    result.replaceChildren(el("p", { text: "Checking…" }));
    try {
      const verdict = await api("check", { problem: problem.id, part: part.id, answer });
      result.innerHTML = verdict.html;     // built and escaped by the server
      recordScore(problem.id, part.id, verdict.score);
      renderList(problem.id);
    } catch (err) {
      result.replaceChildren(el("p", { role: "alert", text: err.message }));
    }
  });
  section.append(form, hints, result);
  return section;
}

// partId: a derivation's part, whose preview is its lines as marked (built and escaped by the server),
// announced through `summary`
function watchPreview(problemId, input, preview, partId, summary) {
  let timer = null;
  let sent = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ticket = ++sent;
      const answer = input.value;
      try {
        const seen = await api("parse", partId === null ? { problem: problemId, answer } :
                                                          { problem: problemId, part: partId, answer });
        if (ticket !== sent) return;            // a newer keystroke has its own request
        preview.classList.toggle("error", !seen.ok && !seen.empty);
        if (partId !== null) {
          preview.innerHTML = seen.html;       // the marked lines, escaped by the server
          summary.textContent = seen.empty ? "" : seen.summary;
        } else if (seen.ok) {
          preview.replaceChildren(el("p", {}, "Interpreted as: ", el("span", { html: seen.mathml })));
        } else {
          preview.innerHTML = seen.html;       // the caret and the message, escaped by the server
        }
      } catch (err) {
        if (ticket !== sent) return;
        preview.replaceChildren(el("p", { text: err.message }));
        if (summary) summary.textContent = err.message;
      }
    }, PREVIEW_DELAY);
  });
}

async function nextHint(problemId, part, box) {
  const key = `${problemId}/${part.id}`;
  const n = (state.hintsShown[key] || 0) + 1;
  try {
    const h = await api(`hint?problem=${encodeURIComponent(problemId)}&part=${encodeURIComponent(part.id)}&n=${n}`);
    if (h.hint !== null) state.hintsShown[key] = n;
    box.append(h.html ? el("p", { class: "hint", html: h.html }) : el("p", { text: h.message }));   // server-escaped
  } catch (err) {
    box.append(el("p", { role: "alert", text: err.message }));
  }
}

// --- start ---------------------------------------------------------------------------------------

function route() {
  const match = location.hash.match(/^#\/problem\/(.+)$/);
  if (match) {
    showProblem(decodeURIComponent(match[1]));
    return;
  }
  renderList(null);
  const main = document.getElementById("main");
  main.replaceChildren(el("h2", { text: "Choose a problem" }),
    el("p", { text: "Pick a problem from the list. Each part has an answer box; as you type, the page " +
                    "shows what the grader reads. Check grades the answer and explains what is wrong." }));
}

async function start() {
  try {
    const data = await api("problems");
    state.problems = data.problems;
    state.student = data.student;
    if (data.student) {
      const tag = document.getElementById("student");
      tag.textContent = `Student: ${data.student}`;
      tag.hidden = false;
    }
  } catch (err) {
    document.getElementById("main").replaceChildren(el("p", { role: "alert", text: err.message }));
    return;
  }
  window.addEventListener("hashchange", route);
  route();
}

start();
