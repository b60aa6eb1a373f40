"""Hostile answers and hostile submission folders for tests/test_attacks.py.

Each answer is ``(name, text, allowed)``: `allowed` is the set of statuses a clean outcome
may have (hostile text is never `correct`, except a confusable spelling that really is the
right answer once folded, like fullwidth letters). Texts may contain ``{sentinel}``: the
path of a file that must never be created (it would prove that student text was executed);
`answers(sentinel)` fills it in.

The corpus is data only; nothing in it is ever evaluated by the tests themselves.
"""
from __future__ import annotations

import os
from pathlib import Path

from grader.model import CORRECT, EXPRESSION, INCORRECT, INVALID, MATRIX, NUMERIC, VECTOR, INDEXED, FUNCTION, SCALAR

NOT_RIGHT = frozenset({INCORRECT, INVALID})
ANY = frozenset({CORRECT, INCORRECT, INVALID})
ONLY_INVALID = frozenset({INVALID})

# --- answers -----------------------------------------------------------------------------------

INJECTION = [
    ("import-os-system", "__import__('os').system('touch {sentinel}')", ONLY_INVALID),
    ("import-builtin", "__import__('builtins').open('{sentinel}', 'w')", ONLY_INVALID),
    ("open-write", "open('{sentinel}','w').write('x')", ONLY_INVALID),
    ("dunder-subclasses", "().__class__.__bases__[0].__subclasses__()", ONLY_INVALID),
    ("dunder-globals", "z.__class__.__init__.__globals__['os'].system('touch {sentinel}')", ONLY_INVALID),
    ("dunder-builtins", "__builtins__", ONLY_INVALID),
    ("lambda", "lambda: 0", ONLY_INVALID),
    ("lambda-arg", "lambda z: z", ONLY_INVALID),
    ("exec", "exec('open(\"{sentinel}\",\"w\")')", ONLY_INVALID),
    ("exec-bare", "exec('x')", ONLY_INVALID),
    ("eval", "eval('__import__(\"os\").system(\"touch {sentinel}\")')", ONLY_INVALID),
    ("eval-call", "eval(z)", NOT_RIGHT),
    ("compile", "compile('1','x','eval')", ONLY_INVALID),
    ("globals", "globals()", NOT_RIGHT),
    ("getattr", "getattr(z, '__class__')", ONLY_INVALID),
    ("sympify-string", "Symbol('x').__class__", ONLY_INVALID),
    ("walrus", "(y := __import__('os'))", ONLY_INVALID),
    ("fstring", "f'{__import__(\"os\").system(\"touch {sentinel}\")}'", ONLY_INVALID),
    ("format-string", "'{0.__class__}'.format(1)", ONLY_INVALID),
    ("semicolon-statements", "z; import os; os.system('touch {sentinel}')", ONLY_INVALID),
    ("newline-statements", "z\nimport os\nos.system('touch {sentinel}')", ONLY_INVALID),
    ("latex-input", "\\input{/etc/passwd}", ONLY_INVALID),
    ("latex-write18", "\\immediate\\write18{touch {sentinel}}", ONLY_INVALID),
]

SHELL = [
    ("dollar-paren", "$(touch {sentinel})", ONLY_INVALID),
    ("backticks", "`touch {sentinel}`", ONLY_INVALID),
    ("backticks-id", "`id`", ONLY_INVALID),
    ("semicolon-rm", "; rm -rf /", ONLY_INVALID),
    ("and-and", "z && touch {sentinel}", ONLY_INVALID),
    ("pipe", "z | tee {sentinel}", ONLY_INVALID),
    ("redirect", "z > {sentinel}", ONLY_INVALID),
    ("dollar-var", "${HOME}", ONLY_INVALID),
    ("sql", "'; DROP TABLE students; --", ONLY_INVALID),
    ("html", "<script>alert(1)</script>", ONLY_INVALID),
    ("workflow-command", "::set-output name=score::100", ONLY_INVALID),
]

