"""A safe, strict YAML reader for hostile text (student answer files, instructor problem files).

`load(data)` returns plain Python containers that remember where they came from:

* mappings -> `YDict` (a `dict`) with `.line`, `.column` and `.key_lines` (key -> line);
* sequences -> `YList` (a `list`) with `.line`, `.column`;
* scalars -> `YStr` (a `str`) with `.line`, `.column` and `.style`.

Every scalar stays a string holding exactly the scalar's text as YAML reads it (the value of
the scalar node): `2.080` stays ``"2.080"``, `no` stays ``"no"``, `-0.004` stays ``"-0.004"``,
`1e3` stays ``"1e3"``.  Nothing is converted to bool/int/float/None: the caller decides what a
text means.  Null-looking scalars keep their text: `~` is ``"~"``, `null` is ``"null"``, and an
empty value (``key:`` with nothing after it) is ``""``.  `YStr.style` is ``None`` for a plain
(unquoted) scalar and ``"'"``, ``'"'``, ``"|"`` or ``">"`` otherwise, so a caller can tell
`key:` (empty plain) from `key: ""`.

An empty document (no content, only comments, or a bare ``---``) gives ``None``.

Refused, with a plain sentence and a 1-based line/column in `YamlError`:
text that is not UTF-8, larger than `max_bytes`, or contains NUL / control characters;
anchors and aliases (`&a` / `*a`: alias bombs); any explicit tag (`!!python/object`,
`!!binary`, `!foo`, `!`); duplicate mapping keys; keys that are not plain scalars (lists,
mappings); tabs used for indentation; more than one document; nesting deeper than
`max_depth` (50).

Implementation: the text is read by the scanner and parser of PyYAML's safe loader
(`CSafeLoader`, libyaml, when available; else the pure-Python `SafeLoader`), the stage the
composer reads from, and the tree is built here from the parser's events with an explicit
stack: no recursion, no constructor, no alias expansion.  Nothing in this module ever
evaluates text.
"""
from __future__ import annotations

import re
import time
from typing import Optional

import yaml
from yaml import events as _ev

from grader.errors import GraderError
from grader.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH

__all__ = ["YamlError", "YDict", "YList", "YStr", "load"]


class YamlError(GraderError):
    """A file that could not be read as (safe, simple) YAML.

    `.message` is a plain sentence for a human, `.line` / `.column` are 1-based or None.
    `str(e)` is ``"line N: message"`` (or just the message when the line is unknown).
    """

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message, line, column)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}: {self.message}"

    def __repr__(self) -> str:
        return f"YamlError({self.message!r}, line={self.line!r}, column={self.column!r})"


class YStr(str):
    """A scalar's exact text, with its position (1-based line/column) and quoting style."""

    line: Optional[int]
    column: Optional[int]
    style: Optional[str]

    def __new__(cls, value: str = "", line: Optional[int] = None, column: Optional[int] = None,
                style: Optional[str] = None):
        obj = super().__new__(cls, value)
        obj.line = line
        obj.column = column
        obj.style = style
        return obj

    def __reduce__(self):
        return (YStr, (str(self), self.line, self.column, self.style))


