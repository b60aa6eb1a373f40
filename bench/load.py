"""Load test of `grader serve`: simulated students on loopback, bounded in time.

    python bench/load.py                       # 50 students for 60 s (the figure in bench/README.md)
    python bench/load.py --students 10 --duration 10

Starts a real `grader serve --no-browser` on a free 127.0.0.1 port, then runs N students in
threads, each doing what the page does: open a problem, type an answer (a preview request
every few characters, as the page's debounce sends them), check it, sometimes ask for a hint,
think for a moment, go on with another part. Answers come from the bank itself (each part's
reference and its `tests`: right, wrong and unreadable answers) plus a few hostile strings.
Stops by itself after --duration seconds, stops the server, and prints p50/p99/max latency per
request kind, requests per second and every error (non-200 answer or failed request). Exit
status 1 when there was any error.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOSTILE = ["9^9^9^9^9", "(" * 300 + "z" + ")" * 300, "__import__('os').system('true')", "z" * 1999,
           "e^(e^(e^(e^(e^z))))", "\u202ez", "sum_k sum_j sum_i z"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, student: str | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "grader", "serve", "--no-browser", "--port", str(port)]
    if student:
        cmd += ["--student", student]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = tempfile.NamedTemporaryFile(prefix="grader-serve-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)   # never a full pipe
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/problems")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    proc.wait()
    raise SystemExit(f"grader serve did not start: {Path(log.name).read_text(errors='replace')[-1000:]}")


class Student(threading.Thread):
    def __init__(self, number: int, port: int, bank: list, stop_at: float, think: float, results, lock):
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.port, self.bank, self.stop_at, self.think = port, bank, stop_at, think
        self.results, self.lock = results, lock
        self.conn = None

    def call(self, kind: str, method: str, path: str, body=None) -> dict | None:
        data = None if body is None else json.dumps(body).encode("utf-8")
        t = time.perf_counter()
        for attempt in (1, 2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request(method, path, body=data,
                                  headers={"Content-Type": "application/json"} if data else {})
                response = self.conn.getresponse()
                payload = response.read()
                ok = response.status == 200
                error = None if ok else f"{kind}: HTTP {response.status} {payload[:200]!r}"
                break
            except (OSError, http.client.HTTPException) as exc:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                ok, payload, error = False, b"", f"{kind}: {type(exc).__name__}: {exc}"
                if not reused:      # a kept-alive connection the server closed is retried once, as browsers do
                    break
        elapsed = time.perf_counter() - t
        with self.lock:
            self.results[kind].append(elapsed)
            if error:
                self.results["errors"].append(error)
        return json.loads(payload) if ok else None

    def run(self) -> None:
        while time.monotonic() < self.stop_at:
            problem = self.rng.choice(self.bank)
            self.call("problem", "GET", f"/api/problems/{problem['id']}")
            part = self.rng.choice(problem["parts"])
            answer = self.rng.choice(part["answers"])
            if part["kind"] in ("expression", "numeric"):
                step = max(4, len(answer) // 8)           # the page previews while the student types
                for end in range(step, len(answer), step):
                    if time.monotonic() >= self.stop_at:
                        return
                    self.call("parse", "POST", "/api/parse", {"problem": problem["id"], "answer": answer[:end]})
                    time.sleep(self.think * 0.25)
                self.call("parse", "POST", "/api/parse", {"problem": problem["id"], "answer": answer})
            self.call("check", "POST", "/api/check", {"problem": problem["id"], "part": part["id"], "answer": answer})
            if self.rng.random() < 0.2:
                self.call("hint", "GET", f"/api/hint?problem={problem['id']}&part={part['id']}&n=1")
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))


def bank_answers() -> list:
    sys.path.insert(0, str(REPO))
    from grader.api import load_bank
    out = []
    for problem in load_bank(REPO / "problems").values():
        parts = []
        for part in problem.parts:
            answers = [part.answer] + [t.answer for t in part.tests]
            if part.kind in ("expression", "numeric"):
                answers += HOSTILE
            parts.append({"id": part.id, "kind": part.kind, "answers": answers})
        out.append({"id": problem.id, "parts": parts})
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between checks, seconds (default 1)")
    ap.add_argument("--student-id", default="alice", help="the server's --student (default alice)")
    args = ap.parse_args()
    bank = bank_answers()
    port = free_port()
    server = start_server(port, args.student_id)
    results: dict = defaultdict(list)
    lock = threading.Lock()
    try:
        start = time.monotonic()
        students = [Student(i, port, bank, start + args.duration, args.think, results, lock)
                    for i in range(args.students)]
        for s in students:
            s.start()
        for s in students:
            s.join(timeout=args.duration + 60)
        wall = time.monotonic() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    errors = results.pop("errors", [])
    total = sum(len(v) for v in results.values())
    print(f"grader serve load test: {args.students} students, {args.duration:g} s, think {args.think:g} s, "
          f"{os.cpu_count()} cores, loopback")
    print(f"{'request':<10}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    everything = []
    for kind in ("problem", "parse", "check", "hint"):
        times = results.get(kind, [])
        everything += times
        if times:
            print(f"{kind:<10}{len(times):>8}{statistics.median(times) * 1000:>10.1f}"
                  f"{percentile(times, 0.99) * 1000:>10.1f}{max(times) * 1000:>10.1f}")
    if everything:
        print(f"{'all':<10}{total:>8}{statistics.median(everything) * 1000:>10.1f}"
              f"{percentile(everything, 0.99) * 1000:>10.1f}{max(everything) * 1000:>10.1f}")
    print(f"{total / wall:.1f} requests/s over {wall:.1f} s; errors: {len(errors)}")
    for e in errors[:20]:
        print("  " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