HUGE = [
    ("tower-caret", "9^9^9^9", NOT_RIGHT),
    ("tower-stars", "10**10**10", NOT_RIGHT),
    ("tower-stars-paren", "(10**10)**(10**10)", NOT_RIGHT),
    ("var-to-googolplex", "z^(10^100000)", NOT_RIGHT),
    ("var-to-huge", "z^(10^1000)", NOT_RIGHT),
    ("million-digits", "9" * 1_000_000, NOT_RIGHT),
    ("hundred-digits", "9" * 100, NOT_RIGHT),
    ("long-decimal", "0." + "0" * 1500 + "1", NOT_RIGHT),
    ("factorial-call", "factorial(10^9)", NOT_RIGHT),     # a table lookup: undefined past 170!
    ("factorial-bang", "99999999999!", NOT_RIGHT),
    ("exp-tower", "e^(e^(e^(e^(e^z))))", NOT_RIGHT),
    ("exp-nested", "exp(exp(exp(exp(exp(z)))))", NOT_RIGHT),
    ("exp-1000", "exp(1000)", NOT_RIGHT),
    ("big-times-big", "10^308*10^308", NOT_RIGHT),
    ("float-overflow", "1e308*10", NOT_RIGHT),
    ("float-huge-literal", "1e999999999", NOT_RIGHT),
    ("float-underflow", "1e-400", NOT_RIGHT),
    ("power-chain", "z" + "^z" * 300, NOT_RIGHT),
    ("product-chain", "z*" * 999 + "z", NOT_RIGHT),
    ("sum-chain", "z+" * 999 + "z", NOT_RIGHT),
    ("many-sums", "sum_k " * 50 + "z", NOT_RIGHT),
    ("many-primes", "tanh" + "'" * 500 + "(z)", NOT_RIGHT),
    ("huge-layer", "delta_j^(l+10^100)", NOT_RIGHT),
    ("matrix-power", "W^(l)^(10^9)", NOT_RIGHT),
    ("many-options", "A, " * 600 + "A", NOT_RIGHT),
]

NESTING = [
    ("open-parens-10000", "(" * 10_000, ONLY_INVALID),
    ("balanced-10000", "(" * 5_000 + "z" + ")" * 5_000, NOT_RIGHT),
    ("balanced-500", "(" * 500 + "z" + ")" * 500, NOT_RIGHT),
    ("nested-calls", "exp(" * 300 + "z" + ")" * 300, NOT_RIGHT),
    ("nested-minus", "-" * 1_999 + "z", NOT_RIGHT),
    ("nested-brackets", "[" * 1000 + "]" * 1000, ONLY_INVALID),
    ("nested-braces", "{" * 1000 + "}" * 1000, ONLY_INVALID),
    ("nested-powers", "z^(" * 300 + "2" + ")" * 300, NOT_RIGHT),
]

BIG_STRINGS = [
    ("megabyte-letters", "z" * 1_048_576, NOT_RIGHT),
    ("megabyte-spaces", " " * 1_048_576, ONLY_INVALID),
    ("megabyte-unicode", "\u03b4" * 1_048_576, NOT_RIGHT),
    ("long-name", "q" * 1_999, ONLY_INVALID),
    ("10mb", "1+" * 5_000_000 + "1", NOT_RIGHT),
]

CONTROL = [
    ("nul", "z\x00", ONLY_INVALID),
    ("only-nuls", "\x00" * 100, ONLY_INVALID),
    ("nul-middle", "1-tanh(z)^2\x00rm -rf /", ONLY_INVALID),
    ("escape-sequence", "\x1b[2J\x1b[31mz", ONLY_INVALID),
    ("bell-backspace", "z\x07\x08\x08", ONLY_INVALID),
    ("delete", "z\x7f", ONLY_INVALID),
    ("c1-control", "z\x9b31m", ONLY_INVALID),
    ("carriage-return", "\r", ONLY_INVALID),
    ("crlf-only", "\r\n\r\n", ONLY_INVALID),
    ("bidi-override", "\u202ez-1", ONLY_INVALID),
    ("bidi-isolate", "\u2066z\u2069", ONLY_INVALID),
    ("zero-width-space", "z\u200b", ONLY_INVALID),
    ("bom", "\ufeffz", ONLY_INVALID),
    ("line-separator", "z\u2028", ONLY_INVALID),
    ("paragraph-separator", "z\u2029", ONLY_INVALID),
    ("lone-surrogate", "z\ud800", ONLY_INVALID),
    ("noncharacter", "z\uffff", ONLY_INVALID),
    ("private-use", "z\ue000", ONLY_INVALID),
    ("combining-marks", "z" + "\u0301" * 500, ONLY_INVALID),
    ("tag-characters", "z\U000e0041\U000e0042", ONLY_INVALID),
]