class YDict(dict):
    """A mapping with its position and the line of every key (`key_lines[key]`)."""

    def __init__(self, *args, line: Optional[int] = None, column: Optional[int] = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        self.column = column
        self.key_lines: dict[str, Optional[int]] = {}

    def key_line(self, key: str) -> Optional[int]:
        """The line of `key`, else the line of the mapping itself."""
        return self.key_lines.get(key, self.line)

    def __reduce__(self):
        state = {"line": self.line, "column": self.column, "key_lines": self.key_lines}
        return (YDict, (dict(self),), state)

    def __setstate__(self, state):
        self.__dict__.update(state)


class YList(list):
    """A sequence with its position."""

    def __init__(self, *args, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(*args)
        self.line = line
        self.column = column

    def __reduce__(self):
        return (YList, (list(self),), {"line": self.line, "column": self.column})

    def __setstate__(self, state):
        self.__dict__.update(state)


# --- text checks -----------------------------------------------------------------------------

# Everything YAML (and we) refuse: C0 controls other than tab/LF/CR, DEL, C1 controls (NEL
# included), the line/paragraph separators U+2028/U+2029 (YAML 1.1 line breaks that editors
# do not show, which would shift every line number), lone surrogates and U+FFFE / U+FFFF.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")

_CHAR_NAMES = {
    "\x00": "a NUL character (U+0000)",
    "\x1b": "an escape character (U+001B)",
    "\x7f": "a delete character (U+007F)",
    "\x85": "a next-line control character (U+0085)",
}


_LINE_BREAK = re.compile(r"\r\n|\r|\n")   # YAML's line breaks (NEL and U+2028/9 are refused)


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset`, counting lines the way YAML does."""
    line, start = 1, 0
    for m in _LINE_BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return line, offset - start + 1


def _decode(data: str | bytes, max_bytes: int) -> str:
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > max_bytes:
            raise YamlError(f"the file is too large ({len(raw):,} bytes; the limit is {max_bytes:,} bytes)")
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise YamlError("the file is UTF-16 text; save it as UTF-8", 1, 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            offset = exc.start
            line = raw.count(b"\n", 0, offset) + 1
            raise YamlError(
                f"the file is not valid UTF-8 text (byte 0x{raw[offset]:02x} at offset {offset})", line
            ) from None
        return text
    if not isinstance(data, str):
        raise TypeError(f"yamlsafe.load expects str or bytes, not {type(data).__name__}")
    size = len(data)
    if size * 4 > max_bytes:   # only encode when the text might be too large
        size = len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise YamlError(f"the file is too large ({size:,} bytes; the limit is {max_bytes:,} bytes)")
    if data.startswith("\ufeff"):
        data = data[1:]
    return data


_DIRECTIVE = re.compile(r"\A(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))*%")


def _check_directives(text: str) -> None:
    """Directives (`%YAML`, `%TAG`, anything `%...` before the content) are refused here:
    the two parsers disagree on unknown ones (one warns, the other stops)."""
    m = _DIRECTIVE.match(text)
    if m:
        line, column = _position(text, m.end() - 1)
        raise YamlError("directives ('%...') are not allowed; remove the line", line, column)


def _check_characters(text: str) -> None:
    m = _BAD_CHAR.search(text)
    if m is None:
        return
    ch = m.group()
    line, column = _position(text, m.start())
    name = _CHAR_NAMES.get(ch, f"a control character (U+{ord(ch):04X})")
    if ch in "\u2028\u2029":
        name = f"an invisible line separator (U+{ord(ch):04X})"
    if "\ud800" <= ch <= "\udfff":
        name = f"an invalid character (U+{ord(ch):04X})"
    elif ch in "\ufffe\uffff":
        name = f"a non-character (U+{ord(ch):04X})"
    hint = " (is it a binary file?)" if ch == "\x00" else ""
    raise YamlError(f"the file contains {name} at column {column}{hint}", line, column)


# --- error messages ----------------------------------------------------------------------------

def _mark_position(mark) -> tuple[Optional[int], Optional[int]]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def _line_text(text: str, line: Optional[int]) -> str:
    if line is None:
        return ""
    lines = _LINE_BREAK.split(text)
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _char_at(text: str, line: Optional[int], column: Optional[int]) -> str:
    source = _line_text(text, line)
    if column is None or not 0 < column <= len(source):
        return ""
    return source[column - 1]


# Every error either parser can raise -> one of our sentences. PyYAML and libyaml word the
# same problem differently and change wording between releases (libyaml 0.2.6 added its own
# nesting limit), so the problem text only picks a sentence; it is never shown.
_GENERIC = "this is not valid YAML here; check the indentation, the quotes and the brackets"
_DOCUMENT_END = "unexpected text after the end of the document; check the indentation and the quotes"
_PROBLEMS = (
    ("mapping values are not allowed", "unexpected ':' here; put a text that contains ': ' in quotes, "
                                       "or check the indentation"),
    ("found unexpected end of stream", None),            # closing quote, with the line it opened
    ("expected <block end>", "bad indentation: this line is not aligned with the lines above it"),
    ("did not find expected key", "bad indentation: this line is not aligned with the lines above it"),
    ("did not find expected '-' indicator", "bad indentation: this line is not aligned with the lines above it"),
    ("block sequence entries are not allowed", "a '- ' list item is not allowed here; check the indentation"),
    ("expected the node content", "a value is missing here"),
    ("did not find expected node content", "a value is missing here"),
    ("document separator", "a '---' line is inside a quoted text; a closing quote is missing"),
    ("document indicator", "a '---' line is inside a quoted text; a closing quote is missing"),
    ("document start", _DOCUMENT_END),
)
_CONTEXTS = (
    ("anchor", "anchors and aliases ('&name', '*name') are not allowed; write the value out"),
    ("alias", "anchors and aliases ('&name', '*name') are not allowed; write the value out"),
    ("tag", "tags ('!...') are not allowed; put the value in quotes if it must be text"),
    ("block scalar", "after '|' or '>' only '-', '+' or an indentation digit may follow on the same line"),
)


def _translate(exc: yaml.YAMLError, text: str) -> YamlError:
    """PyYAML's (or libyaml's) error -> one of our sentences at the right line. The offending
    character is read from the text, never from the library's message."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlError(_GENERIC)
    problem = exc.problem or ""
    context = exc.context or ""
    line, column = _mark_position(exc.problem_mark or exc.context_mark)
    ctx_line, _ = _mark_position(exc.context_mark)
    source = _line_text(text, line)
    indent = source[: len(source) - len(source.lstrip(" \t"))]
    at = _char_at(text, line, column)

    if "\t" in indent or "tab character" in problem or "'\\t'" in problem or \
            (at == "\t" and "cannot start any token" in problem):
        return YamlError("a tab character is used for indentation; indent with spaces only", line, column)
    if "could not find expected ':'" in problem:
        if ctx_line:   # report the line of the key, where the ':' is missing
            line, column = _mark_position(exc.context_mark)
        return YamlError("expected 'key: value' but found no ':' after the key", line, column)
    if "found character" in problem and "cannot start any token" in problem:
        ch = at or "?"
        if ch in ("@", "`"):
            return YamlError(f"a value cannot start with '{ch}'; put it in quotes", line, column)
        return YamlError(f"unexpected character '{ch}'; put the value in quotes", line, column)
    if "unknown escape character" in problem:
        m = re.search(r"found unknown escape character '(.*?)'", problem)
        if at != "\\" and column:   # PyYAML points after the backslash, libyaml at it
            column -= 1
        ch = m.group(1) if m else _char_at(text, line, (column or 0) + 1)
        return YamlError(
            f"unknown escape '\\{ch or '?'}' inside double quotes; use single quotes or write '\\\\'",
            line, column)
    early = _closed_early(source)
    if early is not None:
        return YamlError(
            f"the ' at column {early} ends the single-quoted text early (a prime, as in f'(z)?); "
            "put the answer in double quotes (\"f'(z)\") or write the prime twice ('f''(z)')", line, early)
    for closing in "]}":
        if f"expected ',' or '{closing}'" in problem:
            return YamlError(f"expected ',' or '{closing}' here (a bracket is not closed?)", line, column)
    for fragment, sentence in _PROBLEMS:
        if fragment not in problem:
            continue
        if sentence is None:
            where = f" that starts at line {ctx_line}" if ctx_line else ""
            return YamlError(f"the file ends inside a quoted text{where}; a closing quote is missing",
                             line, column)
        return YamlError(sentence, line, column)
    for fragment, sentence in _CONTEXTS:
        if fragment in context:
            return YamlError(sentence, line, column)
    return YamlError(_GENERIC, line, column)


_SINGLE_QUOTED_VALUE = re.compile(r"[ \t]*(?:- +)?(?:[^'\"#:]*:[ \t]+)?'")


def _closed_early(source: str) -> Optional[int]:
    """The 1-based column of a ' that closed a single-quoted value with more text after it on
    the line (a student's prime: 'f'(z)'), or None. '' inside the quotes is an escaped quote."""
    m = _SINGLE_QUOTED_VALUE.match(source)
    if m is None:
        return None
    i = m.end()
    while i < len(source):
        if source[i] == "'":
            if source[i + 1:i + 2] == "'":
                i += 2
                continue
            rest = source[i + 1:].strip()
            return i + 1 if rest and not rest.startswith("#") else None
        i += 1
    return None


_ESCAPES = {"\a": "a", "\b": "b", "\f": "f", "\r": "r", "\t": "t", "\v": "v", "\x1b": "e",
            "\x00": "0"}
_ESCAPE_NAMES = {"a": "a bell", "b": "a backspace", "f": "a form feed", "n": "a line break", "r": "a carriage return",
                 "t": "a tab", "v": "a vertical tab", "e": "an escape", "0": "a NUL"}


def escaped_latex(value: object) -> Optional[str]:
    """A sentence when a double-quoted value holds a character that only a backslash escape
    makes (LaTeX's \\frac read as form feed + 'rac'), else None: the student typed a command,
    and the answer parser would complain about a character they never typed."""
    if getattr(value, "style", None) != '"':
        return None
    for i, ch in enumerate(value):
        letter = _ESCAPES.get(ch)
        if letter is None:
            continue
        word = re.match(r"[A-Za-z]*", value[i + 1:]).group()
        typed = "\\" + letter + word
        rest = f" followed by '{word}'" if word else ""
        return (f"inside double quotes YAML reads '{typed}' as {_ESCAPE_NAMES[letter]} character{rest}; put a LaTeX answer in single quotes ('{typed}...') or write each backslash twice "
                f"(\"\\{typed}...\")")
    return None


def _too_deep(max_depth: int, line: Optional[int] = None, column: Optional[int] = None) -> YamlError:
    return YamlError(f"the file is nested too deeply (more than {max_depth} levels)", line, column)


def _tag_name(tag: str) -> str:
    if tag.startswith("tag:yaml.org,2002:"):
        return "!!" + tag[len("tag:yaml.org,2002:"):]
    return tag


# --- tree building ---------------------------------------------------------------------------

def _loader_class():
    """libyaml's safe parser when PyYAML was built with it (about 15 times faster on large
    files), else PyYAML's own SafeLoader. Only the scanner/parser stage is used: events."""
    return getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


class _Frame:
    __slots__ = ("container", "key", "depth")

    def __init__(self, container, depth):
        self.container = container
        self.key = None          # YStr while waiting for the value of a mapping entry
        self.depth = depth


def load(data: str | bytes, *, max_bytes: int = YAML_MAX_BYTES, max_depth: int = YAML_MAX_DEPTH,
         max_seconds: Optional[float] = None) -> object:
    """Read one YAML document from `data` (str, or bytes in UTF-8) and return YDict / YList /
    YStr / None (empty document). Raises `YamlError` for anything unreadable or refused, and
    for a document still not read after `max_seconds` (a student's file: its cost is bounded)."""
    text = _decode(data, max_bytes)
    _check_characters(text)
    _check_directives(text)
    end = None if max_seconds is None else time.monotonic() + max_seconds

    try:
        return _parse(_loader_class(), text, max_depth, end, max_seconds)
    except _LibraryLimit:
        # libyaml >= 0.2.6 refuses deep nesting itself, scanning ahead of the events we count;
        # PyYAML's own parser reads lazily, so our depth check finds the exact place and the
        # message is the same whichever parser is installed.
        return _parse(yaml.SafeLoader, text, max_depth, end, max_seconds)


class _LibraryLimit(Exception):
    """The parser stopped at a limit of its own, before our checks saw the events."""


def _parse(loader_class, text: str, max_depth: int, end: Optional[float] = None,
           max_seconds: Optional[float] = None) -> object:
    loader = loader_class(text)
    try:
        return _build(loader, text, max_depth, end, max_seconds)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):
            if loader_class is yaml.SafeLoader:   # not expected: PyYAML has no such limit
                raise _too_deep(max_depth) from None
            raise _LibraryLimit() from None
        raise _translate(exc, text) from None
    except yaml.YAMLError as exc:
        raise _translate(exc, text) from None
    except RecursionError:   # not expected (nothing here recurses), but never leak it
        raise _too_deep(max_depth) from None
    finally:
        dispose = getattr(loader, "dispose", None)
        if dispose is not None:
            dispose()


_CLOCK_EVERY = 1024      # events between looks at the clock


def _build(loader: yaml.SafeLoader, text: str, max_depth: int, end: Optional[float] = None,
           max_seconds: Optional[float] = None) -> object:
    root = None
    events = 0
    have_document = False
    stack: list[_Frame] = []

    def attach(value, line: Optional[int]):
        nonlocal root
        if not stack:
            root = value
            return
        frame = stack[-1]
        container = frame.container
        if isinstance(container, YList):
            container.append(value)
            return
        if frame.key is None:       # this value is a key
            if not isinstance(value, YStr):
                kind = "list" if isinstance(value, YList) else "mapping"
                raise YamlError(f"a key must be a plain name, not a {kind}", line,
                                getattr(value, "column", None))
            if value in container:
                first = container.key_lines.get(value)
                raise YamlError(f"duplicate key '{value}' (first at line {first})", line, value.column)
            frame.key = value
        else:
            container[frame.key] = value
            container.key_lines[frame.key] = frame.key.line
            frame.key = None

    while True:
        event = loader.get_event()
        line, column = _mark_position(event.start_mark)
        events += 1
        if end is not None and events % _CLOCK_EVERY == 0 and time.monotonic() > end:
            raise YamlError(f"the file takes too long to read (more than {max_seconds:g} seconds); a file of "
                            f"answers is read in a fraction of that", line, column)

        if isinstance(event, _ev.StreamEndEvent):
            break
        if isinstance(event, _ev.StreamStartEvent):
            continue
        if isinstance(event, _ev.DocumentStartEvent):
            if have_document:
                raise YamlError("the file contains more than one YAML document ('---'); "
                                "keep everything in one document", line, column)
            have_document = True
            continue
        if isinstance(event, _ev.DocumentEndEvent):
            continue
        if isinstance(event, _ev.AliasEvent):
            raise YamlError(f"aliases ('*{event.anchor}') are not allowed; write the value out",
                            line, column)

        # node events: scalar, sequence start, mapping start, and collection ends
        if isinstance(event, _ev.NodeEvent) and event.anchor is not None:
            raise YamlError(f"anchors ('&{event.anchor}') are not allowed; write the value out",
                            line, column)
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, (_ev.ScalarEvent, _ev.CollectionStartEvent)):
            raise YamlError(f"tags such as '{_tag_name(tag)}' are not allowed; "
                            f"remove the tag (put the value in quotes if it must be text)",
                            line, column)

        if isinstance(event, _ev.ScalarEvent):
            attach(YStr(event.value, line, column, event.style or None), line)
        elif isinstance(event, (_ev.SequenceStartEvent, _ev.MappingStartEvent)):
            depth = (stack[-1].depth + 1) if stack else 1
            if depth > max_depth:
                raise _too_deep(max_depth, line, column)
            if isinstance(event, _ev.SequenceStartEvent):
                container = YList(line=line, column=column)
            else:
                container = YDict(line=line, column=column)
            attach(container, line)
            stack.append(_Frame(container, depth))
        elif isinstance(event, (_ev.SequenceEndEvent, _ev.MappingEndEvent)):
            stack.pop()

    if isinstance(root, YStr) and root == "" and root.style is None:
        return None
    return root
