"""A whole published day, driven by the simulator on a virtual clock the server also reads, then every message
the customers were sent is audited: the link opens on the served host, no time quoted had passed when it went
out, one "approaching" and at most one "delayed" per order, the cap and the gap kept, the wording whole and in
the recipient's language.

Three starts: before the shift (texts wait for the end of the quiet hours, drivers for their shift),
mid-morning (windows already over when the day is planned), and after the last window (every stop late).
SQLite and the embedded worker, as `make run`; each day takes ~15 s on the 2-core machine.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time as real_time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from backend import clock
from tests.conftest import base_config
from tests.servers import ROOT, ServerProcess, free_port

MONTREAL = ZoneInfo("America/Montreal")
DAY = date(2027, 6, 16)  # a Wednesday (the demo depot opens Monday to Saturday), no change of hour nearby
RATE = 600.0  # virtual seconds per real second: the embedded worker's ~0.5 s poll is then ~5 virtual minutes
SETUP_S = 10.0  # real seconds the clock stands still at the start while the servers start (a busy machine is slow)
CAP, GAP_S = 5, 1200  # a gap long enough to shape the day (texts to one person come minutes apart anyway)
BROKEN = ("{", "}", "None", "  ", "for on", " ,", "nan")
TIME_EN = re.compile(r"\b(\d{1,2}):(\d{2}) ([AP]M)( tomorrow)?\b")
TIME_FR = re.compile(r"\b(\d{1,2}) h (\d{2})( demain)?\b")
LATE_PHRASE = {"en": re.compile(r"later than your [^.]*? window"), "fr": re.compile(r"après votre créneau (du [^,]+, )?"
                                                                                   r"\d{1,2} h \d{2} – \d{1,2} h \d{2}")}


def _flask(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _quoted_times(body: str, language: str, day: date) -> list[datetime]:
    """Times the text gives as still to come: every time of day in it, except those of a window it names as
    missed ("later than your 9:00 AM–11:00 AM window"). Of a range, its end."""
    text = LATE_PHRASE[language].sub("", body)
    found = []
    if language == "fr":
        text = re.sub(r"\d{1,2} h \d{2} – (\d{1,2} h \d{2})", r"\1", text)
        for hour, minute, next_day in TIME_FR.findall(text):
            found.append(datetime.combine(day + timedelta(days=bool(next_day)), time(int(hour), int(minute)), MONTREAL))
    else:
        text = re.sub(r"\d{1,2}:\d{2} [AP]M–(\d{1,2}:\d{2} [AP]M)", r"\1", text)
        for hour, minute, half, next_day in TIME_EN.findall(text):
            hour = int(hour) % 12 + (12 if half == "PM" else 0)
            found.append(datetime.combine(day + timedelta(days=bool(next_day)), time(hour, int(minute)), MONTREAL))
    return found


def _settle(app, day_clock: clock.VirtualClock, deadline_s: float = 30.0) -> None:
    """Wait (real time) until nothing due is left unsent: every row sent, cancelled, failed, or waiting for a
    moment still ahead on the virtual clock (quiet hours)."""
    from sqlalchemy import func, or_, select

    from backend.extensions import db
    from backend.notify.models import OutboxMessage, OutboxStatus

    end = real_time.monotonic() + deadline_s
    while real_time.monotonic() < end:
        with app.app_context():
            due = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(or_(
                OutboxMessage.status == OutboxStatus.sending,
                (OutboxMessage.status == OutboxStatus.pending) & (OutboxMessage.next_attempt_at <= day_clock.now()))))
            db.session.remove()
        if not due:
            return
        real_time.sleep(0.2)
    raise AssertionError(f"{due} message(s) still due after {deadline_s} s")


def _audit(app, served: str, language_of: dict) -> dict:
    """Every customer message of the day against the rules; returns counts for the caller to check it saw a day."""
    from sqlalchemy import select

    from backend.extensions import db
    from backend.notify.models import Channel, OutboxMessage, OutboxStatus
    from backend.orders.models import Order, Recipient

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id.is_not(None))
                                  .order_by(OutboxMessage.id)).all()
        recipients = {r.id: r for r in db.session.scalars(select(Recipient))}
        tokens = {o.id: o.tracking_token for o in db.session.scalars(select(Order))}
        db.session.expunge_all()
        db.session.remove()
    sent = [r for r in rows if r.status in (OutboxStatus.sent, OutboxStatus.delivered)]
    problems = []
    per_kind = Counter()
    opened = set()
    for row in rows:
        per_kind[(row.order_id, row.channel, row.kind)] += 1
    for (order_id, channel, kind), count in per_kind.items():
        if kind in ("approaching", "delayed") and count > 1:
            problems.append(f"order {order_id}: {count} '{kind}' on {channel.value}")
    per_day = Counter()
    last_to = {}
    for row in sorted(sent, key=lambda r: r.sent_at):
        where = f"#{row.id} {row.kind} {row.language} sent {row.sent_at.astimezone(MONTREAL):%H:%M:%S}: {row.body!r}"
        recipient = recipients[row.recipient_id]
        expected_language = language_of.get(recipient.language, "en")
        if row.language != expected_language:
            problems.append(f"{where}: language {row.language}, recipient speaks {recipient.language}")
        if not row.body.startswith("Bonjour" if expected_language == "fr" else "Hi"):
            problems.append(f"{where}: not in {expected_language}")
        for broken in BROKEN:
            if broken in row.body or broken in row.subject:
                problems.append(f"{where}: {broken!r} in the text")
        urls = re.findall(r"https?://\S+", row.body)
        if len(urls) != 1:
            problems.append(f"{where}: {len(urls)} links")
        for url in urls:
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != served:
                problems.append(f"{where}: link host {parts.netloc}, served on {served}")
            if not parts.path.endswith(tokens[row.order_id]):
                problems.append(f"{where}: link is not this order's")
            if url not in opened:
                answer = requests.get(url, timeout=10)
                if answer.status_code != 200:
                    problems.append(f"{where}: link answered {answer.status_code}")
                opened.add(url)
        sent_at = row.sent_at.astimezone(MONTREAL)
        for quoted in _quoted_times(row.body, row.language, sent_at.date()):
            if quoted < sent_at.replace(second=0, microsecond=0):
                problems.append(f"{where}: quotes {quoted:%H:%M}, already past")
        day_key = (row.order_id, row.channel, sent_at.date())
        per_day[day_key] += 1
        if per_day[day_key] > CAP:
            problems.append(f"{where}: message {per_day[day_key]} of the day for this order (cap {CAP})")
        person = (row.channel, row.destination)
        if person in last_to and (row.sent_at - last_to[person]).total_seconds() < GAP_S - 1:
            problems.append(f"{where}: {(row.sent_at - last_to[person]).total_seconds():.0f} s after the previous "
                            f"one to {row.destination}")
        last_to[person] = row.sent_at
    assert not problems, "\n".join(problems)
    return {"sent": Counter(r.kind for r in sent if r.channel is Channel.sms),
            "all": Counter((r.kind, r.status.value) for r in rows)}


def _run_day(template, folder, start: time) -> dict:
    """Load and publish the demo day at `start`, run it to its end with the simulator, audit the outbox."""
    from backend import create_app

    instance = folder / "instance"
    instance.mkdir(parents=True)
    path = instance / "lastmile.db"
    shutil.copy(template, path)
    url = f"sqlite:///{path}"
    port = free_port()
    frozen = clock.starting_at(datetime.combine(DAY, start, MONTREAL), RATE, after_s=3600)
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DATABASE_URL": url, "SECRET_KEY": "test-secret",
           "HOST": "127.0.0.1", "PORT": str(port), clock.ENV_VAR: frozen.setting(),
           "NOTIFY_MAX_PER_ORDER_DAY": str(CAP), "NOTIFY_MIN_GAP_S": str(GAP_S), "LOG_LEVEL": "WARNING"}
    for unset in ("REDIS_URL", "PUBLIC_BASE_URL", "NOTIFY_QUIET_HOURS", "SMS_PROVIDER"):
        env.pop(unset, None)
    # The day is loaded and published at the start time (the clock stands still meanwhile) ...
    _flask(env, "demo", "load", "--orders", "6", "--drivers", "2", "--publish", "--time-limit", "0.5")
    # ... then server, workers and simulator share one clock that starts running once the server is up.
    shared = clock.starting_at(frozen.virtual_start, RATE, after_s=SETUP_S)
    env[clock.ENV_VAR] = shared.setting()
    server_env = {name: env[name] for name in ("INSTANCE_PATH", "DATABASE_URL", "NOTIFY_MAX_PER_ORDER_DAY",
                                               "NOTIFY_MIN_GAP_S", clock.ENV_VAR)}
    with ServerProcess({**server_env, "REDIS_URL": None, "PUBLIC_BASE_URL": None}, port=port) as server:
        real_time.sleep(max(0.0, shared.real_start - real_time.time()))
        result = _flask(env, "simulate", "--url", server.url, "--date", DAY.isoformat(), "--interval", "1",
                        "--fail-rate", "0.25",
                        "--seed", "5", "--org", "demo", timeout=240)
        assert "0 errors" in result.stdout, result.stdout
        app = create_app(base_config(url, instance))
        _settle(app, shared)
        counts = _audit(app, server.url, {"fr": "fr", "en": "en"})
    # The audit saw a day, not an empty outbox: each order was told how it ended (or will be, once the quiet
    # hours end: an evening that runs past 21:00 keeps its last texts for the morning).
    told = sum(counts["all"][(kind, status)] for kind in ("delivered", "failed") for status in ("sent", "pending"))
    assert told == 6, counts
    assert counts["sent"]["scheduled"] + counts["sent"]["out_for_delivery"] >= 4, counts
    return counts


def test_whole_days_of_messages_pass_the_audit(sqlite_template, tmp_path):
    """The three days run side by side (each mostly waits on its clock), so together they take about as long
    as one."""
    starts = {"before-the-shift": time(7, 30), "mid-morning": time(10, 30), "after-the-last-window": time(18, 5)}
    with ThreadPoolExecutor(len(starts)) as pool:
        days = {name: pool.submit(_run_day, sqlite_template, tmp_path / name, start) for name, start in starts.items()}
    failures = []
    for name, day in days.items():
        try:
            day.result()
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n\n".join(failures)
