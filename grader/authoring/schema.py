"""The JSON Schema (draft 2020-12) of problem files, for editors and `grader schema`, built from
the same field tables and limits the loader enforces (`problem_format`)."""
from __future__ import annotations

from grader.answers import functions
from grader.checking.derivation import CREDITS
from grader.limits import DEFAULT_DOMAIN, MAX_CHAIN_LINES, MAX_FUNCTION_ARGUMENTS, MAX_LABELS, MAX_SUBSCRIPTS
from grader.model import CHOICE, DERIVATION, EXPRESSION, INDEX_ROLES, MULTI_CHOICE, NUMERIC, PART_KINDS, SCALAR, SYMBOL_KINDS
from grader.authoring.fields import (
    DOMAIN_WORDS, INDEX_FIELDS, INDEX_RE, NAME_RE, TAG_RE, MISTAKE_FIELDS, NUMERIC_TOLERANCES, PART_FIELDS,
    PART_ID_PATTERN, RANDOMIZE_MODES, RANDOMIZE_OFF, SYMBOL_FIELDS, TEST_FIELDS, TEST_STATUSES, TOLERANCE_FIELDS, TOP_FIELDS, VARIANT_FIELDS,
    CHAIN_FIELDS, CHAIN_LOSSES, LOSSES, NETWORK_FIELDS, WEIGHT_LAYERS, WEIGHT_ORDERS,
)

def _described(schema: dict, description: str) -> dict:
    return {"description": description, **schema}


