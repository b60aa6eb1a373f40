"""`grader serve`: the local web page and the JSON API under /api/ that it uses.

Starlette on uvicorn (the optional `[web]` extra): a plain ASGI app, testable in-process with
Starlette's TestClient. Safe to host for a class: request bodies are capped, every check runs
under the CLI's wall-clock budget in a killable child process (a bounded number at a time),
the only files served are the page's own, read once at start-up, and every error is a JSON
object with a message we wrote, never a traceback.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections import OrderedDict
from importlib.resources import files
from typing import Mapping, Optional

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import grader
from grader import DEADLINE_SECONDS, GraderError, Problem
from grader.show.html import interpreted_html, steps_html, unreadable_html, verdict_html
from grader.show.pages import problem_json
from grader.show.prose import inline_html, part_with_values, plain
from grader.show.text import STEP_MARKS, STEP_WORDS, no_more_hints, step_json, verdict_json, verdict_word

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
        self.fingerprint = _fingerprint(bank)

    async def verdict(self, problem: Problem, part, answer: str):
        """`grader.grade_answer`, the one grading path, in a worker thread, with a cache."""
        values = grader.student_values(problem, self.student)
        key = (problem.id, part.id, answer, tuple(sorted((values or {}).items())))
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        verdict = await run_in_threadpool(functools.partial(
            grader.grade_answer, problem, part, answer, values=values, seconds=self.seconds, slots=self.slots))
        if not grader.too_complex(verdict):     # a quieter server may manage it: not cached
            self.cache[key] = verdict
            if len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
        return verdict


def _fingerprint(bank: Mapping[str, Problem]) -> str:
    """Names the bank for the page's saved work: answers saved against another bank (or another
    version of a part) are not shown as this one's."""
    shape = [(p.id, p.max_score, [(q.id, q.kind, q.points, q.answer) for q in p.parts]) for p in bank.values()]
    return hashlib.sha256(repr(shape).encode("utf-8", "surrogatepass")).hexdigest()[:16]


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


# --- endpoints -----------------------------------------------------------------------------

async def problems(request: Request) -> Response:
    state: Grading = request.app.state.grading
    return _json({"student": state.student, "bank": state.fingerprint, "problems": [
        {"id": p.id, "title": p.title, "points": p.max_score,
         "parts": [{"id": q.id, "kind": q.kind, "points": q.points} for q in p.parts]}
        for p in state.bank.values()]})


async def problem(request: Request) -> Response:
    state: Grading = request.app.state.grading
    p = _problem(state, request.path_params["problem"])
    if p.id not in state.pages:     # the same for every request: built once
        state.pages[p.id] = problem_json(p, state.student)
    return _json(state.pages[p.id])


async def parse_answer(request: Request) -> Response:
    """The live preview: what the grader reads, or the syntax error as `grader check` says it.
    For a derivation part (`part` given), each line with its mark and reason."""
    state: Grading = request.app.state.grading
    body = await _body(request)
    p = _problem(state, body.get("problem"))
    part = _part(p, body["part"]) if "part" in body else None
    answer = _answer(body)
    if not answer.strip():
        return _json({"ok": False, "empty": True, "message": None, "html": ""})
    if part is not None and part.kind == "derivation":
        return _json(await _marked_lines(state, p, part, answer))
    seen = grader.read(p, answer)
    if seen.error is None:
        return _json({"ok": True, "interpreted": seen.unicode, "mathml": seen.mathml})
    html = unreadable_html(answer, seen.column, seen.error.feedback)
    return _json({"ok": False, "message": seen.message, "column": seen.column, "html": html})


async def _marked_lines(state: Grading, p: Problem, part, answer: str) -> dict:
    """A derivation's lines as marked so far. The marks are the check's own (the same verdict,
    from the cache when the student then presses Check), so the preview takes the check's path:
    the worker pool, under the deadline. Only the lines are shown, not the score."""
    verdict = await state.verdict(p, part, answer)
    if verdict.steps:
        html = await run_in_threadpool(steps_html, verdict.steps, p.table)
        return {"ok": all(s.status != "invalid" for s in verdict.steps), "message": None, "html": html,
                "summary": _summary(verdict.steps),
                "steps": [{**step_json(s), "mark": STEP_MARKS[s.status][0]} for s in verdict.steps]}
    # no chain yet (one line so far, or one that cannot be cut into lines): what to do next
    seen = grader.read(p, answer) if "\n" not in answer.strip() else None
    html = "" if seen is None else interpreted_html(seen.mathml) if seen.error is None else \
        unreadable_html(answer, seen.column, seen.error.feedback)
    return {"ok": False, "message": " ".join(verdict.feedback), "summary": " ".join(verdict.feedback), "steps": [],
            "html": html + unreadable_html(answer, None, verdict.feedback)}


