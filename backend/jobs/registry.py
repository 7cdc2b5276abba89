"""Job kinds: each domain registers the handlers of its background work here, with what happens to a job
whose worker died while running it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

FAIL = "fail"
RETRY = "retry"
# A retried job runs at most this many times in all: a job that kills its worker every time (out of
# memory, a crash in native code) must end, not loop.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class JobKind:
    handler: Callable
    on_worker_lost: str
    lost_message: str


HANDLERS: dict[str, Callable] = {}
KINDS: dict[str, JobKind] = {}


def job_handler(kind: str, *, on_worker_lost: str, lost_message: str = ""):
    """Register `handler(ctx, payload) -> dict` for a kind of job. Handlers call services, nothing else.

    `on_worker_lost`: FAIL (the job ends failed with `lost_message`: for work that cannot safely run
    twice, or that a person should look at first) or RETRY (queued again, up to MAX_ATTEMPTS runs:
    for work that is safe to run again). Say which in the handler's docstring, and why.
    """
    if on_worker_lost not in (FAIL, RETRY):
        raise ValueError(f"on_worker_lost must be {FAIL!r} or {RETRY!r}")

    def decorate(fn):
        HANDLERS[kind] = fn
        KINDS[kind] = JobKind(fn, on_worker_lost, lost_message)
        return fn

    return decorate


def kind_of(name: str) -> JobKind | None:
    return KINDS.get(name)
