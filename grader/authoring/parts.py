"""The parts of a problem file: kind, prompt, answer, options, tolerance, and the answer rules
that come with a part (instructor's mistakes with their feedback, self-tests with the status
they must get). Read through the loader's FieldReader, returned as `model.Part`.
"""
from __future__ import annotations

from typing import Any, Optional

from grader.checking.derivation import CREDITS
from grader.limits import MAX_CHAIN_LINES, MAX_LABELS
from grader.model import (
    CHOICE, DERIVATION, EXPRESSION, MULTI_CHOICE, NUMERIC, PART_KINDS, Mistake, PartKind, Status, Part, PartTest,
    Tolerance,
)
from grader.authoring.fields import (
    PART_ID_PATTERN, LABEL_RE, PART_ID_RE, TAG_RE, EXPRESSION_TOLERANCES, MISTAKE_FIELDS, NUMERIC_TOLERANCES,
    PART_FIELDS, TEST_FIELDS, TEST_STATUSES, TOLERANCE_FIELDS,
)
from grader.authoring.yamlsafe import YDict
from grader.authoring.fieldreader import FieldReader, kind_of, line_of, suggest


def choice_labels(text: str) -> list[str]:
    """'B, C' -> ['B', 'C'] (labels as written, stripped; empty items kept as '')."""
    return [t.strip() for t in text.split(",")]


def read_part(r: FieldReader, raw: Any, index: int, line: Optional[int]) -> Part:
    m = r.mapping(raw, f"part {index + 1}", line)
    pline = m.line if m.line is not None else line
    pid = r.text(m, "id", f"part {index + 1}", required=True)
    if not PART_ID_RE.fullmatch(pid):
        r.fail(m.key_line("id"), f"part id '{pid}' must match {PART_ID_PATTERN}: letters, digits and '-'")
    what = f"part '{pid}'"
    r.check_fields(m, PART_FIELDS, what)
    prompt = r.text(m, "prompt", what, required=True)
    kind = r.text(m, "kind", what) or EXPRESSION
    if kind not in PART_KINDS:
        r.fail(m.key_line("kind"), f"{what}: unknown kind '{kind}'{suggest(kind, PART_KINDS)}; "
                                   f"use one of {', '.join(PART_KINDS)}")
    kind = PartKind(kind)
    answer = r.text(m, "answer", what, required=True).strip()

    points = 1.0
    if "points" in m:
        points = r.number(m["points"], f"{what}: 'points'", m.key_line("points"))
        if not points > 0:
            r.fail(m.key_line("points"), f"{what}: 'points' must be greater than 0")

    options: tuple[str, ...] = ()
    is_choice = kind in (CHOICE, MULTI_CHOICE)
    if "options" in m:
        if not is_choice:
            r.fail(m.key_line("options"), f"{what}: only choice and multi-choice parts have 'options'")
        options = tuple(r.text_list(m["options"], f"{what}: 'options'", m.key_line("options")))
        if not 2 <= len(options) <= MAX_LABELS:
            r.fail(m.key_line("options"), f"{what}: give between 2 and {MAX_LABELS} options")
    elif is_choice:
        r.fail(pline, f"{what}: a {kind} part needs 'options'")
    if is_choice:
        _check_labels(r, answer, kind, len(options), f"{what}: 'answer'", m.key_line("answer"))

    partial_credit = False
    if "partial_credit" in m:
        partial_credit = r.boolean(m["partial_credit"], f"{what}: 'partial_credit'", m.key_line("partial_credit"))
        if kind != MULTI_CHOICE:
            r.fail(m.key_line("partial_credit"), f"{what}: 'partial_credit' is only for multi-choice parts")

    tolerance = _tolerance(r, m, kind, what)

    forbidden = required = ()
    if "forbidden" in m:
        if is_choice:
            r.fail(m.key_line("forbidden"), f"{what}: choice parts cannot forbid names")
        forbidden = tuple(r.text_list(m["forbidden"], f"{what}: 'forbidden'", m.key_line("forbidden"),
                                      allow_single=True))
    if "required" in m:
        if is_choice:
            r.fail(m.key_line("required"), f"{what}: choice parts cannot require names")
        required = tuple(r.text_list(m["required"], f"{what}: 'required'", m.key_line("required"),
                                     allow_single=True))
    clash = set(forbidden) & set(required)
    if clash:
        r.fail(m.key_line("required"), f"{what}: '{sorted(clash)[0]}' is both forbidden and required")
    restriction = r.text(m, "restriction", what)

    hints: tuple[str, ...] = ()
    if "hints" in m:
        hints = tuple(r.text_list(m["hints"], f"{what}: 'hints'", m.key_line("hints"), allow_single=True))
    show_solution = False
    if "show_solution" in m:
        show_solution = r.boolean(m["show_solution"], f"{what}: 'show_solution'", m.key_line("show_solution"))

    where = r.text(m, "where", what)
    if where is not None:
        if kind not in (EXPRESSION, NUMERIC):
            r.fail(m.key_line("where"), f"{what}: only expression and numeric parts have a condition")
        where = where.strip()
        r.lines[("where", pid)] = m.key_line("where")
    allow_restatement = False
    if "allow_restatement" in m:
        allow_restatement = r.boolean(m["allow_restatement"], f"{what}: 'allow_restatement'",
                                      m.key_line("allow_restatement"))
    formula = False
    if "formula" in m:
        formula = r.boolean(m["formula"], f"{what}: 'formula'", m.key_line("formula"))
        if kind != NUMERIC:
            r.fail(m.key_line("formula"), f"{what}: only numeric parts take 'formula' (other parts take formulas)")

    asks: tuple[str, ...] = ()
    if "asks" in m:
        if kind not in (EXPRESSION, NUMERIC):
            r.fail(m.key_line("asks"), f"{what}: only expression and numeric parts say what they ask for ('asks')")
        asks = tuple(a.strip() for a in r.text_list(m["asks"], f"{what}: 'asks'", m.key_line("asks"),
                                                    allow_single=True))
        r.lines[("asks", pid)] = m.key_line("asks")

    derivation = _derivation(r, m, kind, what, pid)
    mistakes = _mistakes(r, m, pid, kind, len(options), what)
    tests = _tests(r, m, pid, kind, len(options), what)
    return Part(**derivation, id=pid, prompt=prompt, kind=kind, answer=answer, points=points, tolerance=tolerance,
                options=options, partial_credit=partial_credit, forbidden=forbidden, required=required,
                restriction=restriction, hints=hints, show_solution=show_solution, mistakes=mistakes,
                tests=tests, line=pline or 0, where=where, allow_restatement=allow_restatement,
                asks=asks, formula=formula)


