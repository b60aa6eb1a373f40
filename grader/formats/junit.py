"""junit.xml: one testsuite, one testcase per part per student (classname = student, name =
problem/part), so that a CI page lists what each student got wrong: incorrect, invalid and
missing parts carry a <failure>; the parts of a submission that could not be graded, and a part
the bank cannot grade, an <error> (CI tools show them apart). The bytes are those ElementTree writes, made by hand (ElementTree
took a third of the time of the file)."""
from __future__ import annotations

from functools import lru_cache
from itertools import repeat
from typing import Optional

from grader.show.escape import one_line, xml_attr, xml_text
from grader.formats.plain_text import part_text
from grader.formats.files import Stream
from grader.checking.feedback import not_graded_reason
from grader.model import CORRECT, ERROR, NOT_GRADED, PartResult, SubmissionResult

__all__ = ["junit_xml_stream"]


def junit_xml_stream(cases: int, failures: int, errors: int = 0) -> Stream:
    """junit.xml a student at a time; the header's counts (of the whole class) come first."""
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="backprop-grader" tests="{cases}" failures="{failures}" errors="{errors}">\n'
            f'  <testsuite name="backprop-grader" tests="{cases}" failures="{failures}" errors="{errors}" skipped="0"')

    def cases_of(r: SubmissionResult) -> str:
        error = (r.message or "") if r.status == ERROR else None     # ungradeable: <error>, not <failure>
        start = "\n    " + _case_start(r.student)
        return "".join([text for rest in map(_case_rest, r.parts, repeat(error)) for text in (start, rest)])

    if not cases:   # ElementTree writes an empty suite as one self-closing tag
        whole = head + " />\n</testsuites>\n"
        return Stream(head="", piece=lambda r: "", tail=whole, empty=whole)
    return Stream(head=head + ">", piece=cases_of, tail="\n  </testsuite>\n</testsuites>\n")


def _case_start(student: str) -> str:
    return f'<testcase classname="{xml_attr(student)}"'


# A test case's XML depends on the student only through its classname, which comes first: the
# rest is made once per distinct part result.
@lru_cache(maxsize=4096)
def _case_rest(p: PartResult, error: Optional[str]) -> str:
    head = f' name="{xml_attr(f"{p.problem}/{p.part}")}" time="0"'
    if p.verdict.status == CORRECT:
        return head + " />"
    first = p.verdict.feedback[0] if p.verdict.feedback else p.verdict.status
    element, kind = "failure", p.verdict.status
    if p.verdict.status == NOT_GRADED:     # the bank's fault: an <error>, the part and why
        first = f"{p.problem}/{p.part} could not be graded: {not_graded_reason(first)}"
        element = "error"
    if error is not None:     # the submission could not be graded: CI tools count an <error>
        first = f"Submission could not be graded: {error}"
        element, kind = "error", "ungradeable"
    return (f'{head}>\n      <{element} message="{xml_attr(one_line(first))}" type="{xml_attr(kind)}">'
            f'{xml_text(part_text(p, error))}</{element}>\n    </testcase>')
