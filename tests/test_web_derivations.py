"""A derivation part on the web API: the live preview returns the chain's lines with their marks
(the check's own marks, through the check's worker pool and deadline), the check returns them
with the overall verdict, and hostile input (200 lines, binary junk, markup, a megabyte) gets a
clear message and nothing else."""
from __future__ import annotations

import json
import re
import time

from starlette.testclient import TestClient

from grader.interfaces import web
from test_web import bank, client   # noqa: F401 (fixtures: the shipped bank, the app in-process)

PROBLEM, PART = "derivation-homework", "dc-dW"
SLIP = "dc/dW_(ij)^l\n= dz_i^l/dW_(ij)^l * dc/dz_i^l\n= a_i^(l-1) * delta_j^l"      # the course solution's z_i for z_j
GOOD = "dc/dW_(ij)^l\n= dz_j^l/dW_(ij)^l * dc/dz_j^l\n= a_i^(l-1) * delta_j^l"
SLIP_STEPS = [
    {"line": 1, "text": "dc/dW_(ij)^l", "status": "start", "interpreted": "∂c/∂W_ij^(l)", "feedback": [], "mark": "▸"},
    {"line": 2, "text": "dz_i^l/dW_(ij)^l * dc/dz_i^l", "status": "incorrect",
     "interpreted": "∂z_i^(l)/∂W_ij^(l)·∂c/∂z_i^(l)",
     "feedback": ["Line 2 does not follow from line 1.", "z_i^(l) has the wrong unit: it should be z_j^(l)."],
     "mark": "✗"},
    {"line": 3, "text": "a_i^(l-1) * delta_j^l", "status": "incorrect", "interpreted": "a_i^(l−1)·δ_j^(l)",
     "feedback": ["Line 3 does not follow from line 2, but it equals line 1 again: the slip is in line 2."],
     "mark": "✗"},
]
ONE_LINE_HINT = ("A derivation is a chain of equalities: start from ∂c/∂W_ij^(l) and write each step on a new "
                 "line beginning with '=' (or join them with '=' on one line).")


def preview(client, answer, part=PART):
    # sent as a browser may send it: JSON with \u escapes (a lone surrogate included)
    r = client.post("/api/parse", content=json.dumps({"problem": PROBLEM, "part": part, "answer": answer}))
    assert r.status_code == 200, r.text
    return r.json()


def check(client, answer):
    r = client.post("/api/check", content=json.dumps({"problem": PROBLEM, "part": PART, "answer": answer}))
    assert r.status_code == 200, r.text
    return r.json()


def marks_in(html):
    """(line number, mark, what a screen reader hears) for each line of rendered steps."""
    return re.findall(r'<li class="grader-step grader-step-\w+" value="(\d+)"><span class="grader-mark" role="img" '
                      r'aria-label="([^"]+)">(.)</span>', html)


# --- the live preview -------------------------------------------------------------------------

def test_the_preview_marks_each_line_without_grading_it(client):
    seen = preview(client, SLIP)
    assert seen["ok"] is True and seen["message"] is None
    assert seen["steps"] == SLIP_STEPS
    # what a screen reader announces after a pause: the lines to look at, not the whole chain again
    assert seen["summary"] == "3 lines: line 2 does not follow; line 3 does not follow."
    assert "score" not in seen and "status" not in seen     # the grade is Check's to give
    assert marks_in(seen["html"]) == [("1", "start", "▸"), ("2", "does not follow", "✗"),
                                      ("3", "does not follow", "✗")]
    assert "<li>z_i^(l) has the wrong unit: it should be z_j^(l).</li>" in seen["html"]
    assert seen["html"].count("<math ") == 3               # each line as MathML, as the ordinary preview
    good = preview(client, GOOD)
    assert [(s["line"], s["status"], s["mark"]) for s in good["steps"]] == \
        [(1, "start", "▸"), (2, "correct", "✓"), (3, "correct", "✓")]
    assert good["summary"] == "3 lines: each follows from the one before."


def test_the_first_line_alone_is_read_and_told_what_comes_next(client):
    seen = preview(client, "dc/dW_(ij)^l")
    assert seen["ok"] is False and seen["steps"] == []
    assert seen["message"] == seen["summary"] == ONE_LINE_HINT
    assert seen["html"].startswith('<p class="grader-interpreted">Interpreted as: <math ')
    assert seen["html"].endswith("<p>A derivation is a chain of equalities: start from ∂c/∂W_ij^(l) and write "
                                 "each step on a new line beginning with &#x27;=&#x27; (or join them with "
                                 "&#x27;=&#x27; on one line).</p>")


