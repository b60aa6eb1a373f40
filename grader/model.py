"""Values that cross module boundaries: what a problem declares and what grading returns.

Every class here is a frozen dataclass so a problem, once loaded, cannot be changed by the
code that grades with it, and results can be cached, compared and serialised safely.
The YAML loader (`authoring.loader`) builds these; the parser (`answers`), the checker
(`checking`), `classes` and `formats` only read them.
"""
from __future__ import annotations

import unicodedata
from functools import cached_property
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from grader.limits import DEFAULT_DOMAIN


def nfc_id(student: str) -> str:
    """The one form in which a student id is compared, looked up and drawn from: Unicode NFC.
    macOS writes `zoë` in a folder name decomposed (NFD: `zoe` + U+0308), a roster typed
    elsewhere has it composed; the two must be one student everywhere (folder, roster,
    handout, per-student values, exports)."""
    return unicodedata.normalize("NFC", student)


class Word(str, Enum):
    """An enumeration whose members are also the plain words of the file formats: they
    compare equal to, hash, format and serialise (JSON, CSV) exactly as those strings, so
    `"correct"` read back from results.json is `Status.CORRECT`."""

    __str__ = str.__str__
    __format__ = str.__format__

    def __repr__(self) -> str:
        return repr(self.value)


# --- declared symbols --------------------------------------------------------------------



class SymbolKind(Word):
    SCALAR = "scalar"      # a plain real symbol: z, eta, w_1, partialC, f_L
    INDEXED = "indexed"    # delta_j^l, w_(jk)^l, y_j: subscripts and an optional layer superscript
    VECTOR = "vector"      # delta^(l), yhat, e_l: a column vector (optionally per layer)
    MATRIX = "matrix"      # W^(l): a square matrix per layer (every layer has the same width)
    FUNCTION = "function"  # f, g, g_L: unknown smooth function, or an alias of a builtin


SCALAR, INDEXED, VECTOR, MATRIX, FUNCTION = SymbolKind
SYMBOL_KINDS = tuple(SymbolKind)


class IndexRole(Word):
    """What an index letter counts."""

    UNIT = "unit"          # j, k, i: counts the units of a layer; bound by sums
    LAYER = "layer"        # l: a hidden layer number
    LAST = "last"          # L, nl: the output layer


UNIT, LAYER, LAST = IndexRole
INDEX_ROLES = tuple(IndexRole)


@dataclass(frozen=True)
class Symbol:
    """One declared name of a problem.

    `domain` is the sampling interval for scalars and for the entries of arrays (`nonzero`
    leaves out a gap around 0; `integer` draws whole numbers of the interval); `alias` makes
    a declared function stand for a builtin (`g: {kind: function, alias: sigmoid}`), so
    `g'(z)` is the sigmoid's derivative rather than an unknown function's. Given values of
    numeric problems live in `Problem.given`, not here.
    """

    name: str
    kind: SymbolKind = SCALAR
    subscripts: int = 0
    superscript: bool = False
    domain: tuple[float, float] = DEFAULT_DOMAIN
    alias: Optional[str] = None
    latex: Optional[str] = None
    definition: Optional[str] = None   # e.g. yhat: softmax(a_L); evaluated from the definition
    nonzero: bool = False
    integer: bool = False
    arguments: int = 1                 # a function's: f(g(n), 1) when the problem declares 2


