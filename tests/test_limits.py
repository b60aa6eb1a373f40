"""The limits a student is told are the limits the grader enforces: every number in the Limits
section of docs/answer-syntax.md and in README's summary of them is read here and compared with
grader.limits, and each limit is tried at its edge (the last answer it lets through, the first it
refuses, with the message the doc promises)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader import limits
from grader.answers import latex
from grader.answers.parser import AnswerSyntaxError, parse
from grader.answers.tree import walk
from grader.errors import TOO_COMPLEX
from grader.model import Symbol, SymbolTable

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "answer-syntax.md"
README = ROOT / "README.md"
TABLE = SymbolTable((Symbol("x"), Symbol("z")))


def _section(text: str, title: str) -> str:
    found = re.search(rf"^## {title}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert found, f"no '## {title}' section"
    return found.group(1)


def _number(text: str) -> float:
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
    return words[text] if text in words else float(text.replace(",", ""))


# (the value in grader.limits, how the doc's Limits section says it, how README's summary says
# it); `N` stands for the number
CLAIMS = [
    (limits.MAX_ANSWER_LENGTH, r"at most N characters", r"N characters"),
    (limits.MAX_ANSWER_DEPTH, r"nesting at most N deep", r"nesting depth N"),
    (limits.MAX_ANSWER_DEPTH - 1, r"at most N brackets inside\s+each other", None),
    (limits.MAX_NODES, r"at most N parts", r"N nodes"),
    (limits.MAX_DIGITS, r"numbers of at most N digits", r"N-digit numbers"),
    (limits.MAX_POWER_OF_TEN, r"powers of ten up to 1eN", None),
    (limits.MAX_CONSTANT_EXPONENT, r"may not exceed N in size", r"constant exponents up to N"),
    (limits.MAX_NAME_EXPONENT, r"and N over a name", r"N over a name"),
    (limits.MAX_SUM_NESTING, r"at most N sums inside each other", r"N nested sums"),
    (limits.MAX_LATEX_GROUPS, r"at most N `\{ \}` groups", None),
]
DOC_LIMITS = [(doc, value) for value, doc, _ in CLAIMS]
README_LIMITS = [(readme, value) for value, _, readme in CLAIMS if readme]
NUMBER = r"(\d[\d,]*|one|two|three|four|five)"


def _stated(text: str, claims) -> list[tuple[str, float, float]]:
    """(claim, number in the text, value in grader.limits) for every claim, each found once."""
    out = []
    for claim, value in claims:
        found = re.findall(claim.replace("N", NUMBER), text)
        assert len(found) == 1, f"{claim!r} is stated {len(found)} times"
        out.append((claim, _number(found[0]), value))
    return out


DOC_SECTION = _section(DOC.read_text(encoding="utf-8"), "Limits")
README_SENTENCE = re.search(r"Limits are checked before anything is computed:([^.]*)\.",
                            " ".join(README.read_text(encoding="utf-8").split())).group(1)


@pytest.mark.parametrize("claim, stated, value", _stated(DOC_SECTION, DOC_LIMITS), ids=[c for c, _ in DOC_LIMITS])
def test_the_doc_states_the_limit_the_code_has(claim, stated, value):
    assert stated == value


@pytest.mark.parametrize("claim, stated, value", _stated(README_SENTENCE, README_LIMITS),
                         ids=[c for c, _ in README_LIMITS])
def test_the_readme_states_the_limit_the_code_has(claim, stated, value):
    assert stated == value


def test_every_number_in_the_doc_section_is_a_checked_limit():
    """A number added to the section without a claim above would not be checked: refuse it."""
    prose = re.sub(r"`[^`]*`", "", DOC_SECTION)
    numbers = re.findall(r"(?<![\w.])(?:1e)?\d[\d,]*", prose)
    claimed = sum(len(re.findall(c.replace("N", NUMBER), DOC_SECTION)) for c, _ in DOC_LIMITS)
    assert len(numbers) == claimed, numbers


def test_every_sentence_of_the_readme_summary_is_checked():
    assert len(re.split(r",\s", README_SENTENCE)) == len(README_LIMITS), README_SENTENCE


@pytest.mark.parametrize("example", re.findall(r"`([^`{]+)`", DOC_SECTION))
def test_the_doc_examples_are_refused_as_too_complex(example):
    with pytest.raises(AnswerSyntaxError) as info:
        parse(example, TABLE)
    assert info.value.too_complex and info.value.message.startswith(TOO_COMPLEX)


def test_the_readme_states_the_deadline_and_request_size():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert f"`--deadline` ({limits.DEADLINE_SECONDS:g} s)" in text
    assert f"limited to {limits.MAX_REQUEST_BYTES // 1024} KiB" in text


# --- each limit applies at its edge -------------------------------------------------------------

def _nested(depth: int) -> str:
    """An answer nesting `depth` deep: the answer itself and depth - 1 brackets."""
    return "(" * (depth - 1) + "x" + ")" * (depth - 1)


def _parts(count: int) -> str:
    """An answer of exactly `count` tree nodes: x+x+...+x has an odd count, a leading - adds one."""
    terms = "+".join(["x"] * ((count + 1) // 2))
    return terms if count % 2 else "-" + terms


def _sums(count: int) -> str:
    return " ".join(f"sum_{k}" for k in "ijkmn"[:count]) + " x"


EDGES = [  # (limit, answer just inside, answer just outside, the message of the refusal)
    ("length", "x" + " " * (limits.MAX_ANSWER_LENGTH - 1), "x" + " " * limits.MAX_ANSWER_LENGTH,
     f"{TOO_COMPLEX}. The answer is too long ({limits.MAX_ANSWER_LENGTH + 1} characters; "
     f"the limit is {limits.MAX_ANSWER_LENGTH})."),
    ("depth", _nested(limits.MAX_ANSWER_DEPTH), _nested(limits.MAX_ANSWER_DEPTH + 1),
     f"{TOO_COMPLEX}: it is nested too deeply."),
    ("nodes", _parts(limits.MAX_NODES), _parts(limits.MAX_NODES + 1),
     f"{TOO_COMPLEX} (more than {limits.MAX_NODES} parts)."),
    ("digits", "1" * limits.MAX_DIGITS, "1" * (limits.MAX_DIGITS + 1),
     f"{TOO_COMPLEX}. This number is too long to check ({limits.MAX_DIGITS + 1} digits)."),
    ("power of ten", f"1e{limits.MAX_POWER_OF_TEN}", f"1e{limits.MAX_POWER_OF_TEN + 1}",
     f"{TOO_COMPLEX}. This number is too large or too small to check."),
    ("exponent", f"2^{limits.MAX_CONSTANT_EXPONENT:.0f}", f"2^{limits.MAX_CONSTANT_EXPONENT + 1:.0f}",
     f"{TOO_COMPLEX}: an exponent is far too large."),
    ("exponent over a name", f"z^{limits.MAX_NAME_EXPONENT:.0f}", f"z^{limits.MAX_NAME_EXPONENT + 1:.0f}",
     f"{TOO_COMPLEX}: an exponent is far too large."),
    ("sums", _sums(limits.MAX_SUM_NESTING), _sums(limits.MAX_SUM_NESTING + 1),
     f"{TOO_COMPLEX} (more than {limits.MAX_SUM_NESTING} nested sums)."),
]


@pytest.mark.parametrize("inside, outside, message", [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_a_limit_lets_its_edge_through_and_refuses_one_more(inside, outside, message):
    parse(inside, TABLE)
    with pytest.raises(AnswerSyntaxError) as info:
        parse(outside, TABLE)
    assert info.value.too_complex and info.value.message == message


def test_the_edge_answers_are_what_they_claim():
    assert sum(1 for _ in walk(parse(_parts(limits.MAX_NODES), TABLE).tree)) == limits.MAX_NODES
    assert len(EDGES[0][1]) == limits.MAX_ANSWER_LENGTH


def test_the_latex_reader_allows_its_group_depth_and_refuses_one_more():
    def groups(n: int) -> str:
        return "\\pi" + "{" * n + "x" + "}" * n
    latex.read(groups(limits.MAX_LATEX_GROUPS))
    with pytest.raises(latex.LatexError) as info:
        latex.read(groups(limits.MAX_LATEX_GROUPS + 1))
    assert info.value.too_complex


def test_limits_stand_below_the_package():
    """grader.limits imports nothing from grader: every stage can import it without a cycle."""
    source = Path(limits.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+grader\b", source, re.M)


@pytest.mark.parametrize("word, domain", [("positive", limits.POSITIVE_DOMAIN), ("negative", limits.NEGATIVE_DOMAIN)])
def test_the_yaml_doc_states_the_domain_words_intervals(word, domain):
    text = " ".join((ROOT / "docs" / "yaml-format.md").read_text(encoding="utf-8").split())
    found = re.findall(rf"`{word}` \(\[(-?[\d.]+), (-?[\d.]+)\]\)", text)
    assert [tuple(map(float, f)) for f in found] == [domain]
