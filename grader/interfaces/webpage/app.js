// The grader's page: problem list, problem view, live preview, Check and hints, all through
// the JSON API under /api/. Text from the API goes in with textContent; only the fragments the
// server builds and escapes itself (MathML, verdicts, carets) go in as HTML.
"use strict";

const state = { problems: [], student: null, bank: "", saved: {}, hintsShown: {}, verdictShown: null };
const PREVIEW_DELAY = 250;
const VERDICT_KEPT_MS = 3000;     // how long after a Check a late preview still scrolls the verdict back

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

// --- saved work (kept in this browser only, per student and bank) -----------------------------
// One entry per part: { answer: what the box holds, checked: { answer, status, score, html } for
// the last Check }. A reload restores both; the total and "Download my answers" use the checked.

function savedKey() {
  return `grader:saved:${state.student || ""}:${state.bank}`;
}

function loadSaved() {
  try {
    const saved = JSON.parse(localStorage.getItem(savedKey()) || "{}");
    return saved && typeof saved === "object" ? saved : {};
  } catch (err) {
    return {};
  }
}

function savedPart(problemId, partId) {
  return state.saved[`${problemId}/${partId}`] || {};
}

function remember(problemId, partId, changes) {
  const key = `${problemId}/${partId}`;
  state.saved[key] = Object.assign({}, state.saved[key], changes);
  try {
    localStorage.setItem(savedKey(), JSON.stringify(state.saved));
  } catch (err) { /* private mode or full: kept until the page is closed */ }
}

function earned(problemId, partId) {
  const checked = savedPart(problemId, partId).checked;
  return checked ? checked.score : 0;
}

function partState(problemId, partId) {
  const checked = savedPart(problemId, partId).checked;
  if (!checked) return { name: "untried", text: "not tried yet" };
  return checked.status === "correct" ? { name: "solved", text: "solved" } : { name: "tried", text: "tried" };
}

function showTotal() {
  let got = 0, max = 0;
  for (const p of state.problems) {
    max += p.points;
    for (const q of p.parts) got += earned(p.id, q.id);
  }
  const round = x => Math.round(x * 100) / 100;
  document.getElementById("total").textContent = `Total: ${round(got)} of ${points(round(max))}`;
}

