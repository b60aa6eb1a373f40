"""Every limit and default of the grader, in one table (issue 22: knowledge in one place).

A value here is named once and imported where it is used, so that the number a student reads
in docs/answer-syntax.md, the number a test checks and the number the code enforces are the
same object (tests/test_limits.py reads the doc's Limits section against this table). Each
comment says why the value is what it is. Nothing here imports from grader: the table sits
below every stage.
"""
from __future__ import annotations

# --- checking one answer -------------------------------------------------------------------

DEADLINE_SECONDS = 5.0          # seconds per distinct answer: honest answers take milliseconds, this stops the pathological ones
STUDENT_BUDGET_SECONDS = 20.0   # seconds of checking per student in a class run: four deadlines; an honest student's answers take a few ms
RUN_BUDGET_SECONDS = 30.0       # seconds of checking per class run, plus the next line per submission (60 slow answers cost 150 s)
RUN_BUDGET_PER_SUBMISSION = 0.02    # seconds per submission: 26x the check step of a fresh 2,000-student class, 100x at 100,000
SHORT_ANSWER = 120              # characters: a class run checks answers this short first (the bank's longest reference has 87), so slow long ones cannot use up the run's budget

# --- reading an answer (grader.answers): checked before anything is computed ------------------

MAX_ANSWER_LENGTH = 2000     # characters: far more than any course answer needs; pasted essays are refused
MAX_ANSWER_DEPTH = 40        # nesting levels, the answer itself the first: keeps the recursive parser far from Python's stack limit
MAX_NODES = 400              # parts of the tree (numbers, names, operators): far beyond any course answer
MAX_CHAIN_LINES = 40         # lines of one derivation: the homework's longest takes 6, a careful student 15
MAX_CHAIN_LENGTH = 6_000     # characters of one derivation: 40 lines of a LaTeX paste; fits a web request (MAX_REQUEST_BYTES) with every backslash escaped
MAX_DIGITS = 40              # digits in one number; beyond float precision, never needed by hand
MAX_POWER_OF_TEN = 300       # written powers of ten up to 1e300: floats end near 1e308, so no written number is already inf
MAX_CONSTANT_EXPONENT = 1000.0   # an exponent made of numbers (9^9^9^9, 10**10**10) is refused before any power is taken
MAX_NAME_EXPONENT = 1_000_000.0  # the same over a base with names: (x-a)^6000 is read (floats overflow, the symbolic stage decides), 9^9^9 as an exponent still is not
MAX_SUM_NESTING = 3          # sums inside sums; backprop needs two, each level multiplies the cost by the layer width
MAX_PRIMES = 3               # f''' at most: the built-in functions carry their first three derivatives
MAX_LATEX_GROUPS = MAX_ANSWER_DEPTH   # `{ }` groups inside each other: the LaTeX reader's own guard, as deep as brackets
MAX_ANSWER_INPUT_BYTES = 100_000    # bytes read from a file or standard input for one answer: 16 times the longest derivation; what is beyond is not an answer
CARET_MAX_LENGTH = 200       # longer answers wrap in a terminal, where a caret under them would point at the wrong place

# --- exact arithmetic (grader.checking.exact): numeric answers compared as fractions ---------------

EXACT_MAX_EXPONENT = 64      # x^n exactly for |n| <= 64; larger powers are compared in floats
EXACT_MAX_BITS = 4096        # numerators and denominators below 2^4096: exact and still instant

# --- the symbolic stage (grader.checking.symbolic): SymPy when sampling cannot decide ---------------

SYMBOLIC_SECONDS = 1.0       # seconds of SymPy per answer at most: a fifth of the deadline; the verdict of sampling stands after it
SYMBOLIC_POINTS = 240        # exact points tried for a real-domain difference: every symbol over {0, ±1, ±2, ±1/2, 3, 1/3, ...} near the origin first

# --- the random worlds answers are compared in (grader.checking.evaluate) ------------------------

SAMPLES = 64                 # samples per world: a wrong answer agreeing with the reference in all of them by chance is negligible
MIN_WIDTH = 2                # units per layer at least: one unit would hide swapped indices (w_jk = w_kj)
MAX_WIDTH = 4                # units per layer at most: sums stay a few NumPy operations
LAYERS = 7                   # layers 0..6; l is drawn in the hidden layers, L (the output layer) is 6
HIDDEN_LAYERS = (1, 3)       # the layers a `layer` letter takes without a range: l-1 and l+1 stay inside 0..6
REJECTION_DRAWS = 16         # a condition is sampled by drawing 16x the samples once and keeping those that meet it
DEFAULT_DOMAIN = (-2.0, 2.0)     # where a symbol's values are drawn unless a problem says otherwise: both signs, around 1
POSITIVE_DOMAIN = (0.1, 2.0)     # `positive` (problem files and `grader compare --positive`): away from 0, same scale
NEGATIVE_DOMAIN = (-2.0, -0.1)   # `negative`: the mirror of `positive`
NONZERO_GAP = 0.1            # `nonzero` symbols are drawn at least this far from 0, like `positive` and `negative`

# --- files the grader reads ------------------------------------------------------------------

YAML_MAX_BYTES = 2_000_000   # a problem or assignment file: far above a real one, small enough to read at once
YAML_MAX_DEPTH = 50          # nesting in a YAML file: real files nest a few levels, deeper is an attack on the reader
ANSWER_FILE_MAX_BYTES = 262_144   # a student's answer file: a whole bank's answers take a few KB; a 2 MB file cost 1-2 s and 180-380 MB to parse
ANSWER_FILE_PARSE_SECONDS = 2.0   # reading one answer file's YAML: a 256 KB file takes a tenth of that; a slower one is refused
ROSTER_MAX_BYTES = 5_000_000     # a roster CSV: room for a very large class, small enough to read at once
MAX_REQUEST_BYTES = 16_384   # bytes of JSON per web request: an answer over MAX_ANSWER_LENGTH is refused anyway

# --- authoring problems (grader.authoring) --------------------------------------------------

MAX_LABELS = 26              # choice options are labelled A..Z
MAX_SUBSCRIPTS = 3           # w_(jk) has 2; nothing in the course has more than 3
MAX_FUNCTION_ARGUMENTS = 4   # an unknown function f(x, y) a problem declares: the course's have 1 or 2
VALIDATION_SAMPLE = 200      # drawn students (seeded: validate-a, -b, -c, validate-3 .. validate-199) whose values each per-student rule is checked with: a rule that collides for 1 student in 50 is found with 98% certainty
MAX_RESTATEMENTS = 300       # restatements (and their disguises) tried per part when a problem is validated

# --- feedback (grader.checking) ----------------------------------------------------------------

MAX_DIAGNOSED_STEPS = 3      # wrong lines of one derivation explained in full (each tries up to MAX_VARIANTS edits); later ones are marked
MAX_REFERENCE_SLIPS = 400     # common slips made on a part's reference (grader.checking.slips): evaluated once per part, compared at once
MAX_VARIANTS = 60            # small edits of a wrong answer tried to explain it: enough for one slip, fast
OTHER_VALUES_MAX_ANSWER = 80     # characters: longer answers are not re-checked with classmates' values
OTHER_VALUES_MAX_OTHERS = 200    # distinct value sets of classmates looked at for one answer
OTHER_VALUES_MIN_PARTS = 2       # parts of one problem right for ONE classmate's values before feedback says so
OTHER_VALUES_MAX_NAMED = 20      # classmates named (by id, instructors' outputs only) as having one value set
