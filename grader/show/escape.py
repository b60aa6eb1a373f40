"""One escaper per place student text lands: a Markdown page, an HTML page, an XML file, a
spreadsheet cell and a CI log line. Student ids, answers and messages are typed by anyone, so
each output runs them through the one rule of its format here, and only that rule, once.
"""
from __future__ import annotations

import csv
import html
import io
import re
import threading
from typing import Iterable, Optional

__all__ = ["one_line", "md_text", "md_code", "html_text", "xml_safe", "xml_attr", "xml_text",
           "csv_safe", "csv_line", "safe_log_text"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85]+")
_NOT_ONE_LINE = re.compile(f"{_LINE_BREAKS.pattern}|{_CONTROL.pattern}")


def one_line(text: Optional[str]) -> str:
    """Student text on one line: newlines/tabs become spaces, other control characters go."""
    if text is None:
        return ""
    text = str(text)
    if _NOT_ONE_LINE.search(text) is None:     # nearly every text: one scan
        return text
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", text))


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
_MD_LEADING_SIGN = re.compile(r"^(\s*)([-+=])")
_MD_LEADING_NUMBER = re.compile(r"^(\s*\d+)([.)])")
_BACKTICKS = re.compile("`+")


def md_text(text: Optional[str]) -> str:
    """Plain text made inert in Markdown (no emphasis, links, HTML, headings or lists), also
    in a table cell: a ``|`` is escaped, so it cannot add a column."""
    text = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    text = _MD_LEADING_SIGN.sub(r"\1\\\2", text)
    return _MD_LEADING_NUMBER.sub(r"\1\\\2", text)


def md_code(text: Optional[str]) -> str:
    """Text as a Markdown code span whatever backticks it contains (CommonMark: a fence
    longer than any backtick run inside, padded when the text starts or ends with one)."""
    text = one_line(text)
    if not text.strip():
        return "*(empty)*"
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# --- HTML and XML ----------------------------------------------------------------------------

def html_text(text) -> str:
    """Text or an attribute value of an HTML page: control characters dropped, markup escaped."""
    return html.escape(_CONTROL.sub("", "" if text is None else str(text)), quote=True)


_XML_BAD = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def xml_safe(text: Optional[str]) -> str:
    """Text with every character XML 1.0 forbids replaced by U+FFFD."""
    return _XML_BAD.sub("\ufffd", "" if text is None else str(text))


def xml_attr(text: Optional[str]) -> str:
    """An XML attribute value, with the escapes ElementTree makes."""
    return xml_safe(text).translate(_ATTR_ESCAPES)


def xml_text(text: Optional[str]) -> str:
    """XML element text, with the escapes ElementTree makes."""
    return xml_safe(text).translate(_TEXT_ESCAPES)


# --- CSV -------------------------------------------------------------------------------------

def csv_safe(text: Optional[str]) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = one_line(text)
    if text.lstrip()[:1] in ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"):
        return "'" + text
    return text


_CSV = threading.local()


def csv_line(cells: Iterable[str]) -> str:
    """One CSV record (RFC 4180: minimal quoting, CRLF)."""
    w = getattr(_CSV, "writer", None)
    if w is None:    # one writer per thread (the web page may render from several)
        _CSV.buf = io.StringIO()
        w = _CSV.writer = csv.writer(_CSV.buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(cells)
    text = _CSV.buf.getvalue()
    _CSV.buf.seek(0)
    _CSV.buf.truncate()
    return text


# --- CI log ----------------------------------------------------------------------------------

_LOG_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_log_text(s: object) -> str:
    """Student text made safe to print in a CI log, where a student id or answer must not be
    able to run a GitHub Actions workflow command or move the cursor: one line (control
    characters, including newlines and terminal escapes, shown as ``\\xNN`` / ``\\uNNNN``),
    and no workflow command (``::set-output``, ``::add-mask::``, ``::stop-commands::``...) or
    legacy ``##[...]`` / ``##vso[...]`` command can start anywhere in it: every ``::`` becomes
    ``: :`` and every ``##`` becomes ``# #``."""
    text = "" if s is None else str(s)

    def esc(m: re.Match) -> str:
        c = ord(m.group())
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    text = _LOG_CONTROL.sub(esc, text)
    while "::" in text:
        text = text.replace("::", ": :")
    while "##" in text:
        text = text.replace("##", "# #")
    return text
