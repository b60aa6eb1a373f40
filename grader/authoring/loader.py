"""Problem files: YAML (read by `yamlsafe`) -> `model.Problem`.

* `load_problem(path)` reads one file and checks every field's name and type, raising
  `ProblemError` ("path:line: message") at the first mistake;
* `load_bank(directory)` reads every `*.yaml` / `*.yml` file of a folder, sorted by id;
* `default_bank_dir()` is the bank shipped with the package (`grader.bank`, which pyproject
  maps to the repository's `problems/` folder).

The format (fields, patterns, limits) lives in `problem_format` and is documented in
docs/yaml-format.md. Nothing here evaluates text from a file: numbers are matched against a
regular expression before `float()` sees them; expressions are kept as text for the parser.
"""
from __future__ import annotations

import difflib
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Optional

from grader.answers import functions
from grader.authoring import yamlsafe
from grader.errors import AuthorError, os_reason
from grader.checking.evaluate import range_misfit
from grader.limits import DEFAULT_DOMAIN, MAX_LABELS, MAX_SUBSCRIPTS, YAML_MAX_BYTES
from grader.model import (
    CHOICE, EXPRESSION, FUNCTION, INDEX_ROLES, INDEXED, MATRIX, MULTI_CHOICE, NUMERIC, PART_KINDS,
    SCALAR, SYMBOL_KINDS, VECTOR, IndexRole, Mistake, PartKind, Status, SymbolKind, Part, PartTest, Problem,
    Symbol, SymbolTable, Tolerance, Variant,
)
from grader.authoring.fields import (
    DOMAIN_WORDS, ID_RE, INDEX_RE, ID_PATTERN, PART_ID_PATTERN, INT_RE, LABEL_RE, NAME_RE, NUMBER_RE, PART_ID_RE, TAG_RE,
    EXPRESSION_TOLERANCES, EXTENSIONS, MISTAKE_FIELDS, NUMERIC_TOLERANCES, PART_FIELDS,
    INDEX_FIELDS, SYMBOL_FIELDS, TEST_FIELDS, TEST_STATUSES, TOLERANCE_FIELDS, TOP_FIELDS, VARIANT_FIELDS,
    RANDOMIZE_MODES, RANDOMIZE_PER_STUDENT,
)
from grader.authoring.yamlsafe import YDict

# --- errors ----------------------------------------------------------------------------------

class ProblemError(AuthorError):
    """A problem file that cannot be used; str(e) = "path:line: message"."""

    def __init__(self, path: Any, line: Optional[int], message: str):
        super().__init__(message, str(path), line)
        self.path = str(path)
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line(value: Any, default: Optional[int] = None) -> Optional[int]:
    line = getattr(value, "line", None)
    return line if line is not None else default


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a text"


