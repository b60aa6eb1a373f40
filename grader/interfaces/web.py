"""`grader serve`: the local web page and the JSON API under /api/ that it uses.

Starlette on uvicorn (the optional `[web]` extra): a plain ASGI app, testable in-process with
Starlette's TestClient. Safe to host for a class: request bodies are capped, every check runs
under the CLI's wall-clock budget in a killable child process (a bounded number at a time),
the only files served are the page's own, read once at start-up, and every error is a JSON
object with a message we wrote, never a traceback.
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from importlib.resources import files
from typing import Mapping, Optional

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from grader import api
from grader.errors import GraderError
from grader.checking.deadline import run_with_deadline
from grader.checking.choices import LETTERS
from grader.checking.checker import check, context, timed_out
from grader.checking.evaluate import EvalError
from grader.show.mathml import mathml
from grader.model import CHOICE, MULTI_CHOICE, NUMERIC, Problem
from grader.results import caret_html, problem_html, prose_html, verdict_html
from grader.show.text import expects, index_entries, name_entries, no_more_hints, verdict_json, verdict_word
from grader.number_format import format_number
from grader.answers.parser import AnswerSyntaxError, parse

from grader.limits import MAX_REQUEST_BYTES as MAX_BODY   # bytes of JSON per request
CACHE_SIZE = 4096           # distinct (part, answer, values) verdicts kept in the server
PAGE_FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
              "style.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Refused(GraderError):
    """A request the API answers with a JSON error (status, message)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _page_files() -> dict[str, bytes]:
    folder = files("grader.interfaces").joinpath("webpage")
    return {name: folder.joinpath(name).read_bytes() for name in PAGE_FILES}


class Grading:
    """The server's state: the bank, the student, the verdict cache and the checking slots."""

    def __init__(self, bank: Mapping[str, Problem], student: Optional[str], seconds: float, slots: int):
        self.bank = bank
        self.student = student
        self.seconds = seconds
        self.slots = threading.BoundedSemaphore(slots)   # held in worker threads: loop-agnostic
        self.cache: OrderedDict = OrderedDict()
        self.pages: dict[str, dict] = {}

    def values(self, problem: Problem):
        return api.student_values(problem, self.student)

    async def verdict(self, problem: Problem, part, answer: str):
        values = self.values(problem)
        key = (problem.id, part.id, answer, tuple(sorted((values or {}).items())))
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        if part.kind in (CHOICE, MULTI_CHOICE):
            verdict = check(problem, part, answer, values)
        else:
            verdict = await run_in_threadpool(self._budgeted, problem, part, answer, values)
            if verdict is None:      # over the budget: not cached, a quieter server may manage it
                return timed_out(part, self.seconds)
        self.cache[key] = verdict
        if len(self.cache) > CACHE_SIZE:
            self.cache.popitem(last=False)
        return verdict

    def _budgeted(self, problem, part, answer, values):
        """Check in a killable child. The part's context (its world, the reference's values) is
        computed here first from the trusted bank, so every forked child inherits it."""
        try:
            context(problem, part, tuple(sorted((values or {}).items())))
        except (AnswerSyntaxError, EvalError):
            pass    # a broken reference: check() itself says so to the student
        with self.slots:
            return run_with_deadline(check, (problem, part, answer, values), self.seconds, lambda: None)


def _problem(state: Grading, problem_id) -> Problem:
    problem = state.bank.get(problem_id) if isinstance(problem_id, str) else None
    if problem is None:
        raise Refused(404, "There is no such problem.")
    return problem


def _part(problem: Problem, part_id):
    part = problem.part(part_id) if isinstance(part_id, str) else None
    if part is None:
        raise Refused(404, f"Problem '{problem.id}' has no such part.")
    return part


