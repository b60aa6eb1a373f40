"""grader.authoring.yamlsafe: a strict YAML reader for hostile text."""
from __future__ import annotations

import os
import pickle

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from grader.authoring import yamlsafe
from grader.authoring.yamlsafe import YDict, YList, YStr, YamlError, load

PARSERS = {"python": yaml.SafeLoader}
if getattr(yaml, "CSafeLoader", None) is not None:
    PARSERS["libyaml"] = yaml.CSafeLoader


@pytest.fixture(autouse=True, params=sorted(PARSERS))
def parser(request, monkeypatch):
    """Every test runs with both PyYAML parsers: messages and positions must agree."""
    monkeypatch.setattr(yamlsafe, "_loader_class", lambda: PARSERS[request.param])
    return request.param


def error_of(data, **kwargs) -> YamlError:
    with pytest.raises(YamlError) as info:
        load(data, **kwargs)
    return info.value


# --- values --------------------------------------------------------------------------------

def test_scalars_keep_their_exact_text():
    doc = load("a: 2.080\nb: no\nc: -0.004\nd: ~\ne:\nf: ''\ng: 1e3\nh: true\ni: null\nj: 0x1F\nk: 010\n")
    assert doc == {"a": "2.080", "b": "no", "c": "-0.004", "d": "~", "e": "", "f": "",
                   "g": "1e3", "h": "true", "i": "null", "j": "0x1F", "k": "010"}
    assert all(type(v) is YStr for v in doc.values())
    assert all(type(k) is YStr for k in doc)


def test_quoted_and_block_scalars():
    doc = load('a: "x\\ty"\nb: \'it\'\'s\'\nc: |\n  line 1\n  line 2\nd: >\n  folded\n  text\n')
    assert doc["a"] == "x\ty"
    assert doc["b"] == "it's"
    assert doc["c"] == "line 1\nline 2\n"
    assert doc["d"] == "folded text\n"
    assert doc["a"].style == '"' and doc["b"].style == "'" and doc["c"].style == "|"


def test_plain_empty_and_quoted_empty_are_told_apart_by_style():
    doc = load("a:\nb: ''\n")
    assert doc["a"] == "" and doc["a"].style is None
    assert doc["b"] == "" and doc["b"].style == "'"


def test_containers_and_line_numbers():
    text = "# comment\ntitle: T\nparts:\n  - id: one\n    answer: x\n  - id: two\n    answer: [a, b]\n"
    doc = load(text)
    assert isinstance(doc, YDict) and doc.line == 2
    assert doc.key_lines == {"title": 2, "parts": 3}
    assert doc.key_line("parts") == 3 and doc.key_line("nope") == 2
    parts = doc["parts"]
    assert isinstance(parts, YList) and parts.line == 4
    assert parts[0].line == 4 and parts[1].line == 6
    assert parts[1].key_lines["answer"] == 7
    assert parts[1]["answer"].line == 7 and parts[1]["answer"][1].line == 7
    assert doc["title"].line == 2 and doc["title"].column == 8


def test_yvalues_behave_as_plain_containers():
    doc = load("a: [x, {b: c}]\n")
    assert doc == {"a": ["x", {"b": "c"}]}
    assert doc["a"][1]["b"] + "!" == "c!"
    again = pickle.loads(pickle.dumps(doc))
    assert again == doc and again.key_lines == doc.key_lines and again["a"].line == 1


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "---\n...\n", "\n\n"])
def test_empty_document_is_none(text):
    assert load(text) is None


def test_top_level_scalar_and_list():
    assert load("hello") == "hello"
    assert load("- 1\n- 2\n") == ["1", "2"]


def test_bytes_and_bom():
    assert load("a: δ\n".encode()) == {"a": "δ"}
    assert load(b"\xef\xbb\xbfa: 1\n") == {"a": "1"}
    assert load("\ufeffa: 1\n") == {"a": "1"}


# --- refusals ------------------------------------------------------------------------------

def test_invalid_utf8():
    e = error_of(b"a: 1\nb: \xff\n")
    assert e.message == "the file is not valid UTF-8 text (byte 0xff at offset 8)"
    assert e.line == 2


def test_utf16_is_named():
    e = error_of("a: 1\n".encode("utf-16"))
    assert "UTF-16" in e.message


def test_too_large():
    e = error_of(b"a" * 101, max_bytes=100)
    assert "too large" in e.message and "101" in e.message and "100" in e.message
    e = error_of("é" * 60, max_bytes=100)     # 120 bytes in UTF-8
    assert "120" in e.message


