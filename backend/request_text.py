"""No NUL character gets into what we store.

PostgreSQL's text cannot hold U+0000 and refuses the whole statement (a 500), while SQLite stores it
silently, so only fuzzing on PostgreSQL saw it: an address, a search, a login with `\\u0000` in it. Every
request is checked once, before any view runs: the path, the query string, form fields and every key and
string of a JSON body. A NUL is refused with 422 naming where it was.
"""
from __future__ import annotations

from flask import Flask, request

from backend.errors import InvalidInput

NUL = "\x00"
MESSAGE = "NUL characters (U+0000) are not accepted."


def _json_strings_with_nul(value) -> list[str]:
    """Where NULs hide in a decoded JSON document: the top-level field they are under ("_body" at the top)."""
    found = []
    stack = [(value, "_body")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                found.append(where)
        elif isinstance(item, dict):
            for key, child in item.items():
                field = key if where == "_body" else where
                if NUL in key:
                    found.append(field)
                stack.append((child, field))
        elif isinstance(item, list):
            stack.extend((child, where) for child in item)
    return found


def refuse_nul_characters() -> None:
    fields: dict[str, list[str]] = {}
    if NUL in request.path:
        fields["_path"] = [MESSAGE]
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in value for value in values):
                fields[key.replace(NUL, "")] = [MESSAGE]
    # A JSON string can only carry a NUL escaped; without the escape in the raw body there is nothing to walk.
    if request.is_json and b"\\u0000" in request.get_data(cache=True):
        for where in _json_strings_with_nul(request.get_json(silent=True)):
            fields[where] = [MESSAGE]
    if fields:
        raise InvalidInput("Text may not contain NUL characters.", fields=fields)


def install(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