class _Reader:
    """Typed access to the YAML tree of one file, raising ProblemError with file:line."""

    def __init__(self, path: str):
        self.path = path
        self.lines: dict[tuple, Optional[int]] = {}   # ("test", part, i) / ("mistake", part, i) -> line

    def fail(self, line: Optional[int], message: str) -> None:
        raise ProblemError(self.path, line, message)

    def mapping(self, value: Any, what: str, line: Optional[int]) -> YDict:
        if not isinstance(value, dict):
            self.fail(_line(value, line), f"{what} must be a mapping ('key: value' lines), not {_kind_of(value)}")
        return value

    def check_fields(self, mapping: YDict, allowed: dict, what: str, required: Iterable[str] = ()) -> None:
        for key in mapping:
            if key not in allowed:
                line = mapping.key_lines.get(key, mapping.line)
                self.fail(line, f"{what}: unknown field '{key}'{_suggest(key, allowed)}")
        for key in required:
            if key not in mapping:
                self.fail(mapping.line, f"{what}: missing field '{key}'")

    def text(self, mapping: YDict, key: str, what: str, *, required: bool = False,
             empty_ok: bool = False) -> Optional[str]:
        if key not in mapping:
            if required:
                self.fail(mapping.line, f"{what}: missing field '{key}'")
            return None
        value = mapping[key]
        line = mapping.key_lines.get(key, mapping.line)
        if not isinstance(value, str):
            self.fail(_line(value, line), f"{what}: '{key}' must be a text, not {_kind_of(value)}")
        if not empty_ok and not value.strip():
            self.fail(line, f"{what}: '{key}' is empty")
        return str(value)

    def number(self, value: Any, what: str, line: Optional[int]) -> float:
        if not isinstance(value, str) or not NUMBER_RE.fullmatch(value.strip()):
            shown = f"'{value}'" if isinstance(value, str) else _kind_of(value)
            self.fail(_line(value, line), f"{what} must be a number, not {shown}")
        result = float(value.strip())
        if not math.isfinite(result):
            self.fail(_line(value, line), f"{what} is too large a number: '{value}'")
        return result

    def integer(self, value: Any, what: str, line: Optional[int]) -> int:
        if not isinstance(value, str) or not INT_RE.fullmatch(value.strip()) or len(value.strip()) > 6:
            shown = f"'{value}'" if isinstance(value, str) else _kind_of(value)
            self.fail(_line(value, line), f"{what} must be a whole number, not {shown}")
        return int(value.strip())

    def boolean(self, value: Any, what: str, line: Optional[int]) -> bool:
        if isinstance(value, str) and value.strip() in ("true", "True", "false", "False"):
            return value.strip() in ("true", "True")
        shown = f"'{value}'" if isinstance(value, str) else _kind_of(value)
        self.fail(_line(value, line), f"{what} must be true or false, not {shown}")
        raise AssertionError  # unreachable

    def text_list(self, value: Any, what: str, line: Optional[int], *, allow_single: bool = False) -> list[str]:
        if allow_single and isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(_line(value, line), f"{what} must be a list, not {_kind_of(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(_line(item, _line(value, line)), f"{what}: item {i + 1} must be a text, not {_kind_of(item)}")
            if not item.strip():
                self.fail(_line(item, _line(value, line)), f"{what}: item {i + 1} is empty")
            out.append(str(item))
        return out


# --- loading -----------------------------------------------------------------------------------

def _read_bytes(path: Any, limit: int) -> bytes:
    if isinstance(path, (str, os.PathLike)):
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise ProblemError(path, None, f"cannot read the file ({os_reason(exc)})") from None
        if size > limit:
            raise ProblemError(path, None, f"the file is too large ({size:,} bytes; the limit is {limit:,} bytes)")
        try:
            with p.open("rb") as fh:
                return fh.read(limit + 1)
        except OSError as exc:
            raise ProblemError(path, None, f"cannot read the file ({os_reason(exc)})") from None
    try:   # an importlib.resources Traversable
        return path.read_bytes()
    except OSError as exc:
        raise ProblemError(path, None, f"cannot read the file ({os_reason(exc)})") from None


def _stem(path: Any) -> str:
    name = getattr(path, "name", None) or os.path.basename(str(path))
    for ext in EXTENSIONS:
        if name.endswith(ext):
            return name[: -len(ext)]
    return Path(name).stem


def load_problem(path: Any) -> Problem:
    """Read and check one problem file. Raises ProblemError("path:line: message")."""
    problem, _ = _load(path)
    return problem


def _load(path: Any, data: Optional[bytes] = None) -> tuple[Problem, dict]:
    shown = str(path)
    if data is None:
        data = _read_bytes(path, YAML_MAX_BYTES)
    try:
        doc = yamlsafe.load(data)
    except yamlsafe.YamlError as exc:
        raise ProblemError(shown, exc.line, exc.message) from None
    reader = _Reader(shown)
    problem = _problem(reader, doc, _stem(path))
    return replace(problem, path=shown), reader.lines


def _problem(r: _Reader, doc: Any, pid: str) -> Problem:
    if not ID_RE.fullmatch(pid):
        r.fail(None, f"the problem id '{pid}' (the file name) must match {ID_PATTERN}: "
                     f"lower-case letters, digits and '-'")
    if doc is None:
        r.fail(None, "the file is empty")
    doc = r.mapping(doc, "the problem file", 1)
    r.check_fields(doc, TOP_FIELDS, "problem")
    title = r.text(doc, "title", "problem", required=True)
    statement = r.text(doc, "statement", "problem", required=True)

    indices, ranges = _indices(r, doc.get("indices"), doc.key_line("indices")) if "indices" in doc else ((), ())
    symbols = _symbols(r, doc.get("symbols"), doc.key_line("symbols")) if "symbols" in doc else []
    letters = {letter for letter, _ in indices}
    for sym in symbols:
        if sym.name in letters:
            r.fail(doc.key_line("symbols"), f"symbol '{sym.name}' is also declared as an index letter")

    given = _given(r, doc.get("given"), doc.key_line("given")) if "given" in doc else ()
    declared = {s.name: s for s in symbols}
    for name, _ in given:
        sym = declared.get(name)
        if sym is None:   # a given quantity is a scalar the references may use
            symbols.append(Symbol(name, SCALAR))
        elif sym.kind != SCALAR:
            r.fail(doc.key_line("given"), f"given value '{name}' is declared as a {sym.kind}, not a scalar")
    variants = _variants(r, doc.get("variants"), doc.key_line("variants"), dict(given)) \
        if "variants" in doc else ()
    randomize = _randomize(r, doc, bool(variants))

    table = SymbolTable(tuple(symbols), tuple(indices), ranges)
    if "parts" not in doc:
        r.fail(doc.line, "problem: missing field 'parts'")
    parts_value = doc["parts"]
    parts_line = doc.key_line("parts")
    if not isinstance(parts_value, list) or not parts_value:
        r.fail(_line(parts_value, parts_line), "problem: 'parts' must be a non-empty list of parts")
    parts: list[Part] = []
    seen: dict[str, Optional[int]] = {}
    for i, raw in enumerate(parts_value):
        part = _part(r, raw, i, _line(raw, parts_line))
        if part.id in seen:
            r.fail(part.line, f"duplicate part id '{part.id}' (first at line {seen[part.id]})")
        seen[part.id] = part.line
        parts.append(part)
    return Problem(id=pid, title=title, statement=statement, table=table, parts=tuple(parts),
                   given=given, variants=variants, randomize=randomize)


def _randomize(r: _Reader, doc: YDict, has_variants: bool) -> bool:
    """Per-student values are opt-in: without `randomize: per-student` everyone grades the
    course's values, so a class gradebook and a student's own check agree by default."""
    if "randomize" not in doc:
        return False
    line = doc.key_line("randomize")
    mode = doc["randomize"]
    if not isinstance(mode, str) or mode not in RANDOMIZE_MODES:
        r.fail(line, f"'randomize' must be one of: {', '.join(RANDOMIZE_MODES)}")
    if mode == RANDOMIZE_PER_STUDENT and not has_variants:
        r.fail(line, "'randomize: per-student' needs 'variants': the ranges each student's values are drawn from")
    return mode == RANDOMIZE_PER_STUDENT


def _indices(r: _Reader, value: Any, line: Optional[int]) -> tuple[tuple[tuple[str, IndexRole], ...],
                                                                   tuple[tuple[str, tuple[int, int]], ...]]:
    """The letters with their roles, and the ranges of those given one
    (`l: {role: layer, integer: [1, 2]}`, read like a symbol's `{integer: [low, high]}` domain)."""
    m = r.mapping(value, "'indices'", line)
    out, ranges = [], []
    for letter, spec in m.items():
        kline = m.key_lines.get(letter, line)
        what = f"index '{letter}'"
        if not INDEX_RE.fullmatch(letter):
            r.fail(kline, f"index letter '{letter}' must be a letter followed by letters or digits")
        fields = None
        role = spec
        if isinstance(spec, dict):
            fields = r.mapping(spec, what, kline)
            r.check_fields(fields, INDEX_FIELDS, what)
            if "role" not in fields:
                r.fail(kline, f"{what}: missing field 'role'")
            role = fields["role"]
            kline = fields.key_line("role")
        if not isinstance(role, str) or role not in INDEX_ROLES:
            shown = f"'{role}'" if isinstance(role, str) else _kind_of(role)
            hint = _suggest(role, INDEX_ROLES) if isinstance(role, str) else ""
            r.fail(_line(role, kline), f"{what}: role must be one of {', '.join(INDEX_ROLES)}, "
                                       f"not {shown}{hint}")
        out.append((str(letter), IndexRole(role)))
        if fields is not None and "integer" in fields:
            iline = fields.key_line("integer")
            bounds = fields["integer"]
            if not isinstance(bounds, list) or len(bounds) != 2:
                r.fail(_line(bounds, iline), f"{what}: 'integer' must be a list [low, high] of whole numbers")
            low = r.integer(bounds[0], f"{what}: range low", iline)
            high = r.integer(bounds[1], f"{what}: range high", iline)
            misfit = range_misfit(IndexRole(role), low, high)
            if misfit is not None:
                r.fail(iline, f"{what}: the range [{low}, {high}] cannot be drawn: {misfit}")
            ranges.append((str(letter), (low, high)))
    return tuple(out), tuple(ranges)


def _symbols(r: _Reader, value: Any, line: Optional[int]) -> list[Symbol]:
    m = r.mapping(value, "'symbols'", line)
    out = []
    for name, spec in m.items():
        kline = m.key_lines.get(name, line)
        what = f"symbol '{name}'"
        if not NAME_RE.fullmatch(name):
            r.fail(kline, f"{what}: a name must start with a letter and use only letters, digits and '_'")
        if isinstance(spec, str):
            fields: YDict = YDict(line=_line(spec, kline))
            fields["kind"] = spec
        else:
            fields = r.mapping(spec, what, kline)
        r.check_fields(fields, SYMBOL_FIELDS, what)
        kind = (r.text(fields, "kind", what) or SCALAR).strip()
        if kind not in SYMBOL_KINDS:
            r.fail(fields.key_line("kind"), f"{what}: unknown kind '{kind}'{_suggest(kind, SYMBOL_KINDS)}; "
                                            f"use one of {', '.join(SYMBOL_KINDS)}")
        kind = SymbolKind(kind)
        subscripts = 0
        if "subscripts" in fields:
            subscripts = r.integer(fields["subscripts"], f"{what}: 'subscripts'", fields.key_line("subscripts"))
            if kind != INDEXED:
                r.fail(fields.key_line("subscripts"), f"{what}: only indexed symbols have subscripts")
            if not 0 <= subscripts <= MAX_SUBSCRIPTS:
                r.fail(fields.key_line("subscripts"), f"{what}: 'subscripts' must be between 0 and {MAX_SUBSCRIPTS}")
        superscript = False
        if "superscript" in fields:
            superscript = r.boolean(fields["superscript"], f"{what}: 'superscript'", fields.key_line("superscript"))
            if superscript and kind not in (INDEXED, VECTOR, MATRIX):
                r.fail(fields.key_line("superscript"),
                       f"{what}: only indexed, vector and matrix symbols have a layer superscript")
        if kind == INDEXED and subscripts == 0 and not superscript:
            r.fail(kline, f"{what}: an indexed symbol needs 'subscripts' or 'superscript: true'")
        domain, nonzero, integer = DEFAULT_DOMAIN, False, False
        if "domain" in fields:
            dline = fields.key_line("domain")
            dom = fields["domain"]
            if kind == FUNCTION:
                r.fail(dline, f"{what}: a function has no domain")
            if isinstance(dom, str):
                if dom.strip() not in DOMAIN_WORDS:
                    r.fail(dline, f"{what}: unknown domain '{dom}'{_suggest(dom.strip(), DOMAIN_WORDS)}; use "
                                  f"[low, high], {', '.join(DOMAIN_WORDS)} or {{integer: [low, high]}}")
                domain, nonzero = DOMAIN_WORDS[dom.strip()]
            else:
                if isinstance(dom, dict) and list(dom) == ["integer"]:
                    integer, dom = True, dom["integer"]
                if not isinstance(dom, list) or len(dom) != 2:
                    r.fail(_line(dom, dline), f"{what}: 'domain' must be a list [low, high], "
                                              f"{', '.join(DOMAIN_WORDS)} or {{integer: [low, high]}}")
                if integer:
                    low = float(r.integer(dom[0], f"{what}: domain low", dline))
                    high = float(r.integer(dom[1], f"{what}: domain high", dline))
                else:
                    low = r.number(dom[0], f"{what}: domain low", dline)
                    high = r.number(dom[1], f"{what}: domain high", dline)
                if not (low <= high if integer else low < high):
                    r.fail(dline, f"{what}: domain low must be smaller than high")
                domain = (low, high)
        alias = r.text(fields, "alias", what)
        if alias is not None:
            if kind != FUNCTION:
                r.fail(fields.key_line("alias"), f"{what}: only functions can have an alias")
            aliases = functions.alias_names()
            if alias not in aliases:
                r.fail(fields.key_line("alias"), f"{what}: unknown builtin '{alias}'{_suggest(alias, aliases)}; "
                                                 f"use one of {', '.join(aliases)}")
        latex = r.text(fields, "latex", what)
        definition = r.text(fields, "definition", what)
        if definition is not None and kind == FUNCTION:
            r.fail(fields.key_line("definition"), f"{what}: a function cannot have a definition; use 'alias'")
        out.append(Symbol(name=str(name), kind=kind, subscripts=subscripts, superscript=superscript,
                          domain=domain, alias=alias, latex=latex, definition=definition, nonzero=nonzero,
                          integer=integer))
    return out


def _given(r: _Reader, value: Any, line: Optional[int]) -> tuple[tuple[str, float], ...]:
    m = r.mapping(value, "'given'", line)
    out = []
    for name, number in m.items():
        kline = m.key_lines.get(name, line)
        if not NAME_RE.fullmatch(name):
            r.fail(kline, f"given value '{name}': a name must start with a letter and use only letters, digits and '_'")
        out.append((str(name), r.number(number, f"given value '{name}'", kline)))
    return tuple(out)


def _variants(r: _Reader, value: Any, line: Optional[int], given: dict) -> tuple[Variant, ...]:
    m = r.mapping(value, "'variants'", line)
    out = []
    for name, spec in m.items():
        kline = m.key_lines.get(name, line)
        what = f"variant '{name}'"
        if name not in given:
            r.fail(kline, f"{what}: only given values can vary, and '{name}' is not in 'given'"
                          f"{_suggest(name, given)}")
        spec = r.mapping(spec, what, kline)
        r.check_fields(spec, VARIANT_FIELDS, what)
        if "choices" in spec:
            if any(k in spec for k in ("low", "high", "step")):
                r.fail(kline, f"{what}: use either 'choices' or 'low'/'high'/'step', not both")
            raw = spec["choices"]
            cline = spec.key_line("choices")
            if not isinstance(raw, list) or not raw:
                r.fail(_line(raw, cline), f"{what}: 'choices' must be a non-empty list of numbers")
            choices = tuple(r.number(c, f"{what}: choice {i + 1}", cline) for i, c in enumerate(raw))
            out.append(Variant(str(name), choices=choices))
            continue
        if "low" not in spec or "high" not in spec:
            r.fail(kline, f"{what}: give 'choices', or 'low' and 'high' (and optionally 'step')")
        low = r.number(spec["low"], f"{what}: 'low'", spec.key_line("low"))
        high = r.number(spec["high"], f"{what}: 'high'", spec.key_line("high"))
        if not low < high:
            r.fail(spec.key_line("high"), f"{what}: 'low' must be smaller than 'high'")
        step = None
        if "step" in spec:
            step = r.number(spec["step"], f"{what}: 'step'", spec.key_line("step"))
            if step <= 0:
                r.fail(spec.key_line("step"), f"{what}: 'step' must be positive")
            if (high - low) / step > 1_000_000:
                r.fail(spec.key_line("step"), f"{what}: 'step' is too small for the range")
        out.append(Variant(str(name), low=low, high=high, step=step))
    return tuple(out)


def choice_labels(text: str) -> list[str]:
    """'B, C' -> ['B', 'C'] (labels as written, stripped; empty items kept as '')."""
    return [t.strip() for t in text.split(",")]


def _part(r: _Reader, raw: Any, index: int, line: Optional[int]) -> Part:
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
        r.fail(m.key_line("kind"), f"{what}: unknown kind '{kind}'{_suggest(kind, PART_KINDS)}; "
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

    mistakes = _mistakes(r, m, pid, kind, len(options), what)
    tests = _tests(r, m, pid, kind, len(options), what)
    return Part(id=pid, prompt=prompt, kind=kind, answer=answer, points=points, tolerance=tolerance,
                options=options, partial_credit=partial_credit, forbidden=forbidden, required=required,
                restriction=restriction, hints=hints, show_solution=show_solution, mistakes=mistakes,
                tests=tests, line=pline or 0, where=where, allow_restatement=allow_restatement)


def _check_labels(r: _Reader, text: str, kind: str, count: int, what: str, line: Optional[int]) -> None:
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


def _tolerance(r: _Reader, m: YDict, kind: str, what: str) -> Tolerance:
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
            r.fail(t.key_line(key), f"{what}: tolerance: unknown field '{key}'{_suggest(key, TOLERANCE_FIELDS)}")
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


def _entries(r: _Reader, m: YDict, key: str, noun: str, fields: dict, what: str):
    """(index, mapping, description) for each entry of a list of mappings such as `mistakes`."""
    if key not in m:
        return
    raw = m[key]
    line = m.key_line(key)
    if not isinstance(raw, list):
        r.fail(_line(raw, line), f"{what}: '{key}' must be a list, not {_kind_of(raw)}")
    for i, item in enumerate(raw):
        w = f"{what}: {noun} {i + 1}"
        item = r.mapping(item, w, _line(item, line))
        r.check_fields(item, fields, w)
        yield i, item, w


def _mistakes(r: _Reader, m: YDict, pid: str, kind: str, count: int, what: str) -> tuple[Mistake, ...]:
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


def _tests(r: _Reader, m: YDict, pid: str, kind: str, count: int, what: str) -> tuple[PartTest, ...]:
    out = []
    for i, item, w in _entries(r, m, "tests", "test", TEST_FIELDS, what):
        answer = r.text(item, "answer", w, required=True, empty_ok=True)
        status = r.text(item, "status", w, required=True).strip()
        if status not in TEST_STATUSES:
            r.fail(item.key_line("status"), f"{w}: status must be one of {', '.join(TEST_STATUSES)}, "
                                            f"not '{status}'{_suggest(status, TEST_STATUSES)}")
        feedback = r.text(item, "feedback", w)
        r.lines[("test", pid, i)] = item.line
        out.append(PartTest(answer=answer, status=Status(status), feedback=feedback))
    return tuple(out)

# --- the bank ----------------------------------------------------------------------------------

def _problem_files(directory: Any) -> list[Any]:
    if isinstance(directory, (str, os.PathLike)):
        d = Path(directory)
        if not d.is_dir():
            raise ProblemError(directory, None, "not a folder of problem files")
        entries = list(d.iterdir())
    else:
        entries = list(directory.iterdir())
    files = [e for e in entries if e.name.endswith(EXTENSIONS) and not e.name.startswith(".") and e.is_file()]
    return sorted(files, key=lambda e: (_stem(e), e.name))


def problem_files(directory: Any) -> list[Any]:
    """The problem files of a bank folder, sorted by id (none: not a bank)."""
    return _problem_files(directory)


def problem_file(directory: Any, problem_id: str) -> Optional[Any]:
    """The file of one problem in a bank folder (`id.yaml` or `id.yml`), without reading the
    others: `grader check` starts faster than with the whole bank."""
    if not ID_RE.fullmatch(problem_id):
        return None
    for ext in EXTENSIONS:
        candidate = Path(str(directory)) / f"{problem_id}{ext}"
        if candidate.is_file():
            return candidate
    return None


def load_bank(directory: Any) -> dict[str, Problem]:
    """Every problem of a folder, keyed and ordered by id. Raises ProblemError at the first
    broken file or for two files with the same id (sigmoid.yaml and sigmoid.yml)."""
    bank: dict[str, Problem] = {}
    for f in _problem_files(directory):
        problem = load_problem(f)
        if problem.id in bank:
            raise ProblemError(f, None, f"duplicate problem id '{problem.id}' (also in {bank[problem.id].path})")
        bank[problem.id] = problem
    return dict(sorted(bank.items()))


def default_bank_dir() -> Any:
    """The bank shipped with the package (`grader.bank`, i.e. the repository's problems/)."""
    try:
        from importlib.resources import files
        res = files("grader.bank")
        if isinstance(res, Path):
            if res.is_dir():
                return res
        elif res.is_dir():
            try:
                return Path(str(res)) if Path(str(res)).is_dir() else res
            except (TypeError, ValueError):
                return res
    except (ImportError, ModuleNotFoundError, TypeError, ValueError, AttributeError):
        pass
    return Path(__file__).resolve().parents[2] / "problems"
