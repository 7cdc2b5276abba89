"""How long the driver's location stays live: the app in front (in-app guidance) against handed off to another
navigation app, on the same simulated drive, counted by what the server received.

    python benchmarks/driver_liveness.py                       # 3 legs of 60 s driving, 20 s at each stop
    python benchmarks/driver_liveness.py --legs 5 --leg-seconds 300 --stop-seconds 120

Each scenario gets a fresh copy of a published demo day, the real eventlet server, and Debian's chromium at
390x844 with an emulated position that drives at --speed m/s from the depot, stopping at each stop. The driver
logs in and starts the route (location is shared while on duty), then:

- in_app: the guidance screen stays in front all day;
- handed_off: for every leg the driver "leaves for Waze": the page is marked hidden (visibilitychange, so the app
  reacts as on a phone) and gets no position until the driver is back in the app at the stop. That is what the
  browser does to a page that is not in front: Blink stops the geolocation service of a hidden page (and iOS
  suspends a web app in the background altogether). Headless chromium cannot put a page in the background
  itself, and freezing the page through DevTools (Page.setWebLifecycleState) did not stop the emulated
  positions, so the emulated phone simply stops moving for the page. At each stop the app is in front again.

Counted from the server's own table (location_fixes: the time a fix was taken and the time it was received):
fixes per minute while driving and at stops, the longest silence, and the share of seconds in which the newest
fix the server had was under 30 s old ("live"). Never a test: it reports, it does not judge. The last line is one
JSON object.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import ServerProcess, login_session, migrate  # noqa: E402

DRIVER_PHONE, DRIVER_PIN = "+15145552200", "1234"
LIVE_S = 30
HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SHOW = """() => {
  delete document.visibilityState;
  delete document.hidden;
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", *args], cwd=ROOT, check=True,
                   env={**os.environ, "SECRET_KEY": "bench-secret", **env}, capture_output=True)


def demo_day(folder: Path) -> Path:
    path = folder / "template.db"
    url = f"sqlite:///{path}"
    migrate(url, folder)
    flask({"DATABASE_URL": url, "INSTANCE_PATH": str(folder)}, "demo", "load", "--orders", "8", "--drivers", "1",
          "--publish", "--time-limit", "2")
    return path


def moved(point, bearing_deg, metres):
    lat, lon = point
    rad = math.pi / 180
    return (lat + metres * math.cos(bearing_deg * rad) / 111_320,
            lon + metres * math.sin(bearing_deg * rad) / (111_320 * math.cos(lat * rad)))


def set_position(context, point):
    context.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": 8})


def utcnow():
    return datetime.now(timezone.utc)


def run_scenario(browser, template: Path, folder: Path, name: str, args) -> dict:
    instance = folder / name
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(template, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING"}
    with ServerProcess(env) as server:
        route = login_session(server.url, DRIVER_PHONE, DRIVER_PIN).get(f"{server.url}/api/v1/driver/route",
                                                                        timeout=10).json()
        here = (route["depot"]["lat"], route["depot"]["lon"])
        context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844},
                                      device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-CA",
                                      geolocation={"latitude": here[0], "longitude": here[1], "accuracy": 8},
                                      permissions=["geolocation"])
        context.set_default_timeout(20000)
        page = context.new_page()
        page.goto("/driver")
        page.get_by_label("Phone number").fill(DRIVER_PHONE)
        page.get_by_label("PIN or password").fill(DRIVER_PIN)
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("stop-list").wait_for()
        page.get_by_role("button", name="Start route").click()
        dialog = page.get_by_test_id("app-dialog")
        try:
            dialog.get_by_role("button", name="Start anyway").click(timeout=3000)
        except Exception:  # every parcel was loaded: no question asked
            pass
        page.get_by_test_id("duty").filter(has_text="On duty").wait_for()
        page.get_by_test_id("next-stop").get_by_test_id("guide-open").click()
        try:
            page.get_by_test_id("directions").wait_for()
        except Exception:
            page.screenshot(path="/tmp/dm-bench-fail.png")
            raise

        phases = []
        started = utcnow()
        for leg in range(args.legs):
            bearing = (60 + 90 * leg) % 360
            phases.append(["driving", utcnow()])
            handed_off = name == "handed_off"
            if handed_off:
                page.evaluate(HIDE)
            for _ in range(args.leg_seconds):
                here = moved(here, bearing, args.speed)
                if not handed_off:
                    set_position(context, here)
                time.sleep(1)
            if handed_off:
                set_position(context, here)
                page.evaluate(SHOW)
            phases[-1].append(utcnow())
            phases.append(["at_stop", utcnow()])
            for second in range(args.stop_seconds):
                # Walking to the door and back: a few metres either way.
                set_position(context, moved(here, second * 37 % 360, 4))
                time.sleep(1)
            phases[-1].append(utcnow())
        ended = utcnow()
        context.close()
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT at, received_at FROM location_fixes ORDER BY received_at").fetchall()
    return summarize(name, rows, phases, started, ended)


