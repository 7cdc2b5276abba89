"""Reading JSON from the outside world without letting its shape crash us.

`[` x 100,000 made the JSON decoder raise RecursionError, which no handler expected: an unauthenticated
500. Bodies and socket messages are read here instead: nesting deeper than MAX_DEPTH is refused as bad
JSON (a 400, or an error ack on a socket) before anything walks the structure — our JSON columns, schemas
and encoders all recurse, and no request of ours nests more than a handful of levels.
"""
from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 64


class TooDeep(ValueError):
    """A ValueError, so every `except ValueError` that handles bad JSON handles this too."""


def _brackets(text) -> int:
    if isinstance(text, (bytes, bytearray)):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def check_depth(value, limit: int = MAX_DEPTH) -> None:
    """Raise TooDeep when containers nest deeper than `limit` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise TooDeep(f"The JSON nests deeper than {limit} levels.")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, (dict, list)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))


def loads(text, **kwargs):
    """json.loads that refuses excessive nesting with a ValueError (never RecursionError)."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise TooDeep(f"The JSON nests deeper than {MAX_DEPTH} levels.") from None
    if _brackets(text) > MAX_DEPTH:  # fewer brackets than the limit cannot nest that deep: skip the walk
        check_depth(value)
    return value


def dumps(value, **kwargs):
    return json.dumps(value, **kwargs)


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with `loads` above: request.get_json() answers 400 for a too-deep body."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)
