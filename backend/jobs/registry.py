"""Job kinds: each domain registers the handlers of its background work here."""
from __future__ import annotations

from typing import Callable

HANDLERS: dict[str, Callable] = {}


def job_handler(kind: str):
    """Register `handler(ctx, payload) -> dict` for a kind of job. Handlers call services, nothing else."""

    def decorate(fn):
        HANDLERS[kind] = fn
        return fn

    return decorate
