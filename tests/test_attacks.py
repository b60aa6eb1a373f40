"""Attack suite: hostile answers, answer files, class folders and problem files.

Every attack must end cleanly: a Verdict with status correct / incorrect / invalid and
plain-text feedback (no traceback, no Python repr, no exception, no control characters),
within a time bound, creating no file outside the output folder and running no code (a
sentinel file that any executed payload would create must never appear).

The corpus lives in tests/attack_corpus.py. The long random-text run is opt-in:

    GRADER_HYPOTHESIS_EXAMPLES=20000 python -m pytest -q tests/test_attacks.py -k hypothesis

(see bench/README.md for the command and its last result).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import attack_corpus as corpus
from grader.checking import checker as equivalence
from grader.show.escape import safe_log_text
from grader.classes.classrun import BatchError, grade_class
from grader.classes.submissions import student_id
from grader.interfaces.cli import main as cli
from grader.model import CORRECT, INCORRECT, INVALID, MISSING, Verdict
from grader.authoring.loader import ProblemError, default_bank_dir, load_bank, load_problem
from grader.authoring.validation import validate
from grader.answers.parser import AnswerSyntaxError, parse

TIME_LIMIT = 5.0          # a hang guard per answer (the batch budget), not a speed claim: bench/ measures speed
BATCH_LIMIT = 60.0        # seconds for a whole hostile class
MAX_FEEDBACK = 1000       # characters of feedback a student can be shown for one answer
STATUSES = (CORRECT, INCORRECT, INVALID)
HYPOTHESIS_EXAMPLES = int(os.environ.get("GRADER_HYPOTHESIS_EXAMPLES", "150"))

_PYTHONISH = re.compile(
    r"Traceback|File \"|<class |<function |<built-in|<module |object at 0x|\b__\w+__\b|"
    r"\b(?:Type|Value|Key|Index|Attribute|Name|ZeroDivision|Overflow|Recursion|Memory|Syntax|Assertion|"
    r"Runtime|NotImplemented|Unicode\w*|Lookup|Arithmetic|FloatingPoint|OS|IO)Error\b|\bException\b")
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


# --- helpers -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bank():
    return load_bank(default_bank_dir())


@pytest.fixture(scope="module")
def targets(bank):
    found = corpus.attack_targets(bank)
    # the bank must offer at least these flavours for the suite to mean anything
    for need in ("scalar", "indexed", "numeric", "choice"):
        assert need in found, f"the bank has no {need} part to attack"
    return found


@pytest.fixture()
def sentinel(tmp_path):
    path = tmp_path / "PWNED-sentinel"
    yield path
    assert not path.exists(), "a hostile payload was executed: the sentinel file exists"


def unclean_text(text: str) -> list[str]:
    """Why `text` is not plain text a student can be shown (empty list: it is)."""
    problems = []
    m = _PYTHONISH.search(text)
    if m:
        problems.append(f"Python internals {m.group()!r}")
    bad = sorted({f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in _BAD_CATEGORIES})
    if bad:
        problems.append("control/format characters " + ", ".join(bad[:5]))
    return problems


def assert_clean(verdict, allowed=frozenset(STATUSES), elapsed: float = 0.0, what: str = "") -> None:
    assert isinstance(verdict, Verdict), f"{what}: not a Verdict: {type(verdict).__name__}"
    assert verdict.status in STATUSES, f"{what}: status {verdict.status!r}"
    assert verdict.status in allowed, f"{what}: status {verdict.status!r}, expected one of {sorted(allowed)}"
    assert 0.0 <= verdict.score <= verdict.max_score, f"{what}: score {verdict.score}/{verdict.max_score}"
    assert isinstance(verdict.feedback, tuple) and all(isinstance(f, str) for f in verdict.feedback)
    if verdict.status == INVALID:
        assert verdict.feedback and any(f.strip() for f in verdict.feedback), f"{what}: invalid without a reason"
    for field in ("interpreted", "interpreted_ascii", "interpreted_latex"):
        value = getattr(verdict, field)
        assert value is None or isinstance(value, str)
        if isinstance(value, str):
            assert not unclean_text(value), f"{what}: {field} {value[:80]!r}: {unclean_text(value)}"
    text = " ".join(verdict.feedback)
    assert not unclean_text(text), f"{what}: feedback {text[:200]!r}: {unclean_text(text)}"
    assert elapsed < TIME_LIMIT, f"{what}: took {elapsed:.2f} s"


def timed_check(problem, part, answer, values=None):
    t = time.perf_counter()
    v = equivalence.check(problem, part, answer, values)
    return v, time.perf_counter() - t


def _snapshot(root: Path, skip: Path | None = None) -> dict:
    """path -> (kind, size, sha256 or link target) for everything under root (not following links)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        d = Path(dirpath)
        if skip is not None and (d == skip or skip in d.parents):
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = d / name
            if skip is not None and p == skip:
                continue
            st_ = os.lstat(p)
            if stat.S_ISLNK(st_.st_mode):
                out[str(p)] = ("link", os.readlink(p))
            elif stat.S_ISREG(st_.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                out[str(p)] = ("file", st_.st_size, h.hexdigest())
            else:
                out[str(p)] = ("other", stat.S_IFMT(st_.st_mode))
    return out


# --- hostile answers through equivalence.check ----------------------------------------------------

@pytest.mark.parametrize("case", corpus.ids())
def test_hostile_answer_gets_a_clean_verdict(case, bank, targets, sentinel):
    name, text, allowed = next(c for c in corpus.answers(sentinel) if c[0] == case)
    for flavour, (problem, part) in sorted(targets.items()):
        allowed_here = allowed
        if part.kind in ("choice", "multi-choice") and case.endswith("many-options"):
            allowed_here = corpus.ANY      # "A, A, ..., A" is a (repetitive) choice of A
        v, dt = timed_check(problem, part, text)
        assert_clean(v, allowed_here, dt, f"{case} on {problem.id}/{part.id}")
        assert len(" ".join(v.feedback)) <= 20 * MAX_FEEDBACK


def test_hostile_answers_against_student_variants(bank, targets, sentinel):
    """Numeric parts with per-student given values: hostile answers and hostile student ids."""
    if "numeric-variants" in targets:
        problem, part = targets["numeric-variants"]
    else:
        problem, part = targets["numeric"]
    from grader.checking.variants import variant_values    # drawn whether or not the bank switches them on
    for student in ("../../etc/passwd", "\x00", "a" * 10_000, "\u202e", "$(touch x)"):
        values = variant_values(problem, student)
        for _, text, allowed in corpus.answers(sentinel)[:40]:
            v, dt = timed_check(problem, part, text, values)
            assert_clean(v, allowed, dt, f"{text[:30]!r} for student {student[:20]!r}")


@pytest.mark.parametrize("answer", [None, b"\xff\xfe\x00", b"1", 123, 1e308, float("nan"), ["z"], {"z": 1},
                                    bytearray(b"z" * 10), object()], ids=lambda a: type(a).__name__)
def test_answers_that_are_not_text(answer, targets):
    for flavour, (problem, part) in sorted(targets.items()):
        v, dt = timed_check(problem, part, answer)
        assert_clean(v, frozenset(STATUSES) if isinstance(answer, (bytes, bytearray)) else corpus.NOT_RIGHT,
                     dt, f"{type(answer).__name__} on {flavour}")


def test_feedback_quotes_a_long_unknown_name_briefly(targets):
    """A 1,999-character unknown name must not be pasted (twice) into the feedback."""
    for flavour in ("scalar", "indexed"):
        problem, part = targets[flavour]
        v, dt = timed_check(problem, part, "q" * 1_999)
        assert_clean(v, corpus.ONLY_INVALID, dt, flavour)
        assert len(" ".join(v.feedback)) <= MAX_FEEDBACK, \
            f"{flavour}: {len(' '.join(v.feedback))} characters of feedback for a long unknown name"


@pytest.mark.parametrize("case", [c for c in corpus.ids()
                                  if c.split("/")[0] in ("huge", "nesting", "undefined", "confusable")])
def test_parse_and_render_hostile_text(case, sentinel):
    """The parser alone: an AnswerSyntaxError with a student message, or a tree whose
    renderings and SymPy form come back quickly."""
    from grader.answers.names import table_for
    _, text, _ = next(c for c in corpus.answers(sentinel) if c[0] == case)
    table = table_for(names=("z",), functions=("f",))
    t = time.perf_counter()
    try:
        parsed = parse(text, table)
    except AnswerSyntaxError as err:
        assert isinstance(err.message, str) and err.message and not unclean_text(err.message)
        assert time.perf_counter() - t < TIME_LIMIT
        return
    for style in (parsed.unicode, parsed.ascii, parsed.latex):
        assert isinstance(style, str) and not unclean_text(style)
    parsed.sympy()
    assert time.perf_counter() - t < TIME_LIMIT, f"{case}: parse + render + sympy took too long"


# --- random text (hypothesis) ---------------------------------------------------------------------

_TOKENS = ["z", "x", "y", "e", "pi", "f", "f'", "g", "sigma", "tanh", "exp", "log", "sqrt", "relu", "max", "min",
           "sum_k", "sum_j", "delta", "w", "a", "W", "_", "^", "**", "*", "/", "+", "-", ".*", "'", "T", "(", ")",
           "{", "}", "[", "]", ",", " ", "j", "k", "l", "L", "l+1", "l-1", "(jk)", "(kj)", "0", "1", "2", "10",
           "0.5", "1e308", "1e-308", "9", "99999", "!", "=", "\u00b2", "\u03b4", "\u2212", "\u00b7", "\x00", "\u202e"]


def _hypothesis_settings():
    # the default short run is derandomized (the same examples every time: no flaky suite);
    # the opt-in long run explores freshly each time
    long_run = "GRADER_HYPOTHESIS_EXAMPLES" in os.environ
    return settings(max_examples=HYPOTHESIS_EXAMPLES, deadline=None, database=None, derandomize=not long_run,
                    suppress_health_check=list(HealthCheck), print_blob=True)


FLAVOURS = ("scalar", "scalar-with-functions", "restricted", "indexed", "matrix", "numeric", "numeric-variants",
            "choice", "multi-choice")


def _target(targets, flavour):
    # a flavour the bank lacks (it is still being written) falls back to a plain scalar part
    return targets.get(flavour) or targets["scalar"]


def _check_one(problem, part, text):
    v, dt = timed_check(problem, part, text)
    assert_clean(v, frozenset(STATUSES), dt, f"{text!r} on {problem.id}/{part.id}")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_hypothesis_random_unicode_text(flavour, targets):
    problem, part = _target(targets, flavour)

    @_hypothesis_settings()
    @given(st.text(max_size=300))
    def run(text):
        _check_one(problem, part, text)
        try:
            parse(text, problem.table)
        except AnswerSyntaxError as err:
            assert err.message and not unclean_text(err.message)

    run()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_hypothesis_token_soup(flavour, targets):
    """Random sequences of the answer language's own tokens reach the evaluator far more often
    than random characters do."""
    problem, part = _target(targets, flavour)

    @_hypothesis_settings()
    @given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
    def run(text):
        _check_one(problem, part, text)

    run()


# --- hostile answer files and class folders through grade_class --------------------------------

SECRET = "SECRET-TOKEN-3f9c2a"


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar holding exactly `text` (escapes for everything but
    printable ASCII, \\U for characters outside the BMP, which JSON would split in two)."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _answers_yaml(answers: dict) -> str:
    lines = []
    for pid, parts in answers.items():
        lines.append(f"{json.dumps(pid)}:")
        for part_id, text in parts.items():
            lines.append(f"  {json.dumps(part_id)}: {yaml_quote(text)}")
    return "\n".join(lines) + "\n"


def build_hostile_class(root: Path, bank: dict, targets: dict, sentinel: Path) -> tuple[Path, dict]:
    """A class folder full of hostile submissions. Returns (DIR, {student id: expect}) where
    expect is "graded", "partial" or "error"."""
    src = root / "class"
    outside = root / "outside"
    src.mkdir()
    outside.mkdir()
    secret_answers = {pid: {p.id: SECRET for p in bank[pid].parts} for pid in bank}
    _write(outside / "secret.yaml", _answers_yaml(secret_answers))
    _write(outside / "secret-folder" / "answers.yaml", _answers_yaml(secret_answers))
    expect: dict[str, str] = {}

    def student_file(name: str, data, kind="graded", folder=True):
        if folder:
            _write(src / name / "answers.yaml", data)
        else:
            _write(src / f"{name}.yaml", data)
        expect[name] = kind

    # a student who gets everything right (the reference answers)
    student_file("alice", _answers_yaml({pid: {p.id: p.answer for p in bank[pid].parts} for pid in bank}))
    # hostile answers to every flavour of part, spread over several students
    hostile = corpus.answers(sentinel)
    def surrogate(t):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in t)

    # answers that hit a known checker bug (U+2028/U+2029 echoed raw into the feedback; a
    # Unicode digit crashing a choice part) are covered by test_hostile_answer_gets_a_clean_verdict;
    # leaving them out here keeps this test about the batch itself
    known = {"control/line-separator", "control/paragraph-separator", "confusable/superscript-digit-alone",
             "confusable/circled-digit", "confusable/superscript-digits-list"}
    small = [(n, t) for n, t, _ in hostile if len(t) < 200_000 and not surrogate(t) and n not in known]
    # a lone surrogate cannot be stored in a UTF-8 file: YAML's \ud800 escape is refused
    problem, part = targets["scalar"]
    student_file("lone-surrogate", _answers_yaml({problem.id: {part.id: "z\ud800"}}), "error")
    big = [(n, t) for n, t, _ in hostile if 200_000 <= len(t) <= 1_500_000]
    flavours = sorted(targets.items())
    for i in range(0, len(small), len(flavours)):
        chunk = small[i:i + len(flavours)]
        answers: dict = {}
        for (name, text), (_, (problem, part)) in zip(chunk, flavours):
            answers.setdefault(problem.id, {})[part.id] = text
        student_file(f"hostile-{i // len(flavours):03d}", _answers_yaml(answers))
    for j, (name, text) in enumerate(big):
        problem, part = targets["scalar"]
        data = _answers_yaml({problem.id: {part.id: text}})
        from grader.limits import ANSWER_FILE_MAX_BYTES as MAX_BYTES
        student_file(f"big-{j}", data, "error" if len(data.encode()) > MAX_BYTES else "graded", folder=bool(j % 2))

    # hostile YAML
    student_file("bomb-billion-laughs", corpus.billion_laughs(), "error")
    student_file("bomb-quadratic", corpus.quadratic_blowup(), "error")
    for name, text in corpus.yaml_tags(sentinel).items():
        student_file(f"yaml-{name}", text, "error")
    student_file("deep-lists", "sigmoid: " + "[" * 10_000 + "]" * 10_000 + "\n", "error")
    student_file("deep-maps", "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "x: y\n", "error")
    student_file("flow-maps", "a: " + "{b: " * 5_000 + "c" + "}" * 5_000 + "\n", "error")
    student_file("duplicate-keys", "sigmoid:\n  derivative: z\n  derivative: e^(-z)/(1+e^(-z))^2\n", "error")
    student_file("top-level-list", "- sigmoid\n- relu\n", "error")
    student_file("top-level-string", "just some text\n", "error")
    student_file("empty", b"", "error")
    student_file("only-comments", "# nothing here\n# still nothing\n", "error")
    student_file("binary-junk", bytes(range(256)) * 40, "error")
    student_file("invalid-utf8", b"sigmoid:\n  derivative: \xff\xfe\xfa z\n", "error")
    student_file("nul-in-file", b"sigmoid:\n  derivative: z\x00\n", "error")
    student_file("utf16", "sigmoid:\n  derivative: z\n".encode("utf-16"), "error")
    student_file("control-chars-in-yaml", "sigmoid:\n  derivative: \"z\\x1b[2J\\u202e\"\n")
    student_file("windows-newlines", "sigmoid:\r\n  derivative: z\r\n")
    student_file("tabs", "sigmoid:\n\tderivative: z\n", "error")
    student_file("many-documents", "sigmoid: {derivative: z}\n---\nrelu: {derivative-positive: '1'}\n", "error")
    # ids the bank does not know: the rest is graded and the row says "partially graded" (issue 16)
    student_file("unknown-ids", _answers_yaml({f"p{i}": {"x": "1"} for i in range(5_000)}), "partial")
    student_file("traversal-ids", _answers_yaml({"../../etc/passwd": {"../../x": "1"},
                                                 "/etc/shadow": {"..": "1"},
                                                 targets["scalar"][0].id: {"../" + targets["scalar"][1].id: "z"}}),
                 "partial")
    student_file("structured-answers", "sigmoid:\n  derivative: [1, 2, {a: b}]\n  saturation: {a: b}\n")
    # a 50 MB file (sparse: costs no disk) and one just over the 2 MB limit
    (src / "huge-50mb").mkdir()
    with open(src / "huge-50mb" / "answers.yaml", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    expect["huge-50mb"] = "error"
    student_file("just-too-big", "sigmoid:\n  derivative: \"" + "z" * 2_100_000 + "\"\n", "error")

    # folders and names
    (src / "no-file").mkdir()
    expect["no-file"] = "error"
    (src / "answers-is-a-folder" / "answers.yaml").mkdir(parents=True)
    expect["answers-is-a-folder"] = "error"
    (src / "fifo").mkdir()
    os.mkfifo(src / "fifo" / "answers.yaml")
    expect["fifo"] = "error"
    good = _answers_yaml({targets["scalar"][0].id: {targets["scalar"][1].id: targets["scalar"][1].answer}})
    for name in ("zoë martin", "a b\tc", "new\nline", "bidi\u202eevil", "::error::pwned", "##[error]x",
                 "-rf", "--help", "$(touch x)", "`id`", "x..\\..\\etc", "CON", "nul", "x" * 200, "Bob", "bob",
                 "<script>alert(1)<\\script>", "a,b;c", "=cmd|' -C calc'!A0", "\u0430lice", "\ufeffbom"):
        student_file(name, good)
    # a folder name that is not valid UTF-8
    os.makedirs(os.fsencode(src) + b"/bad-\xff-bytes")
    _write(Path(os.fsdecode(os.fsencode(src) + b"/bad-\xff-bytes/answers.yaml")), good)
    expect[os.fsdecode(b"bad-\xff-bytes")] = "graded"
    # hidden and backup-looking entries that hold a submission get a row like any other (issue 15.7)
    _write(src / "..hidden" / "answers.yaml", good)
    expect["..hidden"] = "graded"
    _write(src / ".git" / "answers.yaml", good)
    expect[".git"] = "graded"

    # symbolic links pointing outside DIR: refused, never followed
    os.symlink(outside / "secret-folder", src / "mallory")
    expect["mallory"] = "error"
    os.symlink(outside / "secret.yaml", src / "eve.yaml")
    expect["eve"] = "error"
    (src / "oscar").mkdir()
    os.symlink(outside / "secret.yaml", src / "oscar" / "answers.yaml")
    expect["oscar"] = "error"
    (src / "trent").mkdir()
    os.symlink("/etc/passwd", src / "trent" / "answers.yaml")
    expect["trent"] = "error"
    os.symlink("../outside/secret.yaml", src / "relative.yaml")
    expect["relative"] = "error"
    os.symlink("loop", src / "loop")
    expect["loop"] = "error"
    os.symlink(outside / "does-not-exist", src / "dangling.yaml")
    expect["dangling"] = "error"
    os.symlink("/dev/zero", src / "zero.yaml")
    expect["zero"] = "error"
    return src, expect


def _assert_outputs_clean(out: Path, outcome, expect: dict) -> list[dict]:
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {r["student"]: r for r in data}
    for student, kind in expect.items():
        shown = student.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
            if any(0xDC80 <= ord(c) <= 0xDCFF for c in student) else student
        row = rows.get(student_id(student)) or rows.get(shown) or next(
            (r for s, r in rows.items() if s.replace("\ufffd", "?") == shown.replace("\ufffd", "?")), None)
        assert row is not None, f"no row for {student!r} in results.json (rows: {sorted(rows)[:10]}...)"
        assert row["status"] == kind, f"{student!r}: status {row['status']!r} ({row.get('message')}), expected {kind}"
        if kind == "error":
            assert row.get("message") and not unclean_text(row["message"]), f"{student!r}: {row.get('message')!r}"
    assert len(data) == len(expect), f"{len(data)} rows for {len(expect)} students"
    for row in data:
        for part in row["parts"]:
            assert part["status"] in STATUSES + (MISSING,)
            for text in part.get("feedback") or []:
                assert not unclean_text(text), f"{row['student']!r} {part['problem']}/{part['part']}: {text[:120]!r}"
            assert "internal error" not in " ".join(part.get("feedback") or []), (row["student"], part)
    # every output exists, is a regular file inside OUT, and does not contain the secret
    for name in ("results.json", "gradebook.csv", "junit.xml", "report.html"):
        assert (out / name).is_file()
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            assert not p.is_symlink() or _ours(out, p), f"{p} is a symbolic link"
            assert out.resolve() in p.resolve().parents
            if p.is_file():
                assert SECRET.encode() not in p.read_bytes(), f"{p} contains text read through a symbolic link"
                assert not name.endswith(".tmp"), f"{p}: a temporary file was left behind"
    return data


def _ours(out: Path, link: Path) -> bool:
    """The grader's own links (OUTDIR's names -> .grader/current -> its set) stay inside OUTDIR."""
    return (out / ".grader").resolve() in link.resolve().parents


def test_hostile_class_folder(tmp_path, bank, targets, sentinel):
    src, expect = build_hostile_class(tmp_path, bank, targets, sentinel)
    out = tmp_path / "out"
    parent_before = sorted(os.listdir(tmp_path.parent))
    before = _snapshot(tmp_path, skip=out)
    logs: list[str] = []
    t = time.perf_counter()
    outcome = grade_class(src, out, bank, jobs=2, deadline=5.0,
                              generated_at="2000-01-01T00:00:00Z", log=logs.append)
    elapsed = time.perf_counter() - t
    assert elapsed < BATCH_LIMIT, f"the hostile class took {elapsed:.1f} s"
    assert outcome.found == len(expect)
    assert outcome.crashed == 0 and outcome.too_complex == 0
    _assert_outputs_clean(out, outcome, expect)
    # nothing created, changed or removed outside OUT
    assert _snapshot(tmp_path, skip=out) == before
    assert sorted(os.listdir(tmp_path.parent)) == parent_before
    for line in logs:
        assert "\x1b" not in line and "\n" not in line and "\u202e" not in line, repr(line)
        shown = safe_log_text(line)     # what the CLI prints
        assert not re.search(r"(^|\s)::\w+", shown), f"workflow command in a log line: {shown!r}"


def test_regrade_named_students_with_traversal_ids(tmp_path, bank, targets):
    src = tmp_path / "class"
    good = _answers_yaml({targets["scalar"][0].id: {targets["scalar"][1].id: targets["scalar"][1].answer}})
    _write(src / "alice" / "answers.yaml", good)
    out = tmp_path / "out"
    grade_class(src, out, bank, jobs=1, log=lambda s: None)
    before = _snapshot(tmp_path, skip=out)
    parent_before = sorted(os.listdir(tmp_path.parent))
    wanted = ["../../etc", "..", ".", "/etc/passwd", "../out/results.json", "a/../../b", "\x00", "alice"]
    try:
        outcome = grade_class(src, out, bank, jobs=1, students=wanted, log=lambda s: None)
    except BatchError as exc:       # a clear refusal is fine too
        assert not unclean_text(str(exc))
    else:
        rows = {r.student for r in outcome.results}
        assert "alice" in rows
    assert _snapshot(tmp_path, skip=out) == before
    assert sorted(os.listdir(tmp_path.parent)) == parent_before
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            assert out.resolve() in p.resolve().parents and (not p.is_symlink() or _ours(out, p))


def test_output_folder_with_planted_symlinks(tmp_path, bank, targets):
    """Symbolic links planted in OUTDIR are never written through."""
    src = tmp_path / "class"
    good = _answers_yaml({targets["scalar"][0].id: {targets["scalar"][1].id: targets["scalar"][1].answer}})
    _write(src / "alice" / "answers.yaml", good)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(elsewhere, out / "feedback")
    before = _snapshot(elsewhere)
    try:
        grade_class(src, out, bank, jobs=1, log=lambda s: None)
    except BatchError as exc:
        assert "symbolic link" in str(exc)
    assert _snapshot(elsewhere) == before


def test_hostile_class_through_the_cli(tmp_path, bank, targets, sentinel):
    src = tmp_path / "class"
    _write(src / "alice" / "answers.yaml",
           _answers_yaml({targets["scalar"][0].id: {targets["scalar"][1].id: "__import__('os').system('touch %s')" % sentinel}}))
    _write(src / "bomb.yaml", corpus.billion_laughs())
    _write(src / "tag.yaml", corpus.yaml_tags(sentinel)["tag-apply"])
    os.symlink("/etc/passwd", src / "link.yaml")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["grade", str(src), "--out", str(out), "--jobs", "2"])
    assert res.exit_code == 3, res.output   # some submission could not be graded
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    rows = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(r["student"] for r in rows) == ["alice", "bomb", "link", "tag"]


# --- hostile problem files -----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(corpus.hostile_problem_files("SENTINEL")))
def test_hostile_problem_file(name, tmp_path, sentinel):
    files = corpus.hostile_problem_files(sentinel)
    bank_dir_ = tmp_path / "bank"
    path = bank_dir_ / name
    _write(path, files[name])
    t = time.perf_counter()
    try:
        problem = load_problem(path)
    except ProblemError as exc:
        assert str(path) in str(exc) or name in str(exc)
        assert not unclean_text(str(exc))
        problem = None
    assert time.perf_counter() - t < TIME_LIMIT
    if problem is not None:
        # it loaded: validate must name the hostile reference, and a student checking an
        # answer against it must get the documented "bank is invalid" exit (5), not a crash (70)
        issues = validate([path])
        assert issues, f"{name}: a hostile reference passed validation"
        for part in problem.parts:
            res = CliRunner().invoke(cli, ["check", "--problems", str(bank_dir_), problem.id, part.id, "z"])
            assert res.exit_code == 5, f"{name}: exit {res.exit_code}: {res.output!r}"
            assert "internal error" not in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert res.exit_code == 5, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    res = CliRunner().invoke(cli, ["list", "--problems", str(bank_dir_)])
    assert res.exit_code in (0, 5), res.output
    assert "Traceback" not in res.output and "internal error" not in res.output


# --- the CLI -------------------------------------------------------------------------------------

CLI_ANSWERS = ["import-os-system", "dunder-subclasses", "exec", "dollar-paren", "backticks", "semicolon-rm",
               "tower-caret", "var-to-googolplex", "million-digits", "open-parens-10000", "megabyte-letters",
               "nul", "escape-sequence", "bidi-override", "line-separator", "cyrillic-a", "fullwidth",
               "one-over-zero", "nan", "float-overflow"]


def _terminal_safe(output: str) -> None:
    assert "Traceback" not in output and "internal error" not in output
    for ch in ("\x1b", "\x00", "\u202e", "\u2066", "\u2028", "\x9b", "\x07"):
        assert ch not in output, f"{ch!r} echoed to the terminal: {output[:200]!r}"


@pytest.mark.parametrize("case", CLI_ANSWERS)
def test_cli_check_hostile_answer(case, targets, sentinel):
    _, text, _ = next(c for c in corpus.answers(sentinel) if c[0].endswith("/" + case))
    problem, part = targets["scalar"]
    runner = CliRunner()
    if "\x00" in text or len(text) > 100_000 or text.startswith("-"):
        args, stdin = ["check", problem.id, part.id, "-"], text
    else:
        args, stdin = ["check", problem.id, part.id, text], None
    t = time.perf_counter()
    res = runner.invoke(cli, args, input=stdin)
    assert time.perf_counter() - t < 2 * TIME_LIMIT
    assert res.exit_code in (0, 1), (res.exit_code, res.output)
    _terminal_safe(res.output)
    res = runner.invoke(cli, ["check", "--format", "json", problem.id, part.id, "-"], input=text)
    assert res.exit_code in (0, 1), res.output
    data = json.loads(res.output)
    assert data["status"] in STATUSES


def test_cli_interactive_loop_with_hostile_lines(targets, sentinel):
    problem, part = targets["scalar"]
    lines = ["__import__('os').system('touch %s')" % sentinel, "9^9^9^9", "\x1b[2J", "(" * 5000, "\u202ez", "?", ""]
    res = CliRunner().invoke(cli, ["check", problem.id, part.id], input="\n".join(lines) + "\n")
    assert res.exit_code == 1
    # CliRunner echoes the typed input after each prompt (a terminal would too): skip those lines
    shown = "\n".join(line for line in res.output.split("\n") if not line.startswith("Your answer >"))
    _terminal_safe(shown)
    assert shown.count("Invalid") >= 5, res.output[:2000]


@pytest.mark.parametrize("args", [
    ["check", "../../etc/passwd", "x", "1"],
    ["check", "/etc/passwd", "x", "1"],
    ["show", "../../etc"],
    ["check", "sigmoid", "../../x", "1"],
    ["check", "--problems", "/etc", "sigmoid", "derivative", "1"],
    ["grade", "/nonexistent/../../etc", "--out", "/nonexistent/out"],
    ["compare", "9^9^9^9", "z"],
    ["compare", "__import__('os').system('id')", "z"],
    ["compare", "z", "lambda: 0"],
    ["compare", "(" * 10000, ")" * 10000],
], ids=lambda a: " ".join(a)[:40])
def test_cli_hostile_arguments(args, tmp_path):
    res = CliRunner().invoke(cli, args)
    assert res.exit_code in (1, 2, 5), (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit)
    _terminal_safe(res.output)
    assert not Path("/nonexistent/out").exists()