def _derivation(r: FieldReader, m: YDict, kind: str, what: str, pid: str) -> dict:
    """A derivation part's own fields (start, min-steps, through, credit); refused on other kinds."""
    own = ("start", "min-steps", "through", "credit")
    if kind != DERIVATION:
        for key in own:
            if key in m:
                r.fail(m.key_line(key), f"{what}: only derivation parts have '{key}'")
        return {}
    if "start" not in m:
        r.fail(m.line, f"{what}: a derivation part needs 'start', what the chain starts from (e.g. dC/dw_(jk)^l)")
    out: dict = {"start": tuple(s.strip() for s in r.text_list(m["start"], f"{what}: 'start'", m.key_line("start"),
                                                               allow_single=True))}
    r.lines[("start", pid)] = m.key_line("start")
    if "min-steps" in m:
        steps = r.number(m["min-steps"], f"{what}: 'min-steps'", m.key_line("min-steps"))
        if steps != int(steps) or not 1 <= steps <= MAX_CHAIN_LINES - 1:
            r.fail(m.key_line("min-steps"), f"{what}: 'min-steps' must be a whole number from 1 to "
                                            f"{MAX_CHAIN_LINES - 1}")
        out["min_steps"] = int(steps)
    if "through" in m:
        out["through"] = tuple(s.strip() for s in r.text_list(m["through"], f"{what}: 'through'",
                                                              m.key_line("through"), allow_single=True))
        r.lines[("through", pid)] = m.key_line("through")
    credit = r.text(m, "credit", what)
    if credit is not None:
        if credit.strip() not in CREDITS:
            r.fail(m.key_line("credit"), f"{what}: 'credit' must be one of {', '.join(CREDITS)}, not "
                                         f"'{credit}'{suggest(credit, CREDITS)}")
        out["credit"] = credit.strip()
    return out


def _check_labels(r: FieldReader, text: str, kind: str, count: int, what: str, line: Optional[int]) -> None:
    labels = choice_labels(text)
    last = chr(ord("A") + count - 1)
    for label in labels:
        if not LABEL_RE.fullmatch(label):
            r.fail(line, f"{what}: '{text}' is not an option label (A to {last}"
                         f"{', comma separated' if kind == MULTI_CHOICE else ''})")
        if ord(label) - ord("A") >= count:
            r.fail(line, f"{what}: option '{label}' is out of range: there are {count} options (A to {last})")
    if len(set(labels)) != len(labels):
        r.fail(line, f"{what}: an option is listed twice in '{text}'")
    if kind == CHOICE and len(labels) != 1:
        r.fail(line, f"{what}: a single-choice answer is one label, not '{text}'")