async def _body(request: Request) -> dict:
    """The JSON object of a POST, read at most MAX_BODY bytes far."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise Refused(413, f"The request is too large (the limit is {MAX_BODY} bytes).")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise Refused(413, f"The request is too large (the limit is {MAX_BODY} bytes).")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(400, "The request must be a JSON object.") from None
    if not isinstance(body, dict):
        raise Refused(400, "The request must be a JSON object.")
    return body


def _answer(body: dict) -> str:
    answer = body.get("answer")
    if not isinstance(answer, str):
        raise Refused(400, "The request needs an 'answer' (text).")
    return answer


def _part_json(problem: Problem, part) -> dict:
    out = {"id": part.id, "kind": part.kind, "points": part.points, "prompt": part.prompt.strip(),
           "prompt_html": prose_html(part.prompt),
           "expects": expects(part), "hints": len(part.hints), "restriction": part.restriction}
    if part.kind in (CHOICE, MULTI_CHOICE):
        out["options"] = [{"letter": LETTERS[i], "text": text} for i, text in enumerate(part.options)]
    if part.kind == NUMERIC:
        from grader.checking.tolerance import words as tolerance_words
        out["tolerance"] = tolerance_words(part.tolerance)
    return out


def _name_json(problem: Problem, example: str, note: str) -> dict:
    try:
        shown = mathml(parse(example, problem.table).tree)
    except AnswerSyntaxError:
        shown = None
    return {"text": example, "note": note, "mathml": shown}


# --- endpoints -----------------------------------------------------------------------------

async def problems(request: Request) -> Response:
    state: Grading = request.app.state.grading
    return _json({"student": state.student, "problems": [
        {"id": p.id, "title": p.title, "points": p.max_score,
         "parts": [{"id": q.id, "kind": q.kind, "points": q.points} for q in p.parts]}
        for p in state.bank.values()]})


async def problem(request: Request) -> Response:
    state: Grading = request.app.state.grading
    p = _problem(state, request.path_params["problem"])
    if p.id not in state.pages:     # the same for every request: built once
        state.pages[p.id] = _problem_json(p, state.student)
    return _json(state.pages[p.id])


def _problem_json(p: Problem, student: Optional[str]) -> dict:
    given = api.given_values(p, student)
    return {
        "id": p.id, "title": p.title, "statement": p.statement.strip(), "statement_html": prose_html(p.statement),
        "points": p.max_score, "per_student": p.per_student,
        "student": student, "given": [{"name": k, "value": format_number(v, 6)} for k, v in sorted(given.items())],
        "names": [_name_json(p, ex, note) for ex, note in name_entries(p, given)],
        "indices": [{"letter": letter, "role": role, "range": p.table.index_range(letter), "note": note}
                    for (letter, role), (_, note) in zip(p.table.indices, index_entries(p))],
        "parts": [_part_json(p, q) for q in p.parts],
        "html": problem_html(p, tuple(sorted(given.items())), student)}


async def parse_answer(request: Request) -> Response:
    """The live preview: what the grader reads, or the syntax error as `grader check` says it."""
    state: Grading = request.app.state.grading
    body = await _body(request)
    p = _problem(state, body.get("problem"))
    answer = _answer(body)
    if not answer.strip():
        return _json({"ok": False, "empty": True, "message": None, "html": ""})
    seen = api.read(p, answer)
    if seen.error is None:
        return _json({"ok": True, "interpreted": seen.unicode, "mathml": seen.mathml})
    html = caret_html(answer, seen.column) + "".join(f"<p>{_esc(m)}</p>" for m in seen.error.feedback)
    return _json({"ok": False, "message": seen.message, "column": seen.column, "html": html})


async def check_answer(request: Request) -> Response:
    state: Grading = request.app.state.grading
    body = await _body(request)
    p = _problem(state, body.get("problem"))
    part = _part(p, body.get("part"))
    answer = _answer(body)
    verdict = await state.verdict(p, part, answer)
    shown = None
    if verdict.interpreted and part.kind not in (CHOICE, MULTI_CHOICE):
        shown = api.read(p, answer).mathml
    out = verdict_json(p.id, part.id, verdict)
    out.update(word=verdict_word(verdict), column=verdict.column, mathml=shown,
               html=verdict_html(verdict, answer, shown))
    return _json(out)


async def hint(request: Request) -> Response:
    """Hint number n (1-based) of a part; past the last one, says there are no more."""
    state: Grading = request.app.state.grading
    p = _problem(state, request.query_params.get("problem"))
    part = _part(p, request.query_params.get("part"))
    n = request.query_params.get("n", "1")
    if not n.isdigit() or len(n) > 4 or int(n) < 1:
        raise Refused(400, "n must be a hint number (1, 2, ...).")
    n, total = int(n), len(part.hints)
    if total == 0:
        return _json({"hint": None, "number": 0, "total": 0, "more": False, "message": "This part has no hints."})
    if n > total:
        return _json({"hint": None, "number": total, "total": total, "more": False,
                      "message": no_more_hints(total)})
    return _json({"hint": part.hints[n - 1], "number": n, "total": total, "more": n < total,
                  "message": f"Hint {n} of {total}: {part.hints[n - 1]}"})


async def page(request: Request) -> Response:
    name = request.path_params.get("name", "index.html")
    content = request.app.state.page.get(name)
    if content is None:
        raise Refused(404, "There is no such page.")
    return Response(content, media_type=PAGE_FILES[name], headers=SECURITY_HEADERS)


# --- plumbing --------------------------------------------------------------------------------

def _esc(text: str) -> str:
    from html import escape
    return escape(text)


class _JSON(JSONResponse):
    def render(self, content) -> bytes:
        # ASCII escapes: a lone surrogate a student typed can be sent back without failing to encode
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _json(obj, status: int = 200) -> Response:
    return _JSON(obj, status_code=status, headers=SECURITY_HEADERS)


async def _refused(request: Request, exc: Refused) -> Response:
    return _json({"error": exc.message}, exc.status)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    messages = {404: "There is no such page.", 405: "This address does not take that kind of request."}
    return _json({"error": messages.get(exc.status_code, "The request was refused.")}, exc.status_code)


async def _internal(request: Request, exc: Exception) -> Response:
    return _json({"error": "Internal error in the grader; please tell your instructor what you typed."}, 500)


def create_app(bank: Mapping[str, Problem], *, student: Optional[str] = None, seconds: float = api.CHECK_SECONDS,
               slots: Optional[int] = None) -> Starlette:
    """The ASGI app for a bank. `slots`: checks run at once (default: the number of cores)."""
    app = Starlette(routes=[
        Route("/", page), Route("/{name:str}", page),
        Route("/api/problems", problems), Route("/api/problems/{problem:str}", problem),
        Route("/api/parse", parse_answer, methods=["POST"]), Route("/api/check", check_answer, methods=["POST"]),
        Route("/api/hint", hint),
    ], exception_handlers={Refused: _refused, HTTPException: _http_error, Exception: _internal})
    app.state.grading = Grading(bank, student, seconds, slots or os.cpu_count() or 2)
    app.state.page = _page_files()
    return app


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def run(app: Starlette, host: str, port: int, on_ready=None) -> None:
    """Serve until interrupted. `on_ready()` runs once the socket listens (the CLI opens the browser)."""
    import uvicorn
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            limit_concurrency=200, timeout_keep_alive=5, server_header=False)
    server = uvicorn.Server(config)
    if on_ready is not None:
        original = server.startup

        async def startup(sockets=None):
            await original(sockets)
            if server.started:
                on_ready()
        server.startup = startup
    server.run()