def test_three_megabytes_is_refused():
    data = ("key: " + "x" * 70 + "\n").encode() * 40_000   # ~3 MB
    assert len(data) > 3_000_000
    e = error_of(data)
    assert "too large" in e.message and "2,000,000" in e.message


@pytest.mark.parametrize("char, name", [("\x00", "NUL"), ("\x07", "U+0007"), ("\x1b", "U+001B"),
                                        ("\x7f", "U+007F"), ("\x85", "U+0085")])
def test_control_characters(char, name):
    e = error_of(f"a: 1\nb: x{char}y\n")
    assert e.line == 2 and e.column == 5
    assert name in e.message
    assert str(e).startswith("line 2: ")


def test_tab_newline_cr_are_fine():
    assert load("a: 'x\ty'\r\nb: 2\r\n") == {"a": "x\ty", "b": "2"}


def test_binary_junk():
    junk = bytes(range(256)) * 20
    e = error_of(junk)
    assert e.message.startswith("the file")
    e = error_of(os.urandom(4096) + b"\x00")
    assert isinstance(e, YamlError)


def test_anchor_refused():
    e = error_of("a: &x 1\nb: 2\n")
    assert "anchor" in e.message and "&x" in e.message and e.line == 1


def test_alias_refused():
    e = error_of("a: 1\nb: *x\n")   # alias without its anchor: still named as an alias
    assert "alias" in e.message and e.line == 2


def test_billion_laughs_is_rejected_at_the_first_anchor():
    lines = ['lol0: &lol0 "lol"']
    for i in range(1, 12):
        refs = ", ".join([f"*lol{i - 1}"] * 10)
        lines.append(f"lol{i}: &lol{i} [{refs}]")
    text = "\n".join(lines) + "\n"
    e = error_of(text)
    assert "anchor" in e.message and e.line == 1