def test_an_unreadable_line_gets_its_caret(client):
    seen = preview(client, "dc/dW_(ij)^l\n= (a_i^(l-1) * delta_j^l")
    assert seen["ok"] is False
    assert [(s["line"], s["status"], s["mark"], s["feedback"]) for s in seen["steps"]] == \
        [(1, "start", "▸", []), (2, "invalid", "!", ["This '(' is never closed."])]
    assert '<pre class="grader-caret" aria-label="the error is at character 1">(a_i^(l-1) * delta_j^l\n^</pre>' \
        in seen["html"]


def test_other_parts_keep_their_preview(client):
    """`part` is optional and changes nothing for an expression part: the same reading as before."""
    body = {"problem": "sigmoid", "answer": "1/1+e^(-z)"}
    plain = client.post("/api/parse", json=body).json()
    assert client.post("/api/parse", json={**body, "part": "derivative"}).json() == plain
    assert plain["ok"] is True and plain["interpreted"] == "1/1 + e^(−z)"
    r = client.post("/api/parse", json={**body, "part": "no-such-part"})
    assert r.status_code == 404 and r.json() == {"error": "Problem 'sigmoid' has no such part."}


def test_the_preview_takes_the_checks_path_and_its_deadline(bank, monkeypatch):
    """Marks need the lines evaluated: the preview runs in the check's killable worker under the
    server's deadline (a slow check is stopped), and leaves the verdict cached for Check."""
    def slow(*args):
        time.sleep(30)
    from grader.checking import checker
    monkeypatch.setattr(checker, "check", slow)     # the forked child inherits the slow checker
    with TestClient(web.create_app(bank, seconds=0.5)) as c:
        t = time.monotonic()
        seen = c.post("/api/parse", json={"problem": PROBLEM, "part": PART, "answer": SLIP}).json()
        assert time.monotonic() - t < 10
    message = "This answer is too complex to check. It took longer than 0.5 seconds."
    assert seen == {"ok": False, "steps": [], "message": message, "summary": message, "html": f"<p>{message}</p>"}


def test_check_after_the_preview_uses_the_cached_verdict(bank):
    app = web.create_app(bank)
    with TestClient(app) as c:
        c.post("/api/parse", json={"problem": PROBLEM, "part": PART, "answer": SLIP})
        cached = len(app.state.grading.cache)
        assert cached == 1
        check_body = c.post("/api/check", json={"problem": PROBLEM, "part": PART, "answer": SLIP}).json()
        assert len(app.state.grading.cache) == cached
    assert [{k: v for k, v in s.items()} for s in check_body["steps"]] == \
        [{k: v for k, v in s.items() if k != "mark"} for s in SLIP_STEPS]


# --- the check --------------------------------------------------------------------------------

def test_the_check_shows_each_line_and_the_verdict(client):
    verdict = check(client, SLIP)
    assert verdict["status"] == "incorrect" and verdict["score"] == 0.0 and verdict["word"] == "Incorrect"
    html = verdict["html"]
    assert html.startswith('<div class="grader-verdict grader-incorrect"><p><strong class="grader-status">'
                           'Incorrect</strong> <span class="grader-score">(0/2 points)</span></p><ol class="grader-steps">')
    assert marks_in(html) == [("1", "start", "▸"), ("2", "does not follow", "✗"), ("3", "does not follow", "✗")]
    assert "Interpreted as" not in html                     # the lines are what was read
    # the reasons are under their lines, once; nothing is left for the overall list
    assert html.count("z_i^(l) has the wrong unit") == 1 and 'class="grader-feedback"' not in html

    good = check(client, GOOD)
    assert (good["status"], good["score"], good["max_score"]) == ("correct", 2.0, 2.0)
    assert marks_in(good["html"]) == [("1", "start", "▸"), ("2", "follows", "✓"), ("3", "follows", "✓")]
    assert good["html"].endswith('</ol><ul class="grader-feedback"><li>Every step follows, from ∂c/∂W_ij^(l) to '
                                 'a_i^(l−1)·δ_j^(l).</li></ul></div>')