def json_schema() -> dict:
    """A JSON Schema (draft 2020-12) for problem files, for editor completion and checks."""
    number = {"type": "number"}
    text = {"type": "string"}
    prose = {"type": "string", "description": "Text a student reads: $...$ formulas in the answer syntax, "
                                              "{x} for a given value (the student's own), {{ }} for a literal brace."}
    text_or_number = {"type": ["string", "number"]}
    names = {"type": "array", "items": {"type": "string"}}

    symbol_props = {
        "kind": {"enum": list(SYMBOL_KINDS), "default": SCALAR},
        "subscripts": {"type": "integer", "minimum": 0, "maximum": MAX_SUBSCRIPTS, "default": 0},
        "superscript": {"type": "boolean", "default": False},
        "domain": {"oneOf": [
            {"type": "array", "items": number, "minItems": 2, "maxItems": 2},
            {"enum": list(DOMAIN_WORDS)},
            {"type": "object", "additionalProperties": False, "required": ["integer"],
             "properties": {"integer": {"type": "array", "items": {"type": "integer"}, "minItems": 2,
                                        "maxItems": 2}}},
        ], "default": list(DEFAULT_DOMAIN)},
        "alias": {"enum": functions.alias_names()},
        "arguments": {"type": "integer", "minimum": 1, "maximum": MAX_FUNCTION_ARGUMENTS, "default": 1},
        "latex": text,
        "definition": text,
    }
    symbol = {
        "oneOf": [
            {"enum": list(SYMBOL_KINDS), "description": "Shorthand for {kind: ...}."},
            {"type": "object", "additionalProperties": False,
             "properties": {k: _described(v, SYMBOL_FIELDS[k]) for k, v in symbol_props.items()}},
        ]
    }
    variant_props = {
        "choices": {"type": "array", "items": number, "minItems": 1},
        "low": number, "high": number, "step": {"type": "number", "exclusiveMinimum": 0},
    }
    variant = {
        "type": "object", "additionalProperties": False,
        "properties": {k: _described(v, VARIANT_FIELDS[k]) for k, v in variant_props.items()},
        "oneOf": [{"required": ["choices"]}, {"required": ["low", "high"]}],
    }
    tolerance_props = {
        "rtol": {"type": "number", "minimum": 0, "default": 1e-7},
        "atol": {"type": "number", "minimum": 0, "default": 1e-9},
        "absolute": {"type": "number", "exclusiveMinimum": 0},
        "relative": {"type": "number", "exclusiveMinimum": 0},
        "decimals": {"type": "integer", "minimum": 0, "maximum": 15},
        "sigfigs": {"type": "integer", "minimum": 1, "maximum": 15},
    }
    tolerance = {
        "type": "object", "additionalProperties": False,
        "properties": {k: _described(v, TOLERANCE_FIELDS[k]) for k, v in tolerance_props.items()},
    }
    mistake_props = {
        "answer": text_or_number, "message": text, "tag": {"type": "string", "pattern": f"^{TAG_RE.pattern}$"},
        "score": {"type": "number", "minimum": 0, "exclusiveMaximum": 1, "default": 0},
    }
    mistake = {
        "type": "object", "additionalProperties": False, "required": ["answer", "message", "tag"],
        "properties": {k: _described(v, MISTAKE_FIELDS[k]) for k, v in mistake_props.items()},
    }
    test_props = {"answer": text_or_number, "status": {"enum": list(TEST_STATUSES)}, "feedback": text}
    test = {
        "type": "object", "additionalProperties": False, "required": ["answer", "status"],
        "properties": {k: _described(v, TEST_FIELDS[k]) for k, v in test_props.items()},
    }
    part_props = {
        "id": {"type": "string", "pattern": f"^{PART_ID_PATTERN}$"},
        "prompt": prose,
        "kind": {"enum": list(PART_KINDS), "default": EXPRESSION},
        "answer": text_or_number,
        "points": {"type": "number", "exclusiveMinimum": 0, "default": 1},
        "tolerance": {"$ref": "#/$defs/tolerance"},
        "options": {"type": "array", "items": prose, "minItems": 2, "maxItems": MAX_LABELS},
        "partial_credit": {"type": "boolean", "default": False},
        "forbidden": {"oneOf": [text, names]},
        "required": {"oneOf": [text, names]},
        "restriction": text,
        "hints": {"oneOf": [prose, {"type": "array", "minItems": 1, "items": prose}]},
        "show_solution": {"type": "boolean", "default": False},
        "where": text,
        "allow_restatement": {"type": "boolean", "default": False},
        "formula": {"type": "boolean", "default": False},
        "asks": {"oneOf": [text, names]},
        "start": {"oneOf": [text, names]},
        "min-steps": {"type": "integer", "minimum": 1, "maximum": MAX_CHAIN_LINES - 1, "default": 1},
        "through": {"oneOf": [text, names]},
        "credit": {"enum": list(CREDITS), "default": CREDITS[0]},
        "mistakes": {"type": "array", "items": {"$ref": "#/$defs/mistake"}},
        "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
    }
    part = {
        "type": "object", "additionalProperties": False, "required": ["id", "prompt", "answer"],
        "properties": {k: _described(v, PART_FIELDS[k]) for k, v in part_props.items()},
        "allOf": [
            {"if": {"properties": {"kind": {"enum": [CHOICE, MULTI_CHOICE]}}, "required": ["kind"]},
             "then": {"required": ["options"]}},
            {"if": {"properties": {"kind": {"const": DERIVATION}}, "required": ["kind"]},
             "then": {"required": ["start"]},
             "else": {"not": {"anyOf": [{"required": [k]} for k in ("start", "min-steps", "through", "credit")]}}},
            {"if": {"properties": {"kind": {"const": NUMERIC}}, "required": ["kind"]},
             "then": {"required": ["tolerance"],
                      "properties": {"tolerance": {
                          "minProperties": 1, "maxProperties": 1,
                          "propertyNames": {"enum": list(NUMERIC_TOLERANCES)}}}}},
        ],
    }
    network_props = {k: text for k in NETWORK_FIELDS}
    network_props["weight-order"] = {"enum": list(WEIGHT_ORDERS), "default": WEIGHT_ORDERS[0]}
    network_props["weight-layer"] = {"enum": list(WEIGHT_LAYERS), "default": WEIGHT_LAYERS[0]}
    network_props["loss"] = {"enum": list(LOSSES), "default": LOSSES[0]}
    network_props["nodes"] = {"type": "object", "minProperties": 1, "additionalProperties": text,
                              "propertyNames": {"pattern": f"^{NAME_RE.pattern}$"}}
    network = {
        "type": "object", "additionalProperties": False,
        "anyOf": [{"required": ["weighted-input", "activation"]}, {"required": ["nodes"]}],
        "properties": {k: _described(v, NETWORK_FIELDS[k]) for k, v in network_props.items()},
    }
    names = {"type": "array", "minItems": 1, "items": text}
    chain_props = {k: names if k in ("weights", "activations", "weighted-inputs", "biases", "errors") else text
                   for k in CHAIN_FIELDS}
    chain_props["biases"] = {"type": "array", "minItems": 1, "items": {"anyOf": [text, {"type": "null"}]}}
    chain_props["loss"] = {"enum": list(CHAIN_LOSSES), "default": CHAIN_LOSSES[0]}
    chain = {
        "type": "object", "additionalProperties": False, "required": ["weights"],
        "properties": {k: _described(v, CHAIN_FIELDS[k]) for k, v in chain_props.items()},
    }
    top_props = {
        "title": text,
        "statement": prose,
        "symbols": {"type": "object", "propertyNames": {"pattern": f"^{NAME_RE.pattern}$"},
                    "additionalProperties": {"$ref": "#/$defs/symbol"}},
        "notation": {"type": "object", "propertyNames": {"pattern": f"^{NAME_RE.pattern}$"},
                     "additionalProperties": {"$ref": "#/$defs/symbol"}},
        "indices": {"type": "object", "propertyNames": {"pattern": f"^{INDEX_RE.pattern}$"},
                    "additionalProperties": {"oneOf": [
                        {"enum": list(INDEX_ROLES), "description": INDEX_FIELDS["role"]},
                        {"type": "object", "additionalProperties": False, "required": ["role"],
                         "properties": {
                             "role": {"enum": list(INDEX_ROLES), "description": INDEX_FIELDS["role"]},
                             "integer": {"type": "array", "items": {"type": "integer"}, "minItems": 2,
                                         "maxItems": 2, "description": INDEX_FIELDS["integer"]}}}]}},
        "network": {"$ref": "#/$defs/network"},
        "chain": {"$ref": "#/$defs/chain"},
        "given": {"type": "object", "additionalProperties": number},
        "variants": {"type": "object", "additionalProperties": {"$ref": "#/$defs/variant"}},
        "randomize": {"enum": list(RANDOMIZE_MODES), "default": RANDOMIZE_OFF},
        "parts": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/part"}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backprop-grader.invalid/schema/problem.json",
        "title": "backprop-grader problem file",
        "description": "One problem per file problems/<id>.yaml; the id is the file name. See docs/yaml-format.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "statement", "parts"],
        "properties": {k: _described(v, TOP_FIELDS[k]) for k, v in top_props.items()},
        "$defs": {"symbol": symbol, "variant": variant, "tolerance": tolerance, "mistake": mistake,
                  "test": test, "part": part, "network": network,
                  "chain": chain},
    }