def test_merge_key_with_alias_refused():
    e = error_of("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert e.line == 1


@pytest.mark.parametrize("text, tag", [
    ("a: !!python/object/apply:os.system ['ls']\n", "!!python/object/apply:os.system"),
    ("a: !!binary aGVsbG8=\n", "!!binary"),
    ("a: !foo bar\n", "!foo"),
    ("a: !!str 3\n", "!!str"),
    ("a: !!map {x: 1}\n", "!!map"),
    ("!!seq [1]\n", "!!seq"),
    ("a: ! x\n", "'!'"),
])
def test_tags_refused(text, tag):
    e = error_of(text)
    assert tag in e.message and "tag" in e.message
    assert e.line == 1


def test_duplicate_keys():
    e = error_of("a: 1\nb: 2\na: 3\n")
    assert e.message == "duplicate key 'a' (first at line 1)"
    assert e.line == 3
    assert str(e) == "line 3: duplicate key 'a' (first at line 1)"


def test_duplicate_keys_nested_and_flow():
    e = error_of("parts:\n  - id: x\n    answer: 1\n    id: y\n")
    assert e.message == "duplicate key 'id' (first at line 2)" and e.line == 4
    e = error_of("{a: 1, a: 2}")
    assert "duplicate key 'a'" in e.message


@pytest.mark.parametrize("text", ["? [a, b]\n: 1\n", "? {a: 1}\n: 2\n", "{[a]: 1}\n"])
def test_non_scalar_keys(text):
    e = error_of(text)
    assert "key must be a plain name" in e.message and e.line == 1


def test_tab_indentation():
    e = error_of("a:\n\tb: 1\n")
    assert e.message == "a tab character is used for indentation; indent with spaces only"
    assert e.line == 2


def test_multiple_documents():
    e = error_of("a: 1\n---\nb: 2\n")
    assert "more than one YAML document" in e.message and e.line == 2


def test_nesting_too_deep():
    e = error_of("[" * 60 + "]" * 60)
    assert "nested too deeply" in e.message
    assert load("[" * 50 + "]" * 50) is not None
    deep = "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n"
    e = error_of(deep)
    assert "nested too deeply" in e.message and e.line == 51


def test_very_deep_flow_nesting_is_refused_without_recursion_error():
    e = error_of("[" * 100_000)
    assert "nested too deeply" in e.message


@pytest.mark.parametrize("text, line, fragment", [
    ("a: b: c\n", 1, "unexpected ':'"),
    ("a:\n  b: 1\n c: 2\n", 3, "indentation"),
    ("a: 'abc\n", 2, "closing quote"),
    ("a: [1, 2\n", 2, "']'"),
    ('a: "\\q"\n', 1, "escape"),
    ("a: @x\n", 1, "quotes"),
    ("a:\n- x\n-y\n", 3, "':'"),
])
def test_syntax_errors_are_plain(text, line, fragment):
    e = error_of(text)
    assert e.line == line
    assert fragment in e.message
    assert "Mark" not in e.message and "<" not in e.message and "\n" not in e.message


def test_error_without_line_has_plain_str():
    e = YamlError("something")
    assert str(e) == "something" and e.line is None


def test_wrong_type_rejected():
    with pytest.raises(TypeError):
        load(12)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_any_text_gives_value_or_yamlerror(text):
    try:
        load(text)
    except YamlError as e:
        assert e.message and isinstance(e.message, str)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_gives_value_or_yamlerror(data):
    try:
        load(data)
    except YamlError as e:
        assert e.message


def test_libyaml_is_used_when_available(monkeypatch):
    monkeypatch.undo()   # the real choice, not the fixture's
    expected = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    assert yamlsafe._loader_class() is expected


class _NewLibyaml(yaml.SafeLoader):
    """libyaml 0.2.6 (PyYAML 6.0.4): stops deep flow nesting itself, before any event."""

    def get_event(self):
        raise yaml.MarkedYAMLError("while increasing flow level", None,
                                   "exceeded maximum nesting depth", yaml.Mark("<unicode string>", 0, 0, 1000, None, None))


def test_a_parser_limit_of_its_own_is_reported_in_our_words(monkeypatch):
    monkeypatch.setattr(yamlsafe, "_loader_class", lambda: _NewLibyaml)
    e = error_of("[" * 100_000)
    assert (e.message, e.line, e.column) == ("the file is nested too deeply (more than 50 levels)", 1, 51)


# Every error either parser raises becomes one of our sentences, the same under both parsers
# (the fixture runs each case with each), at the same line and column.
BROKEN = [
    ("- a\nb: c\n", "bad indentation: this line is not aligned with the lines above it", 2, 1),
    ("a:\n  - b\n  c: d\n", "bad indentation: this line is not aligned with the lines above it", 3, 3),
    ("a: [1, 2\n", "expected ',' or ']' here (a bracket is not closed?)", 2, 1),
    ("a: {b: 1\n", "expected ',' or '}' here (a bracket is not closed?)", 2, 1),
    ("%YAML 1.1\n---\na\n", "directives ('%...') are not allowed; remove the line", 1, 1),
    ("# note\n%FOO\n---\n", "directives ('%...') are not allowed; remove the line", 2, 1),
    ("a: |x\n b\n", "after '|' or '>' only '-', '+' or an indentation digit may follow on the same line", 1, 5),
    ("a: &\n", "anchors and aliases ('&name', '*name') are not allowed; write the value out", 1, 5),
    ("a: *\n", "anchors and aliases ('&name', '*name') are not allowed; write the value out", 1, 5),
    ("a: 'x\n---\n", "a '---' line is inside a quoted text; a closing quote is missing", 2, 1),
    ('"a" "b"\n', "unexpected text after the end of the document; check the indentation and the quotes", 1, 5),
    ("{a: 1}}\n", "unexpected text after the end of the document; check the indentation and the quotes", 1, 7),
    ("!!\n", "tags ('!...') are not allowed; put the value in quotes if it must be text", 1, 3),
    ("]\n", "a value is missing here", 1, 1),
    ('a: "\\q"\n', "unknown escape '\\q' inside double quotes; use single quotes or write '\\\\'", 1, 5),
    ("a:\n\tb: 1\n", "a tab character is used for indentation; indent with spaces only", 2, 1),
    ("[" * 60, "the file is nested too deeply (more than 50 levels)", 1, 51),
]


@pytest.mark.parametrize("text, message, line, column", BROKEN)
def test_every_parser_error_is_ours_and_the_same_under_both_parsers(text, message, line, column):
    e = error_of(text)
    assert (e.message, e.line, e.column) == (message, line, column)


def test_two_megabytes_parse(parser):
    n = 40000 if parser == "libyaml" else 4000     # the pure-Python parser is ~15 times slower
    data = "".join(f"s{i}:\n  p{i}: \"a_k^(l-1)*delta_j^l + {i}\"\n" for i in range(n))
    assert len(data) < 2_000_000
    doc = load(data)
    assert len(doc) == n and doc[f"s{n - 1}"][f"p{n - 1}"].line == 2 * n


def test_line_numbers_count_cr_and_crlf_breaks():
    e = error_of("a: 1\rb: 2\r\nc: x\x07\n")
    assert (e.line, e.column) == (3, 5)
    e = error_of("a: 1\r\nb: 2\r\na: 3\r\n")
    assert e.message == "duplicate key 'a' (first at line 1)" and e.line == 3


def test_invisible_line_separators_refused():
    e = error_of("a: x\u2028y\n")
    assert "U+2028" in e.message and e.line == 1