def _tolerance(r: FieldReader, m: YDict, kind: str, what: str) -> Tolerance:
    if "tolerance" not in m:
        if kind == NUMERIC:
            r.fail(m.line, f"{what}: a numeric part needs a 'tolerance': one of "
                           f"{', '.join(NUMERIC_TOLERANCES)}")
        return Tolerance()
    tline = m.key_line("tolerance")
    if kind in (CHOICE, MULTI_CHOICE):
        r.fail(tline, f"{what}: choice parts have no tolerance")
    t = r.mapping(m["tolerance"], f"{what}: 'tolerance'", tline)
    allowed = NUMERIC_TOLERANCES if kind == NUMERIC else EXPRESSION_TOLERANCES
    for key in t:
        if key not in TOLERANCE_FIELDS:
            r.fail(t.key_line(key), f"{what}: tolerance: unknown field '{key}'{suggest(key, TOLERANCE_FIELDS)}")
        if key not in allowed:
            r.fail(t.key_line(key), f"{what}: tolerance '{key}' is not for {kind} parts; "
                                    f"use {' / '.join(allowed)}")
    values: dict[str, Any] = {}
    for key in t:
        kl = t.key_line(key)
        if key in ("decimals", "sigfigs"):
            n = r.integer(t[key], f"{what}: tolerance '{key}'", kl)
            if not (0 <= n <= 15 if key == "decimals" else 1 <= n <= 15):
                r.fail(kl, f"{what}: tolerance '{key}' must be between {0 if key == 'decimals' else 1} and 15")
            values[key] = n
        else:
            x = r.number(t[key], f"{what}: tolerance '{key}'", kl)
            if key in ("absolute", "relative") and not x > 0:
                r.fail(kl, f"{what}: tolerance '{key}' must be greater than 0")
            if key in ("rtol", "atol") and not x >= 0:
                r.fail(kl, f"{what}: tolerance '{key}' must not be negative")
            values[key] = x
    if kind == NUMERIC and len(values) != 1:
        r.fail(tline, f"{what}: a numeric tolerance is exactly one of {', '.join(NUMERIC_TOLERANCES)}")
    return Tolerance(**values)


def _entries(r: FieldReader, m: YDict, key: str, noun: str, fields: dict, what: str):
    """(index, mapping, description) for each entry of a list of mappings such as `mistakes`."""
    if key not in m:
        return
    raw = m[key]
    line = m.key_line(key)
    if not isinstance(raw, list):
        r.fail(line_of(raw, line), f"{what}: '{key}' must be a list, not {kind_of(raw)}")
    for i, item in enumerate(raw):
        w = f"{what}: {noun} {i + 1}"
        item = r.mapping(item, w, line_of(item, line))
        r.check_fields(item, fields, w)
        yield i, item, w


def _mistakes(r: FieldReader, m: YDict, pid: str, kind: str, count: int, what: str) -> tuple[Mistake, ...]:
    out = []
    tags: dict[str, Optional[int]] = {}
    for i, item, w in _entries(r, m, "mistakes", "mistake", MISTAKE_FIELDS, what):
        answer = r.text(item, "answer", w, required=True).strip()
        message = r.text(item, "message", w, required=True)
        tag = r.text(item, "tag", w, required=True).strip()
        if not TAG_RE.fullmatch(tag):
            r.fail(item.key_line("tag"), f"{w}: tag '{tag}' must match {TAG_RE.pattern}")
        if tag in tags:
            r.fail(item.key_line("tag"), f"{w}: duplicate tag '{tag}' (first at line {tags[tag]})")
        tags[tag] = item.key_line("tag")
        score = 0.0
        if "score" in item:
            score = r.number(item["score"], f"{w}: 'score'", item.key_line("score"))
            if not 0 <= score < 1:
                r.fail(item.key_line("score"), f"{w}: 'score' is a fraction of the points, 0 <= score < 1")
        if kind in (CHOICE, MULTI_CHOICE):
            _check_labels(r, answer, kind, count, f"{w}: 'answer'", item.key_line("answer"))
        r.lines[("mistake", pid, i)] = item.line
        out.append(Mistake(answer=answer, message=message, tag=tag, score=score))
    return tuple(out)


def _tests(r: FieldReader, m: YDict, pid: str, kind: str, count: int, what: str) -> tuple[PartTest, ...]:
    out = []
    for i, item, w in _entries(r, m, "tests", "test", TEST_FIELDS, what):
        answer = r.text(item, "answer", w, required=True, empty_ok=True)
        status = r.text(item, "status", w, required=True).strip()
        if status not in TEST_STATUSES:
            r.fail(item.key_line("status"), f"{w}: status must be one of {', '.join(TEST_STATUSES)}, "
                                            f"not '{status}'{suggest(status, TEST_STATUSES)}")
        feedback = r.text(item, "feedback", w)
        r.lines[("test", pid, i)] = item.line
        out.append(PartTest(answer=answer, status=Status(status), feedback=feedback))
    return tuple(out)
