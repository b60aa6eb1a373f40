"""The problem file format in one place: field names with their descriptions, the patterns
ids and names must match, and the domain words (their numbers, like every limit, live in
grader.limits). The loader (`problems`) enforces it and the JSON Schema (`schema`) describes
it, both from these tables, so they cannot disagree.
"""
from __future__ import annotations

import re

from grader.limits import DEFAULT_DOMAIN, NEGATIVE_DOMAIN, POSITIVE_DOMAIN
from grader.model import CORRECT, INCORRECT, INVALID

ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
ID_RE = re.compile(ID_PATTERN)
# Part ids are fixed by the gradebooks, and several carry capitals (delta-L, dC-dw, update-W):
# a part id is letters of either case, digits and '-'.
PART_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9-]*"
PART_ID_RE = re.compile(PART_ID_PATTERN)
TAG_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
INDEX_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
INT_RE = re.compile(r"[+-]?\d+")
LABEL_RE = re.compile(r"[A-Z]")
EXTENSIONS = (".yaml", ".yml")
RANDOMIZE_OFF, RANDOMIZE_PER_STUDENT = "off", "per-student"
RANDOMIZE_MODES = (RANDOMIZE_OFF, RANDOMIZE_PER_STUDENT)

# What a part's sample answer may be expected to get.
TEST_STATUSES = (CORRECT, INCORRECT, INVALID)

# --- field tables: the loader's allowed keys and the schema's properties come from here ----

TOP_FIELDS = {
    "title": "Short title shown to students.",
    "statement": "The problem statement (Markdown), including its notation conventions.",
    "symbols": "Declared names: `name: kind` or `name: {kind, subscripts, superscript, domain, alias, arguments, latex, definition}`.",
    "notation": "Names the statement's `$...$` formulas use but answers may not (the error delta of a problem "
                "that asks for it): declared as in `symbols`.",
    "indices": "Index letters and their roles: `{j: unit, k: unit, l: layer, L: last}`, or with a range of values "
               "`{l: {role: layer, integer: [1, 2]}}`.",
    "network": "The problem's names live in a feed-forward network: `{weighted-input: z, activation: a, function: f, "
               "weight: w, bias: b, error: delta, target: y, cost: C, loss: quadratic}`; every sampled world is then "
               "a real network (a_j^l = f(z_j^l), delta_j^l = dC/dz_j^l) and answers may use dC/dz_j^l.",
    "chain": "The problem's names live in a chain of one unit per layer, each named by a scalar: `{input: x, "
             "weights: [w_1, w_2, w_3], activations: [f_1, f_2, f_3], function: tanh, target: y, loss: squared}`; "
             "every sampled world is then a real chain (f_2 = tanh(w_2 f_1)) and answers may use dLoss/dw_1.",
    "given": "Numeric problems: the course's values of the given quantities, `{x: 3, w1: 0.01}`.",
    "variants": "Ranges of per-student values for given quantities: `{x: {choices: [2, 3]}}` or `{w1: {low: 0.01, high: 0.05, step: 0.01}}`; used only with `randomize: per-student`.",
    "randomize": "`per-student`: each student grades with their own values drawn from `variants` (seeded by the student id); `off` (default): everyone grades the course's `given` values.",
    "parts": "The questions of the problem, graded separately.",
}
INDEX_FIELDS = {
    "role": "unit (j, k: bound by sums), layer (l), last (L, nl).",
    "integer": "The whole numbers [low, high] a free letter takes, numbered as a literal index (`a_1^2`): units "
               "0 to 3 (every layer has units 0 and 1, at most 0..3), layers 0 (the input layer) to 6 (the output "
               "layer L); `last` takes no range.",
}
def _shown(domain: tuple[float, float]) -> str:
    return f"[{domain[0]:g}, {domain[1]:g}]"


