"""Real-time benchmark: N drivers each sending a fix every 5 s over Socket.IO, M dispatchers watching.

    python benchmarks/realtime.py --drivers 1000 --dispatchers 20 --seconds 120 [--scale-out --workers 2]

Starts its own server on a free loopback port (embedded: SQLite, one eventlet process; --scale-out:
PostgreSQL + Redis, W web processes, clients spread over them), seeds an organization with N drivers,
then measures: fixes/s sustained, end-to-end latency from a driver's emit to each dispatcher's receipt
(p50/p95/p99), lost messages (fixes acknowledged by the server but never received by a dispatcher),
server CPU and memory. The load generator, the server and its database share this machine's cores.

CPU per fix = the web processes' CPU time (user + system) over the measured window / fixes acknowledged
in it: CPU time, not wall time, because the machine may be shared. It is also given in calibration
units: the same figure divided by the CPU time of `sum(range(10**6))` timed in this run (best of 7,
before and after the window), so that machines (or one busy machine at two moments) can be compared.
The last line printed is one JSON object. Never a test: it reports, it does not judge.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


CALIBRATION = "sum(range(10**6))"


def calibration_ms(repeat: int = 7) -> float:
    """CPU milliseconds of one `sum(range(10**6))` on this machine now (best of `repeat`)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        sum(range(10**6))
        best = min(best, time.process_time() - started)
    return best * 1000


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def cpu_seconds(processes) -> float:
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def seed(env: dict, drivers: int, dispatchers: int) -> list[tuple[str, str]]:
    """Create the organization and users straight in the database; return (cookie, csrf) per client."""
    os.environ.update(env)
    from sqlalchemy import insert

    from backend import create_app
    from backend.auth import service as auth_service
    from backend.auth.models import Role, User
    from backend.auth.passwords import hash_secret
    from backend.extensions import db
    from backend.fleet import service as fleet_service
    from backend.fleet.models import Driver
    from backend.simulator import mint_session_cookie
    from backend.unit_of_work import unit_of_work

    app = create_app()
    with app.app_context():
        org = auth_service.create_organization("Benchmark", f"bench-{uuid.uuid4().hex[:6]}")
        fleet_service.create_depot(org.id, {"name": "Depot", "lat": 45.5, "lon": -73.6, "timezone": "America/Montreal"})
        shared_hash = hash_secret("benchmark-only")  # one hash for all: hashing 1,000 passwords is not the point
        users = [{"org_id": org.id, "name": f"Dispatcher {i}", "role": Role.dispatcher, "email": f"d{i}-{org.slug}@b.test",
                  "password_hash": shared_hash, "language": "en", "active": True, "session_epoch": 0}
                 for i in range(dispatchers)]
        users += [{"org_id": org.id, "name": f"Driver {i}", "role": Role.driver, "phone": None,
                   "email": f"v{i}-{org.slug}@b.test", "password_hash": shared_hash, "language": "en", "active": True,
                   "session_epoch": 0} for i in range(drivers)]
        with unit_of_work():  # the fleet in one transaction, as the app writes
            now = datetime.now(timezone.utc)
            db.session.execute(insert(User), [dict(u, created_at=now, updated_at=now) for u in users])
            db.session.flush()
            rows = db.session.query(User).filter(User.org_id == org.id).order_by(User.id).all()
            driver_users = [u for u in rows if u.role is Role.driver]
            db.session.execute(insert(Driver), [{"org_id": org.id, "user_id": u.id, "skills": [], "active": True,
                                                 "created_at": now, "updated_at": now} for u in driver_users])
        with unit_of_work():
            staff = [mint_session_cookie(app, u, commit=False) for u in rows if u.role is Role.dispatcher]
            fleet = [mint_session_cookie(app, u, commit=False) for u in driver_users]
        db.engine.dispose()
    return staff, fleet