@dataclass(frozen=True)
class Network:
    """A problem's declaration that its names live in a feed-forward network (the `network:`
    block): which declared symbol plays which role. Absent roles are still part of every sampled
    network (a problem about delta^L needs weights behind z), they just have no name a student
    can type. `weight_order` says which unit a weight's first subscript counts: the receiving
    one (`w_(jk)^l`: into unit j of layer l from unit k of layer l-1) or the sending one;
    `weight_layer` which layer the superscript of a weight and a bias counts: the receiving one
    (z^l = w^l a^(l-1) + b^l) or the sending one (z^(l+1) = W^(l) a^(l) + b^(l), as UFLDL writes it)."""

    weighted_input: str
    activation: str
    function: Optional[str] = None      # None: an unknown smooth function the problem does not name
    output_function: Optional[str] = None   # the output layer's, when it has its own (g_L); None: `function`
    weight: Optional[str] = None
    weight_order: str = "receiving-first"
    weight_layer: str = "receiving"     # w^l into layer l; "sending": W^(l) from layer l to l+1 (and b^(l))
    bias: Optional[str] = None
    error: Optional[str] = None
    target: Optional[str] = None
    cost: Optional[str] = None
    loss: str = "quadratic"
    decay: Optional[str] = None         # weight decay: the scalar lambda of + lambda/2 sum w^2 in the cost
    # a `chain:` block: one unit per layer, each node a scalar name: (name, role, layer of the chain),
    # layer 0 the input x; the chain's last layer is the network's output layer
    chain: tuple[tuple[str, str, int], ...] = ()
    chain_layers: int = 0       # the chain's layers (its weights)
    # `nodes:` in the block: names of whole layers (yhat's a_L, W_ip1): (name, role, layer letter or
    # '' for a fixed layer, offset or the fixed layer), the letter drawn per sample
    nodes: tuple[tuple[str, str, str, int], ...] = ()
    one_hot: bool = False       # the target is the one-hot vector of a drawn class

    def roles(self) -> tuple[tuple[str, str], ...]:
        """(role, name) of every named node, in the block's order."""
        if self.chain:
            return tuple((role, name) for name, role, _ in self.chain)
        pairs = (("weighted-input", self.weighted_input), ("activation", self.activation), ("weight", self.weight),
                 ("bias", self.bias), ("error", self.error), ("target", self.target), ("cost", self.cost))
        return tuple((role, name) for role, name in pairs if name) + tuple((r, n) for n, r, _, _ in self.nodes)

    @cached_property
    def _role_by_name(self) -> dict:      # read for every side of every derivative checked
        return {n: r for r, n in self.roles()}

    @cached_property
    def _layer_by_name(self) -> dict:
        return {n: layer for n, _, layer in self.chain}

    def role_of(self, name: str) -> Optional[str]:
        return self._role_by_name.get(name)

    def chain_layer(self, name: str) -> Optional[int]:
        """The chain layer of a chain's scalar name (None outside a chain)."""
        return self._layer_by_name.get(name)


@dataclass(frozen=True)
class SymbolTable:
    """What the parser reads against: declared symbols and index letters.

    `e` is Euler's number unless a symbol named `e` is declared. `index_ranges` confines a free
    index letter to whole numbers [low, high], numbered as literal indices are (`a_1^2`: units
    from 0, layers from 0, the input layer); letters without a range take any value of their role.
    """

    symbols: tuple[Symbol, ...] = ()
    indices: tuple[tuple[str, IndexRole], ...] = ()  # (letter, role)
    index_ranges: tuple[tuple[str, tuple[int, int]], ...] = ()   # (letter, (low, high))
    network: Optional[Network] = None   # the problem's `network:` block: its names come from a real network

    def get(self, name: str) -> Optional[Symbol]:
        for s in self.symbols:
            if s.name == name:
                return s
        return None

    def index_range(self, letter: str) -> Optional[tuple[int, int]]:
        return dict(self.index_ranges).get(letter)

    def index_role(self, name: str) -> Optional[IndexRole]:
        for letter, role in self.indices:
            if letter == name:
                return role
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.symbols)


# --- parts and problems ------------------------------------------------------------------

class PartKind(Word):
    EXPRESSION = "expression"
    NUMERIC = "numeric"
    CHOICE = "choice"
    MULTI_CHOICE = "multi-choice"
    DERIVATION = "derivation"          # a chain of equalities from `start` to the reference, checked line by line


EXPRESSION, NUMERIC, CHOICE, MULTI_CHOICE, DERIVATION = PartKind
PART_KINDS = tuple(PartKind)


