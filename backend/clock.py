"""The one clock the server's business rules read (backend.database.utcnow goes through it).

Normally the system clock. For a whole day rehearsed in a minute (the day-long audit, demos) every process
of a deployment — web server, job workers, the simulator — runs on the same virtual clock, set by
LASTMILE_VIRTUAL_CLOCK="<virtual start, ISO 8601 with offset>@<real start, epoch seconds>x<rate>": virtual
time is start + (real now - real start) × rate, and stands still at the start until the real start comes (so
a day can be loaded and a server started before it begins). Processes share no state, only that setting, so
they agree to the millisecond. A server on a virtual clock logs a warning at start: it is never meant for production.

Infrastructure timing (leases renewed by threads, job delays, rate limits, timeouts) stays on real time;
`real_seconds` converts a virtual wait (a retry "in 2 minutes") into the real delay to schedule.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

ENV_VAR = "LASTMILE_VIRTUAL_CLOCK"


@dataclass(frozen=True)
class VirtualClock:
    virtual_start: datetime
    real_start: float
    rate: float

    def now(self) -> datetime:
        return self.virtual_start + timedelta(seconds=max(0.0, time.time() - self.real_start) * self.rate)

    def setting(self) -> str:
        """The LASTMILE_VIRTUAL_CLOCK value that puts another process on this same clock."""
        return f"{self.virtual_start.isoformat()}@{self.real_start!r}x{self.rate!r}"


_SETTING = re.compile(r"\s*(?P<start>[^@]+)@(?P<real>[0-9.]+)x(?P<rate>[0-9.]+)\s*")


def parse(setting: str) -> VirtualClock:
    """Raises ValueError on anything but a well-formed setting: a mistyped clock must not start a server."""
    match = _SETTING.fullmatch(setting or "")
    if not match:
        raise ValueError(f"{ENV_VAR} must read <ISO start>@<epoch seconds>x<rate>, not {setting!r}")
    start = datetime.fromisoformat(match["start"])
    if start.tzinfo is None:
        raise ValueError(f"{ENV_VAR}: the virtual start needs a UTC offset")
    rate = float(match["rate"])
    if not 0 < rate <= 100_000:
        raise ValueError(f"{ENV_VAR}: the rate must be in (0, 100000]")
    return VirtualClock(start.astimezone(timezone.utc), float(match["real"]), rate)


def starting_at(virtual_start: datetime, rate: float, *, after_s: float = 0.0) -> VirtualClock:
    """A virtual clock that reads `virtual_start` until `after_s` real seconds from now, then runs `rate` times
    faster than real time."""
    return VirtualClock(virtual_start.astimezone(timezone.utc), time.time() + after_s, float(rate))


_clock: VirtualClock | None = parse(os.environ[ENV_VAR]) if os.environ.get(ENV_VAR) else None


def now() -> datetime:
    return _clock.now() if _clock is not None else datetime.now(timezone.utc)


def virtual() -> VirtualClock | None:
    return _clock


def use(clock: VirtualClock | None) -> None:
    """Put this process on `clock` (None: the system clock again). For tests and `flask simulate`."""
    global _clock
    _clock = clock


def real_seconds(virtual_seconds: float) -> float:
    return virtual_seconds / _clock.rate if _clock is not None else virtual_seconds