def start_servers(env: dict, count: int, logs: Path) -> list[tuple[subprocess.Popen, str]]:
    import requests

    servers = []
    for number in range(count):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen([sys.executable, str(ROOT / "wsgi.py")], cwd=ROOT,
                                   env={**os.environ, **env, "PORT": str(port), "HOST": "127.0.0.1",
                                        "LOG_LEVEL": "WARNING"},
                                   stdout=subprocess.DEVNULL, stderr=open(logs / f"server-{number}.log", "wb"),
                                   start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        servers.append((process, url))
    return servers


async def dispatcher_client(url: str, cookie, window, stats: dict) -> None:
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    latencies, receipts = stats["latencies_ms"], stats["receipts"]

    def on_location(data):
        sent = datetime.fromisoformat(data["at"]).timestamp()
        if window.t0 <= sent < window.t1:
            latencies.append((time.time() - sent) * 1000)
            key = (round(data["lat"], 7), round(data["lon"], 7), data["at"])
            receipts[key] = receipts.get(key, 0) + 1

    def on_batch(data):
        for item in data["items"]:
            on_location(item)

    client.on("driver.location", on_location)
    client.on("driver.locations", on_batch)
    await client.connect(url, headers={"Cookie": cookie[0]}, transports=["websocket"], wait_timeout=60)
    await window.wait_end(extra=3)  # let messages in flight arrive
    await client.disconnect()


async def driver_client(url: str, cookie, window, stats: dict, period: float, rng: random.Random) -> None:
    import socketio

    client = socketio.AsyncClient(reconnection=False)
    try:
        for attempt in range(3):  # a phone whose connection timed out tries again, as the app does
            try:
                await client.connect(url, headers={"Cookie": cookie[0]}, transports=["websocket"], wait_timeout=60)
                break
            except socketio.exceptions.ConnectionError:
                if attempt == 2:
                    raise
                client = socketio.AsyncClient(reconnection=False)
                await asyncio.sleep(rng.uniform(1, 5))
        stats["connected"] += 1
    finally:
        stats["connect_attempts"] += 1
    await window.wait_started()
    await asyncio.sleep(rng.uniform(0, period))
    lat, lon = 45.5 + rng.uniform(-0.05, 0.05), -73.6 + rng.uniform(-0.05, 0.05)
    while time.time() < window.t1:
        lat += rng.uniform(-0.0005, 0.0005)
        lon += rng.uniform(-0.0005, 0.0005)
        at = datetime.now(timezone.utc)
        fix = {"lat": lat, "lon": lon, "accuracy": 8, "heading": 90, "speed": 8, "at": at.isoformat()}
        counted = window.t0 <= at.timestamp() < window.t1
        try:
            answer = await client.call("location.update", fix, timeout=30)
            ok = bool(answer and answer.get("ok"))
        except Exception:
            ok = False
        if counted:
            stats["acked" if ok else "refused"] += 1
            if ok:
                stats["counted"].append((round(lat, 7), round(lon, 7), fix["at"]))
        await asyncio.sleep(period)
    await client.disconnect()


class Window:
    """Shared by every load process: drivers start once the parent has seen every client connect (go);
    the measured window [t0, t1) opens after the warm-up. Unset values are 0."""

    def __init__(self, shared_go, shared_t0, shared_t1):
        self._go, self._t0, self._t1 = shared_go, shared_t0, shared_t1

    @property
    def t0(self) -> float:
        return self._t0.value or float("inf")

    @property
    def t1(self) -> float:
        return self._t1.value or float("inf")

    async def wait_started(self) -> None:
        while not self._go.value:
            await asyncio.sleep(0.1)

    async def wait_end(self, extra: float = 0) -> None:
        while not self._t1.value:
            await asyncio.sleep(0.2)
        await asyncio.sleep(max(0.0, self.t1 + extra - time.time()))


async def generate(urls, staff, fleet, period, seed_value, window, ready) -> dict:
    stats = {"latencies_ms": [], "receipts": {}, "counted": [], "acked": 0, "refused": 0, "connect_attempts": 0,
             "connected": 0}
    rng = random.Random(seed_value)
    tasks = [asyncio.create_task(dispatcher_client(urls[i % len(urls)], cookie, window, stats))
             for i, cookie in enumerate(staff)]
    await asyncio.sleep(1)
    for index, cookie in enumerate(fleet):
        tasks.append(asyncio.create_task(driver_client(urls[index % len(urls)], cookie, window, stats, period,
                                                       random.Random(rng.random()))))
        if index % 50 == 49:
            await asyncio.sleep(0.2)  # connect in waves, as a fleet starting its day would
    while stats["connect_attempts"] < len(fleet):
        await asyncio.sleep(0.2)
    ready.put(os.getpid())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    stats["errors"] = [repr(r) for r in results if isinstance(r, Exception)][:5]
    return stats


def load_process(index, urls, staff, fleet, period, shared, ready, results) -> None:
    """One load-generating process: its share of the drivers and dispatchers on one asyncio loop."""
    stats = asyncio.run(generate(urls, staff, fleet, period, 1000 + index, Window(*shared), ready))
    results.put(stats)


def load(urls, staff, fleet, seconds, period, warmup, processes, watched) -> dict:
    """Spread the clients over processes so that no single Python loop sets the latency, then measure
    one window that all of them share."""
    import multiprocessing

    import psutil

    context = multiprocessing.get_context("spawn")
    shared = go, shared_t0, shared_t1 = context.Value("d", 0.0), context.Value("d", 0.0), context.Value("d", 0.0)
    ready, results = context.Queue(), context.Queue()
    workers = [context.Process(target=load_process, daemon=True,
                               args=(i, urls, staff[i::processes], fleet[i::processes], period, shared, ready,
                                     results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    for _ in workers:
        ready.get(timeout=600)
    generators = [psutil.Process(w.pid) for w in workers]
    go.value = time.time()
    time.sleep(warmup)
    for process in watched + generators:
        process.cpu_percent(None)
    server_cpu_at_start = cpu_seconds(watched)
    shared_t1.value = time.time() + seconds
    shared_t0.value = time.time()
    time.sleep(max(0.0, shared_t1.value - time.time()))
    usage = {"server_cpu_s": cpu_seconds(watched) - server_cpu_at_start,
             "server_cpu_pct": sum(p.cpu_percent(None) for p in watched),
             "server_rss_mb": sum(p.memory_info().rss for p in watched) / 1e6,
             "load_cpu_pct": sum(p.cpu_percent(None) for p in generators)}
    merged = {"latencies_ms": [], "receipts": {}, "counted": [], "acked": 0, "refused": 0, "errors": [], "connected": 0}
    for _ in workers:
        part = results.get(timeout=120)
        merged["latencies_ms"] += part["latencies_ms"]
        merged["counted"] += part["counted"]
        merged["acked"] += part["acked"]
        merged["refused"] += part["refused"]
        merged["connected"] += part["connected"]
        merged["errors"] += part["errors"]
        for key, count in part["receipts"].items():
            merged["receipts"][key] = merged["receipts"].get(key, 0) + count
    for worker in workers:
        worker.join(timeout=10)
    return {**merged, **usage}


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drivers", type=int, default=100)
    parser.add_argument("--dispatchers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--period", type=float, default=5.0, help="Seconds between a driver's fixes.")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--scale-out", action="store_true", help="PostgreSQL + Redis, several web processes.")
    parser.add_argument("--workers", type=int, default=2, help="Web processes with --scale-out.")
    parser.add_argument("--load-processes", type=int, default=0,
                        help="Processes generating the load (default: one per 400 clients, at least 2).")
    parser.add_argument("--database-url", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    import psutil

    instance = Path(tempfile.mkdtemp(prefix="lastmile-bench-"))
    env = {"INSTANCE_PATH": str(instance), "SECRET_KEY": "benchmark", "EMBEDDED_WORKER": "0",
           "WSGI_MAX_CONNECTIONS": str(args.drivers + args.dispatchers + 100)}
    created_db = None
    if args.scale_out:
        from sqlalchemy import create_engine, text

        created_db = f"lastmile_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{created_db}"'))
        env["DATABASE_URL"] = args.database_url.rsplit("/", 1)[0] + f"/{created_db}"
        env["REDIS_URL"] = args.redis_url
        # every web process's pool together under PostgreSQL's 100 connections (see the README)
        env["DATABASE_POOL_SIZE"] = env["DATABASE_MAX_OVERFLOW"] = str(max(2, 40 // args.workers))
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    else:
        env["DATABASE_URL"] = f"sqlite:///{instance / 'bench.db'}"
        env["REDIS_URL"] = ""
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "db", "upgrade"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, capture_output=True)
    staff, fleet = seed(env, args.drivers, args.dispatchers)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the servers
    servers = start_servers(env, args.workers if args.scale_out else 1, instance)
    from backend.config import from_environment

    batch_ms = from_environment()["POSITION_BATCH_MS"]  # what the servers were started with
    watched = [psutil.Process(p.pid) for p, _ in servers]
    load_processes = args.load_processes or max(2, -(-(args.drivers + args.dispatchers) // 400))
    calibration_before = calibration_ms()
    try:
        run = load([url for _, url in servers], staff, fleet, args.seconds, args.period, args.warmup, load_processes,
                   watched)
    finally:
        for number, (process, _) in enumerate(servers):
            if process.poll() is not None:
                print(f"server {number} exited with {process.returncode}:", file=sys.stderr)
                print((instance / f"server-{number}.log").read_text()[-3000:], file=sys.stderr)
            try:
                os.killpg(process.pid, 15)
            except ProcessLookupError:
                pass
        if created_db:
            from sqlalchemy import create_engine, text

            with create_engine(args.database_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{created_db}'"))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{created_db}"'))
        shutil.rmtree(instance, ignore_errors=True)
    calibration_after = calibration_ms()
    calibration = min(calibration_before, calibration_after)
    cpu_per_fix_ms = run["server_cpu_s"] * 1000 / run["acked"] if run["acked"] else None
    # Every fix the server acknowledged must reach every dispatcher — or be superseded within its tick
    # by a newer fix of the same driver (coalescing keeps only the latest position per driver and tick).
    lost = sum(max(0, args.dispatchers - run["receipts"].get(key, 0)) for key in run["counted"])
    result = {"drivers": args.drivers, "drivers_connected": run["connected"], "dispatchers": args.dispatchers,
              "mode": "scale-out" if args.scale_out else "embedded",
              "web_processes": len(servers), "seconds": args.seconds, "position_batch_ms": batch_ms,
              "fixes_per_s": round(run["acked"] / args.seconds, 1), "refused": run["refused"],
              "p50_ms": percentile(run["latencies_ms"], 0.50), "p95_ms": percentile(run["latencies_ms"], 0.95),
              "p99_ms": percentile(run["latencies_ms"], 0.99), "lost": lost, "received": len(run["latencies_ms"]),
              "server_cpu_pct": round(run["server_cpu_pct"], 1),
              "cpu_per_fix_ms": round(cpu_per_fix_ms, 3) if cpu_per_fix_ms else None,
              "calibration": CALIBRATION, "calibration_ms": round(calibration, 2),
              "calibration_ms_before_after": [round(calibration_before, 2), round(calibration_after, 2)],
              "cpu_per_fix_calibration_units": round(cpu_per_fix_ms / calibration, 4) if cpu_per_fix_ms else None,
              "server_rss_mb": round(run["server_rss_mb"], 1),
              "load_processes": load_processes, "load_cpu_pct": round(run["load_cpu_pct"], 1),
              "load_average": round(os.getloadavg()[0], 2), "client_errors": run["errors"],
              "machine": machine(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "commit": _commit()}
    print(f"{'drivers':>8} {'mode':>10} {'web':>4} {'fixes/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'lost':>6} {'cpu %':>6} {'ms/fix':>7} {'cal/fix':>7} {'rss MB':>7} {'load cpu %':>10}")
    print(f"{result['drivers']:>8} {result['mode']:>10} {result['web_processes']:>4} {result['fixes_per_s']:>8} "
          f"{result['p50_ms']!s:>8} {result['p95_ms']!s:>8} {result['p99_ms']!s:>8} {result['lost']:>6} "
          f"{result['server_cpu_pct']:>6} {result['cpu_per_fix_ms']!s:>7} {result['cpu_per_fix_calibration_units']!s:>7} "
          f"{result['server_rss_mb']:>7} {result['load_cpu_pct']:>10}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