@dataclass(frozen=True)
class Tolerance:
    """How close a number must be. Expressions use rtol/atol on every sampled point;
    numeric parts use exactly one of absolute / relative / decimals / sigfigs."""

    rtol: float = 1e-7
    atol: float = 1e-9
    absolute: Optional[float] = None
    relative: Optional[float] = None
    decimals: Optional[int] = None
    sigfigs: Optional[int] = None


@dataclass(frozen=True)
class Mistake:
    """An instructor's rule: an answer equivalent to `answer` gets `message` and `score`
    (a fraction of the part's points, 0 by default); `tag` names it in reports."""

    answer: str
    message: str
    tag: str
    score: float = 0.0


@dataclass(frozen=True)
class PartTest:
    """A sample answer with its expected status and a fragment of its expected feedback."""

    answer: str
    status: Status
    feedback: Optional[str] = None


@dataclass(frozen=True)
class Part:
    id: str
    prompt: str
    kind: PartKind
    answer: str                         # expression / numeric: student syntax; choice: option labels, comma separated
    points: float = 1.0
    tolerance: Tolerance = field(default_factory=Tolerance)
    options: tuple[str, ...] = ()       # choice / multi-choice: option texts, labelled A, B, C...
    partial_credit: bool = False        # multi-choice
    forbidden: tuple[str, ...] = ()     # names / functions the answer may not use
    required: tuple[str, ...] = ()      # names the answer must use
    restriction: Optional[str] = None   # the sentence shown when forbidden/required refuse an answer
    hints: tuple[str, ...] = ()
    show_solution: bool = False         # reveal the reference after a wrong answer
    where: Optional[str] = None         # a condition on the symbols ("z > 0"), read by grader.checking.conditions
    allow_restatement: bool = False     # accept answers that name what is asked (tanh'(z) for d tanh/dz)
    formula: bool = False               # numeric: also accept formulas in the problem's names, not only numbers
    asks: tuple[str, ...] = ()          # what the part asks for, in answer syntax (dC/dw_(jk)^l): an answer using it
                                        # restates the question
    mistakes: tuple[Mistake, ...] = ()
    tests: tuple[PartTest, ...] = ()
    line: int = 0                       # where the part starts in its YAML file
    # derivation parts: the chain's first line (any of these, as written up to notation), the
    # fewest steps it may take, forms some line must take (the chain-rule line), and the credit rule
    start: tuple[str, ...] = ()
    min_steps: int = 1
    through: tuple[str, ...] = ()
    credit: str = "complete"            # complete | per-step | one-slip (grader.checking.derivation)


@dataclass(frozen=True)
class Variant:
    """A given value drawn per student: from `choices`, or from [low, high] in steps of `step`."""

    name: str
    choices: tuple[float, ...] = ()
    low: Optional[float] = None
    high: Optional[float] = None
    step: Optional[float] = None


@dataclass(frozen=True)
class Problem:
    id: str
    title: str
    statement: str
    table: SymbolTable
    parts: tuple[Part, ...]
    given: tuple[tuple[str, float], ...] = ()     # the course's own values
    variants: tuple[Variant, ...] = ()
    path: str = ""
    randomize: bool = False     # `randomize: per-student`: each student draws `variants`
    notation: tuple[Symbol, ...] = ()   # names only the prose's `$...$` formulas use (never an answer)

    @property
    def network(self) -> Optional[Network]:
        """The problem's network (its `network:` block), kept with the names it declares."""
        return self.table.network

    @property
    def per_student(self) -> bool:
        """Whether grading uses each student's own values (opt-in, as on course platforms)."""
        return self.randomize and bool(self.variants)

    def part(self, part_id: str) -> Optional[Part]:
        for p in self.parts:
            if p.id == part_id:
                return p
        return None

    @property
    def max_score(self) -> float:
        return sum(p.points for p in self.parts)


# --- results -----------------------------------------------------------------------------

