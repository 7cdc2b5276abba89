"""Living with eventlet: what must not block the hub goes elsewhere.

Under `eventlet.monkey_patch()` every socket wait is cooperative, but C code that waits or computes
holds the hub: psycopg 3's C wait function (psycopg issues #527/#688) and CPU-heavy calls such as
Argon2. This module switches psycopg to its pure-Python selector wait (which eventlet's patched
`selectors` makes cooperative) and offers `offload()` to run a CPU-bound call on a real OS thread.
"""
from __future__ import annotations

import sys


def eventlet_patched() -> bool:
    if "eventlet" not in sys.modules:
        return False
    from eventlet import patcher

    return patcher.is_monkey_patched("socket")


def make_psycopg_cooperative() -> None:
    if not eventlet_patched():
        return
    try:
        from psycopg import waiting
    except ImportError:  # psycopg is only needed for PostgreSQL
        return
    waiting.wait = waiting.wait_selector
    waiting._ready = waiting._ready_select if hasattr(waiting, "_ready_select") else waiting._ready


def offload(fn, *args, **kwargs):
    """Run a CPU-bound call on a real thread when the eventlet hub is running, directly otherwise."""
    if eventlet_patched():
        from eventlet import tpool

        return tpool.execute(fn, *args, **kwargs)
    return fn(*args, **kwargs)