CONFUSABLE = [
    ("cyrillic-a", "\u0430", ONLY_INVALID),
    ("cyrillic-e", "\u0435^(-z)", ONLY_INVALID),
    ("cyrillic-in-tanh", "1-t\u0430nh(z)^2", ONLY_INVALID),
    ("greek-omicron", "\u03bf", ONLY_INVALID),
    ("fullwidth", "\uff11-\uff54\uff41\uff4e\uff48(\uff5a)^2", ANY),    # NFKC: 1-tanh(z)^2, may be right
    ("math-bold-digit", "\U0001d7cf-tanh(z)^2", ANY),
    ("superscript-two", "1-tanh(z)\u00b2", ANY),
    ("minus-sign", "1\u2212tanh(z)^2", ANY),
    ("fraction-slash", "1\u2044z", NOT_RIGHT),
    ("fancy-quotes", "f\u2019(z)", NOT_RIGHT),
    ("mixed-script-name", "d\u0435lta_j^l", ONLY_INVALID),
    ("cjk", "\u4e00", ONLY_INVALID),
    ("emoji", "\U0001f600", ONLY_INVALID),
    ("hangul-filler", "z\u3164", NOT_RIGHT),
    ("superscript-digit-alone", "\u00b2", NOT_RIGHT),    # str.isdigit() is True, int() fails
    ("circled-digit", "\u2460", NOT_RIGHT),
    ("superscript-digits-list", "\u00b9, \u00b2", NOT_RIGHT),
    ("arabic-indic-digit", "\u0663", ANY),
]

UNDEFINED = [
    ("one-over-zero", "1/0", NOT_RIGHT),
    ("zero-over-zero", "0/0", NOT_RIGHT),
    ("over-z-minus-z", "1/(z-z)", NOT_RIGHT),
    ("z-over-zero", "z/0", NOT_RIGHT),
    ("log-zero", "log(0)", NOT_RIGHT),
    ("log-negative", "log(-1)", NOT_RIGHT),
    ("sqrt-negative", "sqrt(-1)", NOT_RIGHT),
    ("negative-root", "(-1)^(1/2)", NOT_RIGHT),
    ("zero-negative-power", "0^(-1)", NOT_RIGHT),
    ("zero-to-zero", "0^0", NOT_RIGHT),
    ("nan", "nan", ONLY_INVALID),
    ("NaN", "NaN", ONLY_INVALID),
    ("inf", "inf", ONLY_INVALID),
    ("minus-inf", "-inf", ONLY_INVALID),
    ("infinity", "Infinity", ONLY_INVALID),
    ("sympy-oo", "oo", ONLY_INVALID),
    ("zoo", "zoo", ONLY_INVALID),
    ("inf-minus-inf", "1e308*10-1e308*10", NOT_RIGHT),
    ("tan-pole", "tan(pi/2)", NOT_RIGHT),
    ("log-of-zero-times", "log(z-z)*0", NOT_RIGHT),
]