def parse(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def summarize(name: str, rows, phases, started: datetime, ended: datetime) -> dict:
    fixes = [(parse(at), parse(received)) for at, received in rows if parse(received) >= started]
    received = [r for _, r in fixes]
    duration = (ended - started).total_seconds()

    def per_minute(kind):
        spans = [(start, end) for phase, start, end in phases if phase == kind]
        seconds = sum((end - start).total_seconds() for start, end in spans)
        count = sum(1 for r in received if any(start <= r < end for start, end in spans))
        return round(count / seconds * 60, 1) if seconds else None

    moments = [started, *received, ended]
    longest_gap = max((b - a).total_seconds() for a, b in zip(moments, moments[1:]))
    live = 0
    for second in range(int(duration)):
        now = started.timestamp() + second
        newest = max((at.timestamp() for at, r in fixes if r.timestamp() <= now), default=None)
        live += newest is not None and now - newest <= LIVE_S
    minutes = [sum(1 for r in received if minute * 60 <= (r - started).total_seconds() < (minute + 1) * 60)
               for minute in range(math.ceil(duration / 60))]
    return {"scenario": name, "seconds": round(duration), "fixes": len(fixes),
            "per_minute_driving": per_minute("driving"), "per_minute_at_stops": per_minute("at_stop"),
            "per_minute_each_minute": minutes, "longest_silence_s": round(longest_gap),
            "live_share": round(live / max(1, int(duration)), 3),
            "received_late": sum(1 for at, r in fixes if (r - at).total_seconds() > 15)}


def machine() -> str:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--legs", type=int, default=3)
    parser.add_argument("--leg-seconds", type=int, default=60)
    parser.add_argument("--stop-seconds", type=int, default=20)
    parser.add_argument("--speed", type=float, default=12.0, help="metres per second while driving")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"driver liveness · {utcnow():%Y-%m-%d %H:%M} UTC · commit {commit} · {machine()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        template = demo_day(folder)
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        print(f"chromium {browser.version}; {args.legs} legs × {args.leg_seconds} s at {args.speed} m/s, "
              f"{args.stop_seconds} s at each stop")
        for name in ("in_app", "handed_off"):
            result = run_scenario(browser, template, folder, name, args)
            results.append(result)
            print(f"{name:>10}: {result['fixes']} fixes in {result['seconds']} s · per minute driving "
                  f"{result['per_minute_driving']}, at stops {result['per_minute_at_stops']} · longest silence "
                  f"{result['longest_silence_s']} s · live {result['live_share']:.0%} of the time · each minute "
                  f"{result['per_minute_each_minute']}")
        browser.close()
    print(json.dumps({"benchmark": "driver_liveness", "at": utcnow().isoformat(timespec="seconds"),
                      "commit": commit, "machine": machine(), "legs": args.legs, "leg_seconds": args.leg_seconds,
                      "stop_seconds": args.stop_seconds, "speed_mps": args.speed, "results": results}))


if __name__ == "__main__":
    main()
