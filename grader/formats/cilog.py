"""Text made safe for a CI log: what the CLI does to every line that may carry student text.

A student id or answer printed to a GitHub Actions log must not be able to run a workflow
command (``::set-output``, ``::add-mask::``, ``::stop-commands::``) or move the cursor.
"""
from __future__ import annotations

import re

__all__ = ["safe_log_text"]

_LOG_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_log_text(s: object) -> str:
    """Student text made safe to print in a CI log: one line (control characters, including
    newlines and terminal escapes, shown as ``\\xNN`` / ``\\uNNNN``), and no GitHub Actions
    workflow command (``::set-output``, ``::add-mask::``, ``::stop-commands::``...) or legacy
    ``##[...]`` / ``##vso[...]`` command can start anywhere in it: every ``::`` becomes
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
