"""Sending the outbox in the background: a drain queued after each commit that wrote rows, a follow-up
scheduled for the next retry, and a periodic sweep every minute (quiet hours ending, lost wake-ups,
rows of a worker that died). Sending never runs in the web process.

A send lost with its worker is retried: the row's lease runs out and the next drain or sweep takes it
again (backend/notify/sending.py states the delivery promise).

Importing this module also hooks the outbox into the order lifecycle (create_app imports it).
"""
from __future__ import annotations

import logging
import time

from huey import crontab

from backend import clock
from backend.jobs import queue
from backend.jobs.tasks import app_task, periodic_app_task
from backend.notify import outbox, sending

log = logging.getLogger(__name__)

_NEXT_DRAIN_KEY = "notify:next-drain-at"
# Beyond this the periodic sweep is soon enough.
FOLLOW_UP_HORIZON_S = 60.0


def drain_once() -> dict:
    """Send everything due now, then make sure something wakes up for the next retry."""
    scheduled = queue.peek_state(_NEXT_DRAIN_KEY)
    if scheduled and scheduled.get("at", 0) <= time.time() + 0.5:
        queue.drop_state(_NEXT_DRAIN_KEY)  # this is (or replaces) the drain that was scheduled
    counts = sending.deliver_due()
    wait = sending.next_due_in()
    if wait is not None:
        wait = clock.real_seconds(wait)  # due times are on the business clock, job delays on the real one
    if wait is not None and wait <= FOLLOW_UP_HORIZON_S:
        _schedule_follow_up(wait)
    return counts


def _schedule_follow_up(wait: float) -> None:
    """At most one follow-up per moment: many drains finding the same retry must not each schedule one."""
    if wait <= 0:
        drain_outbox()  # more is due right now (a batch was full)
        return
    at = time.time() + wait
    scheduled = queue.peek_state(_NEXT_DRAIN_KEY)
    if scheduled and time.time() < scheduled.get("at", 0) <= at + 0.5:
        return
    queue.put_state(_NEXT_DRAIN_KEY, {"at": at})
    drain_outbox.schedule(delay=wait)


@app_task(retries=0)
def drain_outbox() -> None:
    drain_once()


@periodic_app_task(crontab(minute="*"))
def sweep_outbox() -> None:
    drain_once()


outbox.install()
