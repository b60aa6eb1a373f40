"""Indented JSON, exactly the bytes of json.dumps(obj, sort_keys=True, indent=2,
ensure_ascii=False), assembled from pieces. The standard library writes indented JSON with its
pure-Python encoder, slow at class scale; a class repeats the same few verdicts, so results.json
and Gradescope's files encode each part once (cached) and put the objects around it together here,
with the C string encoder."""
from __future__ import annotations

import json
import math

__all__ = ["rounded", "encode", "indented", "json_object", "json_list"]

_encode_str = json.encoder.encode_basestring      # C, as json.dumps(ensure_ascii=False) uses
_FLOAT_SPECIAL = {math.inf: "Infinity", -math.inf: "-Infinity"}


def rounded(x: float) -> float:
    """A part's score as the JSON outputs give it: six decimals, so 1/3 does not carry noise."""
    return round(float(x), 6)


def encode(value) -> str:
    """json.dumps(value, ensure_ascii=False) of a scalar."""
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return _FLOAT_SPECIAL.get(value) or float.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def indented(obj, level: int) -> str:
    """json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False), nested `level` deep."""
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        return ("{" + ",".join(f"{pad}{_encode_str(k)}: {indented(obj[k], level + 1)}" for k in sorted(obj))
                + "\n" + "  " * level + "}")
    if isinstance(obj, (list, tuple)):
        if not obj:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        return "[" + ",".join(pad + indented(item, level + 1) for item in obj) + "\n" + "  " * level + "]"
    return encode(obj)


def json_object(pairs: list[tuple[str, str]], level: int) -> str:
    """An object from (key, encoded value) pairs, keys already in sorted order."""
    pad = "  " * (level + 1)
    return "{\n" + ",\n".join(f"{pad}{encode(k)}: {v}" for k, v in pairs) + "\n" + "  " * level + "}"


def json_list(items: list[str], level: int) -> str:
    """A list of encoded items."""
    if not items:
        return "[]"
    pad = "  " * (level + 1)
    return "[\n" + ",\n".join(pad + item for item in items) + "\n" + "  " * level + "]"
