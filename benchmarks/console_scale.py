"""Dispatch console at a big city's size, in a real browser: 2,000 stops on 60 routes and 1,000 live drivers.

    python benchmarks/console_scale.py                      # 60 routes, 2,000 stops, 1,000 drivers, 30 s live
    python benchmarks/console_scale.py --routes 60 --stops 2000 --drivers 1000 --live-seconds 30 --size 1920x1080

What it builds: a fresh migrated SQLite database with one organization, a depot in Montréal, `--drivers`
drivers (the first `--routes` with a route), `--stops` orders with two-hour windows spread over those routes,
each route made as a dispatcher would (the dispatch service's build_route: draft, planned times) and
published, and every routed driver's last position. Then the real server (`python wsgi.py`, eventlet) and
Debian's chromium through Playwright:

- first render: from the navigation to /dispatch (session already open) until every route is listed and
  the map holds the day's stops (clustered), with the long tasks (PerformanceObserver 'longtask') meanwhile;
- drag preview: a stop dragged onto another route's line: from the drop until the review of the change (its
  ETAs from the server's placement + preview) is on screen; and from the drag's start until the routes show
  they take a drop (the next painted frame);
- live updates: every driver sends a fix every 5 s, delivered as the server does (`driver.locations`, the
  latest of each driver per tick, POSITION_BATCH_MS = 100 ms by default) on the page's real Socket.IO WebSocket (Playwright's WebSocket route
  passes the server's frames through and adds these), plus an ETA update every 2 s and a route change every
  3 s (the console then reloads the day's board from the server), for `--live-seconds`; the long tasks meanwhile (count, longest), and how many drivers' badges are on the map.

It prints what it measured, on which machine and when; it never fails on time. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, time as clock_time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTREAL = ZoneInfo("America/Montreal")
PASSWORD = "console-bench-1"
DEPOT = (45.5017, -73.6893)

# Installed before any page script: long tasks, and the moments the benchmark asks about.
PAGE_PROBE = """
window.__bench = { longtasks: [], marks: {} };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__bench.longtasks.push({ start: entry.startTime, ms: entry.duration });
}).observe({ type: 'longtask', buffered: true });
const seen = () => {
  const b = window.__bench.marks;
  if (!b.routes && document.querySelectorAll('[data-testid=route-card]').length >= window.__benchRoutes) {
    b.routes = performance.now();
  }
  if (!b.map && document.querySelector('.map-cluster, path.stop-marker')) b.map = performance.now();
  if (!b.review && document.querySelector('[data-testid=change-review]')) b.review = performance.now();
};
new MutationObserver(seen).observe(document, { childList: true, subtree: true });
document.addEventListener('drop', () => { window.__bench.marks.drop = performance.now(); }, true);
document.addEventListener('dragstart', () => {
  window.__bench.marks.dragstart = performance.now();
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__bench.marks.dragPainted = performance.now(); }));
}, true);
"""


def seed(database_url: str, instance: Path, routes: int, stops: int, drivers: int) -> dict:
    os.environ.update({"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench-secret",
                       "EMBEDDED_WORKER": "0"})
    os.environ.pop("REDIS_URL", None)
    from backend import create_app
    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.dispatch import service as dispatch_service
    from backend.extensions import db
    from backend.fleet import service as fleet_service
    from backend.orders.models import Order, OrderTimeWindow
    from backend.orders.service import new_tracking_token
    from backend.tracking.models import DriverPosition
    from backend.unit_of_work import unit_of_work

    app = create_app()
    rng = random.Random(20)
    today = datetime.now(MONTREAL).date()
    started = time.perf_counter()
    with app.app_context():
        with unit_of_work():
            org = auth_service.create_organization("Console benchmark", "console-bench")
            db.session.flush()
            org_id = org.id
            auth_service.build_user(org_id, name="Dispatcher", role=Role.dispatcher, email="dispatch@bench.test",
                                    password=PASSWORD)
            depot = fleet_service.add_depot(org_id, {"name": "Montréal", "address": "1 Depot St", "lat": DEPOT[0],
                                                     "lon": DEPOT[1], "timezone": "America/Montreal"})
            db.session.flush()
            depot_id = depot.id
        from backend.auth.passwords import hash_secret

        shared_hash = hash_secret("benchmark-only")  # one hash for all: hashing 1,000 PINs is not the point
        auth_service.hash_secret = lambda secret: shared_hash
        driver_ids = []
        for first in range(0, drivers, 200):
            with unit_of_work():
                batch = [fleet_service.add_driver(org_id, {"name": f"Driver {index + 1:04d}", "depot_id": depot_id,
                                                           "phone": f"+1438{index:07d}", "pin": "2468"})
                         for index in range(first, min(drivers, first + 200))]
                db.session.flush()
                driver_ids += [d.id for d in batch]
        order_ids = []
        with unit_of_work():
            for index in range(stops):
                lat = DEPOT[0] + rng.uniform(-0.09, 0.09)
                lon = DEPOT[1] + rng.uniform(-0.14, 0.14)
                opens = datetime.combine(today, clock_time(8 + index % 9, 0), MONTREAL)
                order = Order(org_id=org_id, external_ref=f"C-{index + 1:05d}", depot_id=depot_id,
                              address=f"{100 + index} Rue Ontario Est, Montréal", lat=lat, lon=lon,
                              delivery_date=today, service_time_s=180, weight_kg=2, volume_l=10, parcel_count=1,
                              tracking_token=new_tracking_token())
                order.time_windows = [OrderTimeWindow(start_at=opens, end_at=opens + timedelta(hours=2))]
                db.session.add(order)
            db.session.flush()
            order_ids = list(db.session.scalars(db.select(Order.id).where(Order.org_id == org_id).order_by(Order.id)))
        route_ids = []
        for number in range(routes):
            mine = order_ids[number::routes]
            with unit_of_work():
                route = dispatch_service.build_route(org_id, {"date": today, "depot_id": depot_id,
                                                              "driver_id": driver_ids[number], "order_ids": mine}, None)
            route_ids.append(route.id)
        from backend.auth.principal import Principal

        principal = Principal(kind="user", id=0, org_id=org_id, role=Role.dispatcher, name="bench")
        for route_id in route_ids:
            dispatch_service.publish_route(principal, route_id)
        with unit_of_work():
            now = datetime.now(timezone.utc)
            for driver_id in driver_ids[:routes]:
                db.session.add(DriverPosition(org_id=org_id, driver_id=driver_id, lat=DEPOT[0], lon=DEPOT[1],
                                              at=now, received_at=now))
    return {"org_id": org_id, "driver_ids": driver_ids, "route_ids": route_ids, "seconds": time.perf_counter() - started}


def top_functions(profile: dict, count: int = 12) -> list[str]:
    """The functions that took the most CPU themselves (self time) in a V8 CPU profile."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    self_us: dict = {}
    deltas = profile.get("timeDeltas", [])
    for sample, delta in zip(profile.get("samples", []), deltas):
        frame = nodes[sample]["callFrame"]
        key = f"{frame['functionName'] or '(anonymous)'} {frame['url'].rsplit('/', 1)[-1]}:{frame['lineNumber']}"
        self_us[key] = self_us.get(key, 0) + delta
    return [f"{us / 1000:.0f} ms {name}" for name, us in sorted(self_us.items(), key=lambda item: -item[1])[:count]]


