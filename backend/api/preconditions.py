"""ETag and If-Match: a write names the version of the resource it was made against (RFC 9110 §13.1.1).

An answer about an order or a route carries its ETag. A write that sends `If-Match` is applied only while
that tag is still current; otherwise it is refused with 412 and the current tag, and nothing changes.
Without `If-Match` a write is applied as before (routes' stale edits are still caught by `version`).
Comparison is strong, as If-Match requires: a weak tag (`W/"..."`) never matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import request

from backend.errors import PreconditionFailed


@dataclass(frozen=True)
class ETagged:
    """How an endpoint's resource is versioned.

    `of(result)` is the tag of what the view returned (None when the answer is not that resource);
    `current(**url_args)` is the tag of the resource the URL names now, read under a row lock so the
    check and the write it guards see the same state (None lets the view answer 404 itself)."""

    of: Callable[[object], str | None]
    current: Callable[..., str | None] | None = None


def quoted(opaque: str) -> str:
    return f'"{opaque}"'


def check_if_match(policy: ETagged, url_args: dict) -> None:
    header = request.headers.get("If-Match")
    if header is None or policy.current is None:
        return
    current = policy.current(**url_args)
    if current is None:
        return
    if request.if_match.star_tag or request.if_match.contains(current.strip('"')):
        return
    raise PreconditionFailed(
        "The resource changed since the version named in If-Match; fetch it again and retry with its ETag.",
        headers={"ETag": current}, extra={"etag": current})