ODD = [
    ("empty", "", ONLY_INVALID),
    ("spaces", "   ", ONLY_INVALID),
    ("tabs-newlines", "\t\n\t", ONLY_INVALID),
    ("unknown-function", "foo(z)", ONLY_INVALID),
    ("wrong-arity", "max(z)", NOT_RIGHT),
    ("no-args", "min()", ONLY_INVALID),
    ("path-traversal", "../../etc/passwd", ONLY_INVALID),
    ("windows-path", "..\\..\\windows\\system32", ONLY_INVALID),
    ("yaml-tag-in-answer", "!!python/object/apply:os.system ['touch {sentinel}']", ONLY_INVALID),
    ("json", "{\"a\": 1}", ONLY_INVALID),
    ("format-spec", "{0!r:>{1}}", ONLY_INVALID),
    ("percent-format", "%s%s%s%n", ONLY_INVALID),
    ("only-operators", "+-*/^", ONLY_INVALID),
    ("double-dot", "z..z", ONLY_INVALID),
    ("subscript-bomb", "delta_(" + "j" * 1500 + ")^l", NOT_RIGHT),
    ("transpose-chain", "z" + "^T" * 500, NOT_RIGHT),
    ("prime-chain", "f" + "'" * 1000 + "(z)", NOT_RIGHT),
]

LATEX = [    # the LaTeX reader: under the 2,000-character limit, so the reader itself is attacked
    ("deep-frac", "\\frac{" * 150 + "z" + "}{2}" * 150, NOT_RIGHT),
    ("deep-frac-megabyte", "\\frac{" * 200_000 + "z" + "}{2}" * 200_000, NOT_RIGHT),
    ("deep-frac-unclosed", "\\frac{" * 300, ONLY_INVALID),
    ("frac-chain", "\\frac{z}{2}" * 150, NOT_RIGHT),
    ("huge-root-degree", "\\sqrt[" + "9" * 1_000 + "]{z}", NOT_RIGHT),
    ("root-degree-tower", "\\sqrt[9^9^9^9]{z}", NOT_RIGHT),
    ("nested-roots", "\\sqrt[3]{" * 100 + "z" + "}" * 100, NOT_RIGHT),
    ("sqrt-bracket-unclosed", "\\sqrt[" * 300, ONLY_INVALID),
    ("unknown-command", "\\input{/etc/passwd}", ONLY_INVALID),
    ("unknown-commands", "\\zzz" * 300, ONLY_INVALID),
    ("write18", "\\immediate\\write18{touch {sentinel}}", ONLY_INVALID),
    ("unbalanced-open", "{" * 1_900 + "\\alpha", ONLY_INVALID),
    ("unbalanced-close", "\\beta" + "}" * 1_900, ONLY_INVALID),
    ("left-right-flood", "\\left(" * 150 + "z" + "\\right)" * 150, NOT_RIGHT),
    ("sum-bounds-nested", "\\sum_{k=1}^{" + "{" * 900 + "n" + "}" * 900 + "} z", NOT_RIGHT),
    ("backslash-flood", "\\" * 1_999, ONLY_INVALID),
    ("dollar-flood", "$" * 1_999, ONLY_INVALID),
    ("text-flood", "\\text{" + "z" * 1_900 + "}", NOT_RIGHT),
    ("prime-superscripts", "f^{" + "\\prime" * 250 + "}(z)", NOT_RIGHT),
    ("spacing-flood", "z" + "\\," * 990, NOT_RIGHT),
    ("partial-flood", "\\partial" * 200, ONLY_INVALID),
]

CATEGORIES = {
    "injection": INJECTION,
    "shell": SHELL,
    "huge": HUGE,
    "nesting": NESTING,
    "big-strings": BIG_STRINGS,
    "control": CONTROL,
    "confusable": CONFUSABLE,
    "undefined": UNDEFINED,
    "odd": ODD,
    "latex": LATEX,
}


def answers(sentinel: str | os.PathLike) -> list[tuple[str, str, frozenset]]:
    """Every hostile answer as (category/name, text, allowed statuses), sentinel filled in."""
    out = []
    for cat, items in CATEGORIES.items():
        for name, text, allowed in items:
            text = text.replace("{sentinel}", str(sentinel))
            out.append((f"{cat}/{name}", text, allowed))
    return out


def ids() -> list[str]:
    return [f"{cat}/{name}" for cat, items in CATEGORIES.items() for name, _, _ in items]


# --- which bank parts to attack -----------------------------------------------------------------