SYMBOL_FIELDS = {
    "kind": "scalar | indexed | vector | matrix | function (default scalar).",
    "subscripts": "Indexed symbols: how many subscript indices (w_(jk) has 2).",
    "superscript": "Indexed/vector/matrix symbols: whether the name carries a layer index, as in delta_j^l or W^(l).",
    "domain": f"Where the symbol's values are drawn: an interval [low, high] (default {_shown(DEFAULT_DOMAIN)}), "
              f"`positive` ({_shown(POSITIVE_DOMAIN)}), `negative` ({_shown(NEGATIVE_DOMAIN)}), `nonzero` "
              f"({_shown(NEGATIVE_DOMAIN)} or {_shown(POSITIVE_DOMAIN)}), or whole numbers `{{integer: [low, high]}}`.",
    "alias": "Functions: the builtin this name stands for (g: {kind: function, alias: sigmoid}).",
    "arguments": "Unknown functions: how many arguments they take (f: {kind: function, arguments: 2} reads f(x, y)); "
                 "default 1. A function of several arguments has no derivative f'.",
    "latex": "How to typeset the name in feedback, e.g. '\\delta'.",
    "definition": "An expression the symbol stands for, in answer syntax (yhat: softmax(a_L)).",
}
VARIANT_FIELDS = {
    "choices": "Values to draw from, one per student.",
    "low": "Lowest value of the range.",
    "high": "Highest value of the range.",
    "step": "Spacing of the values drawn from [low, high] (optional: any value when absent).",
}
PART_FIELDS = {
    "id": "Part id, [A-Za-z0-9][A-Za-z0-9-]*; gradebooks key on it, so never change it.",
    "prompt": "The question.",
    "kind": "expression | numeric | choice | multi-choice | derivation (default expression).",
    "answer": "The reference: an expression in answer syntax (expression, numeric), an option label (choice: 'B'), or labels (multi-choice: 'B, C').",
    "points": "Points of the part (> 0, default 1).",
    "tolerance": "Expression: {rtol, atol}; numeric: exactly one of {absolute}, {relative}, {decimals}, {sigfigs}.",
    "options": "Choice / multi-choice: the option texts, labelled A, B, C, ...",
    "partial_credit": "Multi-choice: give partial credit for partly right selections.",
    "forbidden": "Names or functions the answer may not use.",
    "required": "Names the answer must use.",
    "restriction": "The sentence shown when `forbidden` / `required` refuse an answer.",
    "hints": "Hints, shown one after another.",
    "show_solution": "Show the reference after a wrong answer.",
    "where": "A condition the part's values satisfy, as the prompt states it: comparisons (<, <=, >, >=, !=) of "
             "expressions joined by `and`, e.g. `z > 0` or `0 < x < 1 and y != 0`.",
    "allow_restatement": "Accept answers that name what is asked (tanh'(z), or tanh' at any argument, for the "
                         "derivative of tanh); refused by default.",
    "formula": "Numeric parts: also accept a formula in the problem's names (x, w1 ...), which the grader then "
               "computes; by default a numeric part takes a number or arithmetic on numbers.",
    "asks": "What the part asks for, in answer syntax (dC/dw_(jk)^l, delta_j^L): an answer that uses it restates "
            "the question and is refused. Expression and numeric parts.",
    "start": "Derivation: what the chain starts from, in answer syntax (dC/dw_(jk)^l), or a list of ways to write "
             "it (delta_j^L, dC/dz_j^L); the first line must be one of them as written.",
    "min-steps": "Derivation: the fewest steps (equalities) the chain may take (default 1).",
    "through": "Derivation: forms some line of the chain must take (the chain rule written out, "
               "dC/dz_j^l * dz_j^l/dw_(jk)^l): equal to it and writing the same derivatives.",
    "credit": "Derivation: complete (default: all or nothing) | per-step (a share per step that follows) | "
              "one-slip (half the points for reaching the target with one wrong line).",
    "mistakes": "Common wrong answers and the feedback they get (matched by equivalence; in a derivation, "
                "a wrong line that equals one gets its feedback).",
    "tests": "Sample answers with their expected status and feedback, checked by `grader validate`.",
}
TOLERANCE_FIELDS = {
    "rtol": "Expressions: relative tolerance at every sampled point.",
    "atol": "Expressions: absolute tolerance at every sampled point.",
    "absolute": "Numeric: accept |answer - reference| <= absolute.",
    "relative": "Numeric: accept |answer - reference| <= relative * |reference|.",
    "decimals": "Numeric: accept answers that round to the same number as the reference with this many decimals (halves away from zero); a truncated answer passes only if it is also the rounded one.",
    "sigfigs": "Numeric: accept answers that round to the same number as the reference with this many significant figures.",
}
MISTAKE_FIELDS = {
    "answer": "A wrong answer, in answer syntax; any answer equivalent to it gets this rule.",
    "message": "Feedback that teaches what went wrong.",
    "tag": "A short name for reports, [a-z0-9-]+.",
    "score": "Fraction of the part's points given, 0 <= score < 1 (default 0).",
}
TEST_FIELDS = {
    "answer": "A sample answer as a student would type it.",
    "status": "The status it must get: correct | incorrect | invalid.",
    "feedback": "A fragment the feedback must contain (case-insensitive).",
}
NETWORK_FIELDS = {
    "weighted-input": "The weighted input z_j^l = sum_k w_(jk)^l a_k^(l-1) + b_j^l: an indexed symbol with one "
                      "subscript and a layer superscript (or a vector with a superscript).",
    "activation": "The activation a_j^l = f(z_j^l); layer 0 is the network's input.",
    "function": "The activation function: a declared function, unknown (a random smooth function in every "
                "sample) or an alias of sigmoid, tanh, relu or softplus. Optional: without it the activation is an unknown "
                "function the problem does not name.",
    "output-function": "The output layer's own activation function (g_L), when it differs from `function` (g_l); "
                       "a declared function like `function`.",
    "weight": "The weight w_(jk)^l from unit k of layer l-1 to unit j of layer l: indexed with two subscripts "
              "and a superscript (or a matrix with a superscript). Optional: without it the weights have no name.",
    "weight-order": "Which unit the weight's first subscript counts: `receiving-first` (w_(jk)^l, the default) "
                    "or `sending-first` (w_(kj)^l).",
    "weight-layer": "Which layer the superscript of the weight and the bias counts: `receiving` (z^l = w^l a^(l-1) "
                    "+ b^l, the default) or `sending` (z^(l+1) = W^(l) a^(l) + b^(l)).",
    "bias": "The bias b_j^l of unit j in layer l (optional).",
    "error": "The error delta_j^l = dC/dz_j^l (optional).",
    "target": "The target y_j of output unit j: indexed with one subscript and no superscript, or a vector "
              "(optional).",
    "cost": "The cost's name (C, c, J, Loss): a declared scalar (optional; needed to write dC/dz_j^l).",
    "loss": "The cost: `quadratic`, C = 1/2 sum_j (a_j^L - y_j)^2 (the default), or `softmax-cross-entropy`: the "
            "output layer is a_j^L = exp(z_j^L) / sum_k exp(z_k^L) and C = -sum_j y_j log(a_j^L), y a probability vector.",
    "nodes": "Names of whole layers, for a statement that names vectors per layer (a_L, W_ip1, grad_h_i): a "
             "mapping from each declared vector or matrix (no superscript) to the node it is, in words: `weighted "
             "input of layer L`, `activation of layer k-1`, `weight of layer i+1`, `bias of layer k`, `error of layer "
             "k`, `gradient of the loss with respect to the activation of layer i`, `target` or `one-hot target`. A "
             "layer is L, a number or a letter with +1/-1, each letter drawn per sample among the layers where all "
             "its nodes exist. With `nodes`, `weighted-input` and `activation` are optional.",
    "decay": "Weight decay: a declared scalar lambda; the cost gets + lambda/2 times the sum of every squared "
             "weight (biases are not decayed), so dC/dw_(jk)^l = delta_j^l a_k^(l-1) + lambda w_(jk)^l.",
}
WEIGHT_ORDERS = ("receiving-first", "sending-first")
WEIGHT_LAYERS = ("receiving", "sending")
LOSSES = ("quadratic", "softmax-cross-entropy")
CHAIN_LOSSES = ("quadratic", "squared")
CHAIN_FIELDS = {
    "input": "The chain's input x, a declared scalar: the activation of layer 0 (optional, like every field "
             "but `weights`: a node without a name still exists).",
    "weights": "The weights of layers 1 to n, declared scalars: z_1 = w_1 x, z_i = w_i f_(i-1) (no biases).",
    "activations": "The outputs f_1 .. f_n of layers 1 to n, declared scalars (optional, as many as weights): "
                   "f_i = f(z_i); f_n is the chain's output.",
    "weighted-inputs": "The weighted inputs z_1 .. z_n, declared scalars (optional, as many as weights).",
    "biases": "The biases b_1 .. b_n, declared scalars (optional, as many as weights, `~` for a layer without "
              "one): z_i = w_i f_(i-1) + b_i; layers without a name have no bias.",
    "errors": "The errors delta_1, delta_2, ... = dC/dz_i of the first layers, declared scalars (optional, at most "
              "as many as weights).",
    "function": "The activation function: a built-in (sigmoid, tanh, relu, softplus) or a declared function "
                "(optional: an unknown smooth function).",
    "output-function": "The last layer's own activation function, when it differs from `function` (like "
                       "`function`).",
    "target": "The true value y the output is compared with, a declared scalar (optional).",
    "cost": "The cost's name (C, Loss), a declared scalar (optional; needed to write dC/dw_1).",
    "loss": "`quadratic`: C = 1/2 (f_n - y)^2 (the default), or `squared`: C = (y - f_n)^2.",
}
# Domain words: the interval drawn from, and whether a gap around 0 is left out.
DOMAIN_WORDS = {"positive": (POSITIVE_DOMAIN, False), "negative": (NEGATIVE_DOMAIN, False), "nonzero": (DEFAULT_DOMAIN, True)}
NUMERIC_TOLERANCES = ("absolute", "relative", "decimals", "sigfigs")
EXPRESSION_TOLERANCES = ("rtol", "atol")