// the answers as last checked, as an answers.yaml that `grader grade` reads back to the same verdicts
async function downloadAnswers() {
  const note = document.getElementById("download-note");
  const answers = {};
  for (const p of state.problems) {
    for (const q of p.parts) {
      const checked = savedPart(p.id, q.id).checked;
      if (checked) (answers[p.id] = answers[p.id] || {})[q.id] = checked.answer;
    }
  }
  if (!Object.keys(answers).length) {
    note.textContent = "Check an answer first: the file holds your answers as last checked.";
    return;
  }
  try {
    const file = await api("answers", { answers });
    const link = el("a", { href: URL.createObjectURL(new Blob([file.yaml], { type: "application/yaml" })),
                           download: file.filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    note.textContent = `Saved ${file.filename}: grade it with \`grader grade ${file.filename}\`.`;
  } catch (err) {
    note.textContent = err.message;
  }
}

// the verdict just given is scrolled into view, and kept there while a preview that was still on its
// way fills in above it (Enter right after typing: the check can answer before the preview)
function keepInView(result) {
  state.verdictShown = { result, at: Date.now() };
  result.scrollIntoView({ block: "nearest" });
}

function verdictStaysInView(preview) {
  const shown = state.verdictShown;
  if (shown && Date.now() - shown.at < VERDICT_KEPT_MS && shown.result.closest("section") === preview.closest("section")) {
    shown.result.scrollIntoView({ block: "nearest" });
  }
}

// a long answer's caret is kept in sight: its block scrolls sideways to it (a phone's narrow screen)
function showCarets(box) {
  for (const pre of box.querySelectorAll("pre.grader-caret")) {
    const text = pre.lastChild;
    if (!text || text.nodeType !== Node.TEXT_NODE || !text.data.endsWith("^")) continue;
    const range = document.createRange();
    range.setStart(text, text.data.length - 1);
    range.setEnd(text, text.data.length);
    const x = range.getBoundingClientRect().left - pre.getBoundingClientRect().left + pre.scrollLeft;
    pre.scrollLeft = Math.max(0, x - pre.clientWidth / 2);
  }
}

function renderList(currentId) {
  const list = document.getElementById("problem-list");
  list.replaceChildren();
  for (const p of state.problems) {
    const got = p.parts.reduce((sum, q) => sum + earned(p.id, q.id), 0);
    const link = el("a", { href: `#/problem/${encodeURIComponent(p.id)}`,
                           "aria-current": p.id === currentId ? "page" : null },
      el("span", { text: p.title }), " ",
      el("span", { class: "progress", text: `(${Math.round(got * 100) / 100}/${p.points} points)` }));
    list.append(el("li", {}, link));
  }
  showTotal();
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
       el("span", { class: "points", text: `(${points(part.points)}, ${part.kind})` }), " ",
       el("span", { class: `part-state ${partState(problem.id, part.id).name}`, id: `${base}-state`,
                    text: partState(problem.id, part.id).text })),
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
    const chosen = (savedPart(problem.id, part.id).answer || "").split(", ");
    for (const input of box.querySelectorAll("input")) input.checked = chosen.includes(input.value);
    box.addEventListener("change", () => remember(problem.id, part.id, { answer: read() }));
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
    keepTyped(problem.id, part.id, input);
    read = () => input.value;
  } else {
    const input = el("input", { type: "text", id: `${base}-answer`, name: "answer", autocomplete: "off",
                                autocapitalize: "off", spellcheck: "false",
                                "aria-describedby": `${base}-prompt ${base}-expects ${base}-preview` });
    const preview = el("div", { class: "preview", id: `${base}-preview`, "aria-live": "polite" });
    form.append(el("label", { class: "answer-label", for: input.id, text: "Your answer" }), input, preview);
    watchPreview(problem.id, input, preview, null);
    keepTyped(problem.id, part.id, input);
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
      showCarets(result);
      remember(problem.id, part.id, { answer, checked: { answer, status: verdict.status, score: verdict.score,
                                                        html: verdict.html } });
      showPartState(problem.id, part.id);
      renderList(problem.id);
      keepInView(result);
    } catch (err) {
      result.replaceChildren(el("p", { role: "alert", text: err.message }));
    }
  });
  section.append(form, hints, result);
  const checked = savedPart(problem.id, part.id).checked;
  if (checked) {       // the verdict of the last Check, as it was shown (the server's own escaped HTML)
    result.innerHTML = checked.html;
    if (checked.answer !== read()) result.append(el("p", { class: "expects",
      text: "This was the verdict on your answer as last checked; you have changed it since." }));
  }
  return section;
}

function keepTyped(problemId, partId, input) {
  input.value = savedPart(problemId, partId).answer || "";
  input.addEventListener("input", () => remember(problemId, partId, { answer: input.value }));
}

function showPartState(problemId, partId) {
  const tag = document.getElementById(`part-${partId}-state`);
  const now = partState(problemId, partId);
  tag.className = `part-state ${now.name}`;
  tag.textContent = now.text;
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
          showCarets(preview);
        }
        verdictStaysInView(preview);
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
    state.bank = data.bank;
    state.saved = loadSaved();
    if (data.student) {
      const tag = document.getElementById("student");
      tag.textContent = `Student: ${data.student}`;
      tag.hidden = false;
    }
  } catch (err) {
    document.getElementById("main").replaceChildren(el("p", { role: "alert", text: err.message }));
    return;
  }
  document.getElementById("download").addEventListener("click", downloadAnswers);
  window.addEventListener("hashchange", route);
  route();
}

start();