def _summary(steps) -> str:
    """What a screen reader announces as the marks change: the lines that need attention, not the
    whole chain again after every pause in typing."""
    flagged = [f"line {s.line} {STEP_WORDS[s.status]}" for s in steps if s.status in ("incorrect", "invalid")]
    if not flagged:
        return f"{len(steps)} lines: each follows from the one before."
    return f"{len(steps)} lines: " + "; ".join(flagged) + "."


async def check_answer(request: Request) -> Response:
    state: Grading = request.app.state.grading
    body = await _body(request)
    p = _problem(state, body.get("problem"))
    part = _part(p, body.get("part"))
    answer = _answer(body)
    verdict = await state.verdict(p, part, answer)
    shown = grader.check_result(p, part, answer, verdict).mathml
    out = verdict_json(p.id, part.id, verdict)
    html = await run_in_threadpool(verdict_html, verdict, answer, shown, p.table) if verdict.steps else \
        verdict_html(verdict, answer, shown)
    out.update(word=verdict_word(verdict), column=verdict.column, mathml=shown, html=html)
    return _json(out)


async def answers_file(request: Request) -> Response:
    """"Download my answers": the page's answers as an answers.yaml that `grader grade` reads back
    to the same answers (and so the same verdicts), in the bank's order of problems and parts."""
    state: Grading = request.app.state.grading
    given = (await _body(request)).get("answers")
    if not isinstance(given, dict) or not all(isinstance(v, dict) for v in given.values()):
        raise Refused(400, "The request needs 'answers': problem id -> part id -> answer.")
    ordered = {}
    for problem_id, parts in given.items():
        p = _problem(state, problem_id)
        for part_id, answer in parts.items():
            _part(p, part_id)
            if not isinstance(answer, str):
                raise Refused(400, f"The answer to '{problem_id}' part '{part_id}' must be text.")
    for p in state.bank.values():
        if p.id in given:
            ordered[p.id] = {q.id: given[p.id][q.id] for q in p.parts if q.id in given[p.id]}
    try:
        text = grader.answers_yaml(ordered, state.student)
    except grader.UnwritableAnswer:
        raise Refused(400, "An answer holds a character that is not text and cannot be saved; "
                           "retype it and check it again.") from None
    return _json({"filename": "answers.yaml", "yaml": text})


async def hint(request: Request) -> Response:
    """Hint number n (1-based) of a part; past the last one, says there are no more."""
    state: Grading = request.app.state.grading
    p = _problem(state, request.query_params.get("problem"))
    part = part_with_values(_part(p, request.query_params.get("part")), grader.given_values(p, state.student))
    n = request.query_params.get("n", "1")
    if not n.isdigit() or len(n) > 4 or int(n) < 1:
        raise Refused(400, "n must be a hint number (1, 2, ...).")
    n, total = int(n), len(part.hints)
    if total == 0:
        return _json({"hint": None, "number": 0, "total": 0, "more": False, "message": "This part has no hints."})
    if n > total:
        return _json({"hint": None, "number": total, "total": total, "more": False,
                      "message": no_more_hints(total)})
    text = plain(part.hints[n - 1])
    return _json({"hint": text, "number": n, "total": total, "more": n < total, "message": f"Hint {n} of {total}: {text}",
                  "html": f"Hint {n} of {total}: {inline_html(part.hints[n - 1], p)}"})


async def page(request: Request) -> Response:
    name = request.path_params.get("name", "index.html")
    content = request.app.state.page.get(name)
    if content is None:
        raise Refused(404, "There is no such page.")
    return Response(content, media_type=PAGE_FILES[name], headers=SECURITY_HEADERS)


# --- plumbing --------------------------------------------------------------------------------

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


