"""The one clock business rules read: the system's, or a virtual day shared by every process through a setting."""
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from backend import clock
from backend.database import utcnow
from tests.servers import ROOT


@pytest.fixture(autouse=True)
def system_clock_after():
    yield
    clock.use(None)


def test_utcnow_reads_the_virtual_clock_running_at_its_rate():
    start = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)
    clock.use(clock.starting_at(start, 600))
    first = utcnow()
    time.sleep(0.05)
    elapsed = (utcnow() - first).total_seconds()
    assert abs((first - start).total_seconds()) < 60
    assert 20 <= elapsed <= 120, elapsed  # 0.05 s real is ~30 s virtual
    assert clock.real_seconds(600) == pytest.approx(1.0)
    clock.use(None)
    assert abs((utcnow() - datetime.now(timezone.utc)).total_seconds()) < 1
    assert clock.real_seconds(600) == 600


def test_another_process_given_the_setting_reads_the_same_time():
    shared = clock.starting_at(datetime(2026, 6, 1, 13, 0, tzinfo=timezone.utc), 100)
    clock.use(shared)
    env = {**os.environ, clock.ENV_VAR: shared.setting()}
    other = subprocess.run([sys.executable, "-c", "from backend import clock; print(clock.now().isoformat())"],
                           cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    theirs = datetime.fromisoformat(other.stdout.strip())
    # The other process read it a few seconds (real) ago: minutes of virtual time at this rate.
    assert timedelta(0) <= utcnow() - theirs < timedelta(hours=2)
    assert theirs > shared.virtual_start


def test_the_clock_stands_still_until_its_real_start():
    start = datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)
    clock.use(clock.starting_at(start, 600, after_s=0.2))
    assert utcnow() == start
    time.sleep(0.3)
    assert timedelta(seconds=30) <= utcnow() - start <= timedelta(seconds=300)


@pytest.mark.parametrize("setting", ["", "tomorrow@1x2", "2026-06-01T07:00:00@1700000000x60",
                                     "2026-06-01T07:00:00+00:00@1700000000x0", "2026-06-01T07:00:00+00:00@x60"])
def test_a_malformed_setting_is_refused(setting):
    with pytest.raises(ValueError):
        clock.parse(setting)