def test_the_overall_feedback_not_said_under_a_line_is_listed(client):
    short = check(client, "dc/dW_(ij)^l\n= dz_j^l/dW_(ij)^l * dc/dz_j^l")
    assert short["status"] == "incorrect"
    assert marks_in(short["html"]) == [("1", "start", "▸"), ("2", "follows", "✓")]
    listed = re.search(r'<ul class="grader-feedback">(.*)</ul></div>$', short["html"]).group(1)
    assert listed.startswith("<li>The chain ends at line 2, which is not the target a_i^(l−1)·δ_j^(l) yet: ")


# --- hostile input ----------------------------------------------------------------------------

def test_two_hundred_lines_are_refused_with_a_reason(client):
    chain = "dc/dW_(ij)^l\n" + "= a_i^(l-1) * delta_j^l\n" * 199
    assert len(json.dumps({"problem": PROBLEM, "part": PART, "answer": chain})) < web.MAX_BODY
    message = "This derivation has 200 lines; the grader reads up to 40. Keep the steps that matter."
    assert preview(client, chain) == {"ok": False, "steps": [], "message": message, "summary": message,
                                      "html": f"<p>{message}</p>"}
    verdict = check(client, chain)
    assert (verdict["status"], verdict["feedback"]) == ("invalid", [message])


def test_binary_junk_and_markup_come_back_escaped(client):
    junk = "dc/dW_(ij)^l\n= \x00\x07\ufffe\udc80 <img src=x onerror=alert(1)>\n= a_i^(l-1) & <b>"
    seen = preview(client, junk)
    assert seen["steps"] == [] and seen["message"].startswith("Line 2 has '<': a derivation here is a chain of "
                                                              "equalities")
    verdict = check(client, junk)
    for html in (seen["html"], verdict["html"]):
        assert "<img" not in html and "<b>" not in html and "\x00" not in html
    lone = preview(client, "dc/dW_(ij)^l\n= \x00\x01 junk \udc80\n= a_i^(l-1) * delta_j^l")
    assert [(s["line"], s["status"]) for s in lone["steps"]] == [(1, "start"), (2, "invalid"), (3, "correct")]
    assert lone["steps"][1]["feedback"] == ["The answer contains a control character (U+0000) at column 1."]
    assert "\x00" not in lone["html"]
    first_only = preview(client, "\x00\x01\xff\ufffe" * 10)
    assert first_only["html"] == ("<p>The answer contains a control character (U+0000) at column 1.</p>"
                                  f"<p>{ONE_LINE_HINT.replace(chr(39), '&#x27;')}</p>")


def test_a_megabyte_is_refused_before_it_is_read(client):
    for path in ("/api/parse", "/api/check"):
        r = client.post(path, json={"problem": PROBLEM, "part": PART, "answer": "= a\n" * 250_000})
        assert r.status_code == 413
        assert r.json() == {"error": f"The request is too large (the limit is {web.MAX_BODY} bytes)."}


def test_the_attack_corpus_as_a_derivation(bank, tmp_path):
    """Every hostile answer of the corpus, alone and as the middle line of a chain, through the
    live preview and the check of a derivation part: JSON with our words, nothing run, no markup
    of the student's back on the page, never full marks."""
    import attack_corpus as corpus
    sentinel = tmp_path / "PWNED-sentinel"
    answered = 0
    with TestClient(web.create_app(bank, student="mallory"), raise_server_exceptions=False) as c:
        for name, text, _ in corpus.answers(sentinel):
            for answer in (text, f"dc/dW_(ij)^l\n= {text}\n= a_i^(l-1) * delta_j^l"):
                body = json.dumps({"problem": PROBLEM, "part": PART, "answer": answer})
                seen, verdict = c.post("/api/parse", content=body), c.post("/api/check", content=body)
                if seen.status_code == 413:
                    assert verdict.status_code == 413 and verdict.json() == seen.json() == \
                        {"error": f"The request is too large (the limit is {web.MAX_BODY} bytes)."}, name
                    continue
                assert seen.status_code == verdict.status_code == 200, (name, seen.text[:200], verdict.text[:200])
                assert verdict.json()["status"] in ("incorrect", "invalid"), name
                for html in (seen.json()["html"], verdict.json()["html"]):
                    assert re.search(r"<script|<img|<iframe|javascript:|onerror=", html, re.I) is None, name
                    assert re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", html) is None, name
                assert "Traceback" not in seen.text + verdict.text, name
                answered += 1
    assert answered > 250
    assert not sentinel.exists(), "a hostile payload was executed"