class Status(Word):
    """What an answer to one part got."""

    CORRECT = "correct"
    INCORRECT = "incorrect"
    INVALID = "invalid"
    MISSING = "missing"
    NOT_GRADED = "not-graded"   # the bank cannot grade this part (its fault, never the student's): no score


CORRECT, INCORRECT, INVALID, MISSING, NOT_GRADED = Status
STATUSES = tuple(Status)


class SubmissionStatus(Word):
    """Whether a submission could be graded at all."""

    GRADED = "graded"
    PARTIAL = "partial"     # graded, but some entries could not be (their sentences in `message`)
    ERROR = "error"
    NOT_GRADED = "not-graded"   # some part could not be graded (the bank's fault): the total is no grade


GRADED, PARTIAL, ERROR, SUBMISSION_NOT_GRADED = SubmissionStatus


@dataclass(frozen=True)
class Verdict:
    """The checker's answer about one answer to one part.

    `interpreted` is the Unicode rendering of what the grader read ("interpreted as"),
    `interpreted_ascii` its ASCII fallback; `rule` is the tag of the instructor rule or of
    the automatic diagnosis that produced the main feedback, so reports can count mistakes.
    """

    status: Status
    score: float
    max_score: float
    interpreted: Optional[str] = None
    interpreted_ascii: Optional[str] = None
    interpreted_latex: Optional[str] = None
    feedback: tuple[str, ...] = ()
    rule: Optional[str] = None
    column: Optional[int] = None        # for a syntax error: the 1-based column to put a caret under
    steps: tuple["Step", ...] = ()      # a derivation: each line of the chain with its mark
    decided_by: str = "sampling"        # the stage that decided: sampling, symbolic (SymPy) or structure (the same tree)
    # the classmate's value set a `matches-another-students-values` diagnosis found the numbers right
    # for: anonymous, so grading and the students' outputs never know whose; only the instructor's
    # outputs map it to the classmates who have it (`othervalues.Classmates.whose`)
    matched_values: tuple[tuple[str, float], ...] = ()


class StepStatus(Word):
    """The mark of one line of a derivation."""

    START = "start"            # the first line, and it is what the part starts from
    CORRECT = "correct"        # follows from the line before it
    INCORRECT = "incorrect"    # does not follow from the line before it (or a first line that is not the start)
    INVALID = "invalid"        # cannot be read or evaluated


@dataclass(frozen=True)
class Step:
    """One line of a derivation as the grader marked it. `line` counts the chain's expressions
    (a line `a = b` holds two), `text` is the expression as typed, `column` (a syntax error)
    the 1-based column in `text` to put a caret under."""

    line: int
    text: str
    status: StepStatus
    feedback: tuple[str, ...] = ()
    interpreted: Optional[str] = None
    column: Optional[int] = None


@dataclass(frozen=True)
class PartResult:
    problem: str
    part: str
    answer: Optional[str]
    verdict: Verdict

    def __hash__(self) -> int:
        # kept once made: a class's outputs look each part up in several caches, 37 parts a student
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.problem, self.part, self.answer, self.verdict))
            object.__setattr__(self, "_hash", h)
        return h

    def __reduce__(self):
        # a str's hash differs between processes: what crosses one is rebuilt, not copied
        return PartResult, (self.problem, self.part, self.answer, self.verdict)


@dataclass(frozen=True)
class SubmissionResult:
    """One student's graded submission. `status` is `graded`, or `error` with `message`
    when the file could not be read at all (every part is then `missing`)."""

    student: str
    status: SubmissionStatus
    parts: tuple[PartResult, ...]
    message: Optional[str] = None
    # the per-student values grading used: ((problem id, ((name, value), ...)), ...)
    values: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()

    # every output reads these, a class's worth of times: summed once per result
    @cached_property
    def score(self) -> float:
        return round(sum(p.verdict.score for p in self.parts), 6)

    @cached_property
    def max_score(self) -> float:
        return round(sum(p.verdict.max_score for p in self.parts), 6)