def attack_targets(bank: dict) -> dict[str, tuple]:
    """A part of each flavour from the real bank: name -> (problem, part). Chosen by what the
    part is, not by its id, so the suite follows the bank as it grows."""
    found: dict[str, tuple] = {}

    def kinds(problem):
        return {s.kind for s in problem.table.symbols}

    for pid in sorted(bank):
        problem = bank[pid]
        k = kinds(problem)
        for part in problem.parts:
            restricted = bool(part.forbidden or part.required)
            if part.kind == EXPRESSION:
                if k <= {SCALAR, FUNCTION} and FUNCTION in k and not restricted:
                    found.setdefault("scalar-with-functions", (problem, part))
                if k <= {SCALAR, FUNCTION} and not restricted:
                    found.setdefault("scalar", (problem, part))
                if restricted:
                    found.setdefault("restricted", (problem, part))
                if INDEXED in k and not restricted:
                    found.setdefault("indexed", (problem, part))
                if k & {MATRIX, VECTOR} and not restricted:
                    found.setdefault("matrix", (problem, part))
            elif part.kind == NUMERIC:
                if problem.variants:
                    found.setdefault("numeric-variants", (problem, part))
                found.setdefault("numeric", (problem, part))
            else:
                found.setdefault(part.kind, (problem, part))
    return found


# --- hostile YAML -------------------------------------------------------------------------------

def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(f"sigmoid:\n  derivative: *a{levels}")
    return "\n".join(lines) + "\n"


def quadratic_blowup(n: int = 2000) -> str:
    """One big anchored string referenced many times (the 'quadratic' YAML bomb)."""
    big = "x" * 10_000
    refs = ", ".join(["*big"] * n)
    return f"big: &big {big}\nsigmoid:\n  derivative: [{refs}]\n"


def yaml_tags(sentinel: str) -> dict[str, str]:
    """Answer files whose YAML would run code in an unsafe loader."""
    s = str(sentinel)
    return {
        "tag-apply": f"sigmoid:\n  derivative: !!python/object/apply:os.system ['touch {s}']\n",
        "tag-apply-top": f"!!python/object/apply:os.system ['touch {s}']\n",
        "tag-name": "sigmoid:\n  derivative: !!python/name:os.system\n",
        "tag-module": "sigmoid: !!python/module:os\n",
        "tag-new": f"sigmoid:\n  derivative: !!python/object/new:subprocess.Popen [['touch', '{s}']]\n",
        "tag-binary": "sigmoid:\n  derivative: !!binary aGVsbG8=\n",
        "tag-local": "sigmoid:\n  derivative: !evil z\n",
        "tag-str-on-map": "sigmoid: !!str {derivative: z}\n",
    }


def hostile_problem_files(sentinel: str) -> dict[str, str]:
    """Problem files an attacker (or a careless pull request) might add to a bank."""
    s = str(sentinel)
    good_part = ("parts:\n  - id: a\n    prompt: p\n    kind: expression\n    answer: z\n")
    return {
        "bomb.yaml": billion_laughs().replace("sigmoid:\n  derivative:", "title:") ,
        "tag-apply.yaml": f"title: !!python/object/apply:os.system ['touch {s}']\nstatement: x\n"
                          f"symbols: {{z: scalar}}\n" + good_part,
        "tag-new.yaml": f"title: t\nstatement: !!python/object/new:subprocess.Popen [['touch', '{s}']]\n"
                        f"symbols: {{z: scalar}}\n" + good_part,
        "hostile-reference.yaml": "title: t\nstatement: s\nsymbols: {z: scalar}\nparts:\n  - id: a\n"
                                  "    prompt: p\n    kind: expression\n    answer: \"9^9^9^9\"\n",
        "injection-reference.yaml": "title: t\nstatement: s\nsymbols: {z: scalar}\nparts:\n  - id: a\n"
                                    f"    prompt: p\n    kind: expression\n    answer: \"__import__('os').system('touch {s}')\"\n",
        "deep.yaml": "title: " + "[" * 5000 + "]" * 5000 + "\n",
    }