def frame(event: str, payload) -> str:
    """A Socket.IO v5 event on the default namespace, as an engine.io v4 WebSocket text frame."""
    return "42" + json.dumps([event, payload], separators=(",", ":"))


def run(args) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.servers import ServerProcess, login_session, migrate

    instance = Path(tempfile.mkdtemp(prefix="lastmile-console-bench-"))
    url = f"sqlite:///{instance / 'lastmile.db'}"
    # --reuse keeps the seeded day (same size, same local day) for the next run: seeding takes a minute or more.
    today = datetime.now(MONTREAL).date().isoformat()
    kept = Path(tempfile.gettempdir()) / f"lastmile-console-bench-{args.routes}-{args.stops}-{args.drivers}-{today}"
    if args.reuse and (kept / "lastmile.db").exists():
        shutil.copy(kept / "lastmile.db", instance / "lastmile.db")
        seeded = json.loads((kept / "seeded.json").read_text())
        print(f"reused the day seeded in {kept}", flush=True)
    else:
        migrate(url, instance)
        seeded = seed(url, instance, args.routes, args.stops, args.drivers)
        print(f"seeded {args.stops} stops on {args.routes} routes, {args.drivers} drivers in "
              f"{seeded['seconds']:.1f} s", flush=True)
        if args.reuse:
            kept.mkdir(exist_ok=True)
            shutil.copy(instance / "lastmile.db", kept / "lastmile.db")
            (kept / "seeded.json").write_text(json.dumps(seeded))
    width, height = (int(v) for v in args.size.split("x"))
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None, "EMBEDDED_WORKER": "0",
           "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-secret"}
    result = {}
    with ServerProcess(env) as server:
        session = login_session(server.url, "dispatch@bench.test", PASSWORD)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(base_url=server.url, viewport={"width": width, "height": height},
                                          locale="en-CA", service_workers="block")
            context.add_cookies([{"name": c.name, "value": c.value, "url": server.url} for c in session.cookies])
            context.add_init_script(f"window.__benchRoutes = {args.routes};" + PAGE_PROBE)
            context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
            page = context.new_page()
            sockets = []

            def through(ws):
                ws.connect_to_server()
                sockets.append(ws)

            page.route_web_socket("**/socket.io/**", through)
            profiler = None
            if args.profile:
                profiler = context.new_cdp_session(page)
                profiler.send("Profiler.enable")
                profiler.send("Profiler.start")
            page.goto("/dispatch")
            page.wait_for_function("() => window.__bench.marks.routes && window.__bench.marks.map", timeout=120000)
            page.wait_for_timeout(1500)  # anything the first render queued (clusters are added in chunks)
            if profiler:
                result["profile_first_render"] = top_functions(profiler.send("Profiler.stop")["profile"])
            result["board_fetch_ms"] = round(page.evaluate("""() => {
                const entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/dispatch/board'));
                return entry ? entry.responseEnd - entry.startTime : -1; }"""))
            first = page.evaluate("() => ({ marks: window.__bench.marks, longtasks: window.__bench.longtasks })")
            result["first_render_ms"] = round(max(first["marks"]["routes"], first["marks"]["map"]))
            result["first_routes_listed_ms"] = round(first["marks"]["routes"])
            result["first_map_drawn_ms"] = round(first["marks"]["map"])
            result["first_longest_task_ms"] = round(max((t["ms"] for t in first["longtasks"]), default=0))

            # Drag: open the second route, drop one of its stops on the first route's (folded) line.
            page.get_by_role("tab", name="Live").click()  # the planning forms out of the way
            page.locator("[data-testid=route-card]").nth(1).get_by_test_id("route-toggle").click()
            stop = page.locator("[data-testid=route-card]").nth(1).locator("li.stop[draggable=true]").nth(1)
            target = page.locator("[data-testid=route-card]").first.get_by_test_id("route-head")
            page.evaluate("() => { window.__bench.longtasks = []; }")
            stop.drag_to(target)
            page.get_by_test_id("change-review").wait_for(timeout=30000)
            marks = page.evaluate("() => window.__bench.marks")
            result["drag_start_to_drop_targets_painted_ms"] = round(marks["dragPainted"] - marks["dragstart"])
            result["drop_to_preview_ms"] = round(marks["review"] - marks["drop"])
            result["drag_longest_task_ms"] = round(max((t["ms"] for t in page.evaluate(
                "() => window.__bench.longtasks")), default=0))
            page.get_by_test_id("change-cancel").click()

            # Live: every driver a fix every 5 s, coalesced per 1 s tick as the server sends them.
            if not sockets:
                page.wait_for_timeout(3000)  # the client upgrades from polling to the WebSocket
            live = {"sent_batches": 0, "sent_positions": 0}
            if sockets:
                rng = random.Random(5)
                positions = {d: [DEPOT[0] + rng.uniform(-0.09, 0.09), DEPOT[1] + rng.uniform(-0.14, 0.14)]
                             for d in seeded["driver_ids"]}
                snapshots = [session.get(f"{server.url}/api/v1/routes/{route_id}", timeout=30).json()
                             for route_id in seeded["route_ids"][:10]]
                page.evaluate("() => { window.__bench.longtasks = []; }")
                if profiler:
                    profiler.send("Profiler.start")
                began = time.perf_counter()
                tick = 0
                ticks_per_fix = max(1, round(5000 / args.tick_ms))  # each driver: one fix every 5 s
                while time.perf_counter() - began < args.live_seconds:
                    now = datetime.now(timezone.utc).isoformat()
                    items = []
                    for driver_id in seeded["driver_ids"][tick % ticks_per_fix::ticks_per_fix]:
                        point = positions[driver_id]
                        point[0] += rng.uniform(-0.0005, 0.0005)
                        point[1] += rng.uniform(-0.0005, 0.0005)
                        items.append({"driver_id": driver_id, "route_id": None, "lat": round(point[0], 6),
                                      "lon": round(point[1], 6), "accuracy": 10, "heading": None, "speed": 8.0,
                                      "at": now})
                    sockets[-1].send(frame("driver.locations", {"items": items}))
                    live["sent_batches"] += 1
                    live["sent_positions"] += len(items)
                    if tick % max(1, round(2000 / args.tick_ms)) == 0:  # and an ETA update every 2 s
                        route_id = seeded["route_ids"][tick % len(seeded["route_ids"])]
                        sockets[-1].send(frame("eta.updated", {"route_id": route_id, "stops": []}))
                    if tick % max(1, round(3000 / args.tick_ms)) == 0:  # a route changes every 3 s (the console reloads the board)
                        sockets[-1].send(frame("route.updated", {"route": snapshots[tick % len(snapshots)],
                                                                 "change": {"kind": "updated"}}))
                        live["route_changes"] = live.get("route_changes", 0) + 1
                    tick += 1
                    page.wait_for_timeout(max(0, args.tick_ms * tick - (time.perf_counter() - began) * 1000))
                page.wait_for_timeout(1000)
                if profiler:
                    result["profile_live"] = top_functions(profiler.send("Profiler.stop")["profile"])
                tasks = page.evaluate("() => window.__bench.longtasks")
                live.update({"seconds": round(time.perf_counter() - began, 1), "longtasks": len(tasks),
                             "longest_task_ms": round(max((t["ms"] for t in tasks), default=0)),
                             "tasks_over_200ms": sum(1 for t in tasks if t["ms"] > 200),
                             "badges_on_map": page.locator(".driver-marker").count()})
            else:
                live["error"] = "the page never upgraded to a WebSocket: live updates not measured"
            result["live"] = live
            result["clusters_on_map"] = page.locator(".map-cluster").count()
            browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", type=int, default=60)
    parser.add_argument("--stops", type=int, default=2000)
    parser.add_argument("--drivers", type=int, default=1000)
    parser.add_argument("--live-seconds", type=int, default=30)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded day in /tmp and reuse it")
    parser.add_argument("--profile", action="store_true", help="print where the first render spent its CPU")
    parser.add_argument("--tick-ms", type=int, default=100, help="the server's POSITION_BATCH_MS")
    args = parser.parse_args()
    started = datetime.now(timezone.utc)
    result = run(args)
    machine = {"machine": platform.node(), "cpu": platform.processor() or platform.machine(),
               "cores": os.cpu_count(), "python": platform.python_version(), "load_1min": os.getloadavg()[0]}
    print(f"console at scale — {started:%Y-%m-%d %H:%M} UTC on {machine['machine']} ({machine['cores']} cores, "
          f"load {machine['load_1min']:.1f}), chromium {args.size}")
    print(f"  {args.stops} stops on {args.routes} routes, {args.drivers} drivers")
    print(f"  first render: {result['first_render_ms']} ms (routes listed {result['first_routes_listed_ms']} ms, "
          f"map drawn {result['first_map_drawn_ms']} ms; longest task {result['first_longest_task_ms']} ms)")
    print(f"  the day's board from the server: {result['board_fetch_ms']} ms (part of the first render)")
    for line in result.get("profile_first_render", []):
        print(f"    {line}")
    print(f"  drag: drop targets painted {result['drag_start_to_drop_targets_painted_ms']} ms after the drag "
          f"started; the change's review (server placement + preview) {result['drop_to_preview_ms']} ms after the "
          f"drop; longest task {result['drag_longest_task_ms']} ms")
    live = result["live"]
    if "error" in live:
        print(f"  live: {live['error']}")
    else:
        print(f"  live: {live['sent_positions']} positions in {live['sent_batches']} batches ({args.tick_ms} ms ticks) over {live['seconds']} s "
              f"(+ ETA updates); long tasks {live['longtasks']}, longest {live['longest_task_ms']} ms, over 200 ms: "
              f"{live['tasks_over_200ms']}; {live['badges_on_map']} driver badges on the map")
    for line in result.get("profile_live", []):
        print(f"    live: {line}")
    print(json.dumps({"when": started.isoformat(timespec="seconds"), **machine, "routes": args.routes,
                      "stops": args.stops, "drivers": args.drivers, "size": args.size, **result}))


if __name__ == "__main__":
    main()
