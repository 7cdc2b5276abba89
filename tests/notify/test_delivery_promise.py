"""The outbox's delivery promise with real worker processes and a slow provider (a Twilio stand-in):
zero doubles while every worker lives, at most one extra send when a worker is killed mid-send."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, move, outbox
from tests.notify.standins import TwilioStandIn
from tests.servers import ROOT

SID, TOKEN = "AC" + "2" * 32, "twilio-test-token"


class SlowTwilio(TwilioStandIn):
    """Twilio, taking `delay_s` to answer; `hold` (when set) keeps every answer until released. Each
    request is counted when it arrives: the provider has it, whatever happens to its answer."""

    def __init__(self, delay_s: float):
        super().__init__(SID, TOKEN)
        self.delay_s = delay_s
        self.arrived: list[str] = []
        self.first_arrival = threading.Event()
        self.hold: threading.Event | None = None
        inner = self.handler

        def slow(record):
            from urllib.parse import parse_qs

            self.arrived.append(parse_qs(record["body"].decode()).get("To", ["?"])[0])
            self.first_arrival.set()
            if self.hold is not None:
                self.hold.wait(30)
            time.sleep(self.delay_s)
            return inner(record)

        self.handler = slow


@pytest.fixture
def app_config(database_url, tmp_path):
    from tests.conftest import base_config
    from tests.notify.conftest import NOTIFY_TEST_CONFIG

    return base_config(database_url, tmp_path / "instance", **{**NOTIFY_TEST_CONFIG, "NOTIFY_LEASE_S": 1.0})


def _messages(app, dispatcher, count: int) -> list[str]:
    phones = [f"+1514777{index:04d}" for index in range(count)]
    for index, phone in enumerate(phones):
        order = create_order(dispatcher, ref=f"P-{index}", phone=phone)
        move(app, order["id"], S.planned, S.dispatched)
    assert len(outbox(app, channel=_sms())) == count
    return phones


def _sms():
    from backend.notify.models import Channel

    return Channel.sms


def _worker(app_config, provider, start_file) -> subprocess.Popen:
    config = {**app_config, "SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
              "TWILIO_FROM": "+15005550006", "TWILIO_BASE_URL": provider.url}
    process = subprocess.Popen([sys.executable, "-m", "tests.notify.sender_process"], cwd=ROOT, text=True,
                               env={**os.environ, "LASTMILE_TEST_CONFIG": json.dumps(config),
                                    "START_FILE": str(start_file), "IDLE_S": "2.5"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def _finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_live_workers_and_a_slow_provider_send_each_message_once(app, dispatcher, tmp_path, app_config):
    """Each send takes longer than a lease: only a lease renewed while sending keeps the other worker off."""
    phones = _messages(app, dispatcher, 6)
    start = tmp_path / "start"
    with SlowTwilio(delay_s=1.6) as provider:
        workers = [_worker(app_config, provider, start) for _ in range(2)]
        start.touch()
        results = [_finish(worker) for worker in workers]
    assert Counter(provider.arrived) == Counter(phones), provider.arrived  # zero doubles
    assert all(r.get("sent", 0) >= 1 for r in results), results  # both workers really sent
    rows = outbox(app, channel=_sms())
    assert {r["status"].value for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}


def test_a_worker_killed_mid_send_costs_at_most_one_extra_send(app, dispatcher, tmp_path, app_config):
    phones = _messages(app, dispatcher, 3)
    start = tmp_path / "start"
    with SlowTwilio(delay_s=0.2) as provider:
        provider.hold = threading.Event()
        doomed = _worker(app_config, provider, start)
        start.touch()
        assert provider.first_arrival.wait(30), doomed.stderr.read()
        os.killpg(doomed.pid, signal.SIGKILL)  # the provider has the message; the worker never hears back
        doomed.wait(timeout=10)
        provider.hold.set()
        [in_flight] = provider.arrived
        survivor = _worker(app_config, provider, start)
        result = _finish(survivor)
    counts = Counter(provider.arrived)
    assert counts[in_flight] == 2 and all(counts[p] == 1 for p in phones if p != in_flight), counts
    assert sum(counts.values()) - len(phones) <= 1
    assert result["sent"] == 3, result
    rows = {r["destination"]: r for r in outbox(app, channel=_sms())}
    assert rows[in_flight]["status"].value == "sent" and rows[in_flight]["attempts"] == 2