def create_app(bank: Mapping[str, Problem], *, student: Optional[str] = None, seconds: float = DEADLINE_SECONDS,
               slots: Optional[int] = None, host: Optional[str] = None, watch=None) -> Starlette:
    """The ASGI app for a bank. `slots`: checks run at once (default: the number of cores).
    `host`: the address it is served on (`grader serve` passes it): on this computer's own
    address, only requests naming it (and the served port) in their Host header are answered.
    `watch` (a `BankWatch`, `grader serve --reload`): each request first picks up edited files."""
    middleware = [Middleware(OwnOrigin, host=host)] + ([Middleware(Reloading, watch=watch)] if watch else [])
    app = Starlette(middleware=middleware, routes=[
        Route("/", page), Route("/{name:str}", page),
        Route("/api/problems", problems), Route("/api/problems/{problem:str}", problem),
        Route("/api/parse", parse_answer, methods=["POST"]), Route("/api/check", check_answer, methods=["POST"]),
        Route("/api/hint", hint), Route("/api/answers", answers_file, methods=["POST"]),
    ], exception_handlers={Refused: _refused, HTTPException: _http_error, Exception: _internal})
    app.state.grading = Grading(bank, student, seconds, slots or os.cpu_count() or 2)
    app.state.page = _page_files()
    return app


class BankWatch:
    """`grader serve --reload`: the bank folder's problem files as last read (name, mtime,
    size), so that a request after an edit grades the edited file. A stat per file per request:
    cheap next to a check. A file that no longer loads keeps the last good bank, said once."""

    def __init__(self, folder, load, log):
        self.folder, self.load, self.log = folder, load, log
        self.seen = self._snapshot()

    def _snapshot(self) -> tuple:
        try:
            entries = [e for e in os.scandir(self.folder) if e.name.endswith((".yaml", ".yml"))]
            return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in entries))
        except OSError:
            return ()

    def changed(self) -> Optional[Mapping[str, Problem]]:
        """The reloaded bank when a file changed since the last look, else None."""
        now = self._snapshot()
        if now == self.seen:
            return None
        self.seen = now
        try:
            bank = self.load()
        except GraderError as err:
            self.log(f"grader: the edited bank does not load, so the page keeps the last good one: {err}")
            return None
        self.log("grader: problem files changed; the page now uses the edited bank.")
        return bank


class Reloading:
    """Swaps in the edited bank before a request is answered, forgetting every verdict and page
    built from the old one (the checker's caches too: a part edited in place is a new part)."""

    def __init__(self, app, watch: BankWatch):
        self.app, self.watch = app, watch

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            bank = self.watch.changed()
            if bank is not None:
                state: Grading = scope["app"].state.grading
                state.bank, state.fingerprint = bank, _fingerprint(bank)
                state.cache.clear()
                state.pages.clear()
                grader.clear_caches()
        await self.app(scope, receive, send)


class OwnOrigin:
    """Answers only the page's own requests. A web page the student visits could otherwise
    reach the API through DNS rebinding (its own name resolving to 127.0.0.1: caught by the Host
    check) or post to it from its own origin (caught by the Origin check: browsers send Origin on
    every cross-site POST, and the API reads any body as JSON whatever its content type)."""

    def __init__(self, app, host: Optional[str]):
        self.app = app
        self.names = None
        self.shown = f"[{host}]" if host and ":" in host else host   # the address the refusal points to
        if host is not None and is_loopback(host):
            self.names = {*LOOPBACK_NAMES, self.shown}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await _json({"error": refusal}, 403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope) -> Optional[str]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        host = headers.get("host", "").lower()
        served = scope.get("server") or (None, None)
        if self.names is not None and _host_port(host) not in {(name, served[1]) for name in self.names}:
            return (f"This grader answers only at this computer's own address: open the page at "
                    f"http://{self.shown}:{served[1]}/ (a request naming another host was refused).")
        origin = headers.get("origin")
        if scope.get("method") not in ("GET", "HEAD") and origin is not None and \
                origin.lower() != f"{scope.get('scheme', 'http')}://{host}":
            return "This grader answers only its own page: a request sent from another web site was refused."
        return None


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _host_port(host: str) -> tuple[str, Optional[int]]:
    """('127.0.0.1', 8000) from '127.0.0.1:8000', ('[::1]', 80) from '[::1]'; port None when unreadable."""
    name, sep, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not sep:
        return host, 80
    return name, int(port) if port.isdigit() and len(port) <= 5 else None


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
