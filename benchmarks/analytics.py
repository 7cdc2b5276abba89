"""Analytics benchmark: a history of D days x N drivers x S stops, then every dashboard query timed.

    python benchmarks/analytics.py                       # quick: 20 drivers x 60 stops x 30 days, PostgreSQL
    python benchmarks/analytics.py --full                # a year: 50 drivers x 120 stops x 365 days (~2.2M stops,
                                                         # ~11M order events)
    python benchmarks/analytics.py --sqlite --drivers 5 --stops 80 --days 365   # a small firm on embedded SQLite

Builds a fresh database (PostgreSQL: a new database on TEST_POSTGRES_URL's server, dropped afterwards
unless --keep; SQLite: a temp file), migrates it, and writes the operational history the way the
operation leaves it (orders, windows, routes, stops, five order events per stop: planned,
out_for_delivery, eta_changed, arrived, delivered|failed) with bulk writes: COPY on PostgreSQL,
executemany on SQLite, never the ORM row by row. Then it closes every day (the nightly roll-up) and
times each dashboard request through the real HTTP stack (Flask test client, admin API key):
median of --repeat runs. Never a test: it reports, it does not judge. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
TZ = ZoneInfo("America/Montreal")
REASONS = ["not_home", "not_home", "not_home", "refused", "no_access", "wrong_address", "damaged", "other"]


def make_database(use_sqlite: bool) -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    if use_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="lastmile-analytics-bench-"))
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    name = f"lastmile_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


class BulkWriter:
    """Rows in, COPY (PostgreSQL) or executemany (SQLite) out, in batches."""

    def __init__(self, db, batch: int = 50_000):
        self.db = db
        self.batch = batch
        self.pending: dict = {}
        self.counts: dict = {}
        self.postgres = db.engine.dialect.name == "postgresql"

    def add(self, table, row: dict) -> None:
        rows = self.pending.setdefault(table, [])
        rows.append(row)
        if len(rows) >= self.batch:
            self.flush()  # every table, parents first (the order tables were first added in)

    def flush(self, table=None) -> None:
        for each in ([table] if table is not None else list(self.pending)):
            rows = self.pending.get(each, [])
            self.pending[each] = []
            if not rows:
                continue
            self.counts[each.name] = self.counts.get(each.name, 0) + len(rows)
            if self.postgres:
                self._copy(each, rows)
            else:
                with self.db.engine.begin() as conn:
                    conn.execute(each.insert(), rows)

    def _copy(self, table, rows: list[dict]) -> None:
        columns = list(rows[0])
        raw = self.db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                with cursor.copy(f'COPY {table.name} ({", ".join(columns)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([json.dumps(v) if isinstance(v, (dict, list)) else v for v in
                                        (row[c] for c in columns)])
            raw.commit()
        finally:
            raw.close()


def generate(app, drivers: int, stops: int, days: int, seed: int) -> dict:
    """The organization, its fleet, and `days` worked days ending yesterday."""
    from sqlalchemy import text

    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.dispatch.models import Route, Stop
    from backend.extensions import db
    from backend.fleet import service as fleet_service
    from backend.orders.models import Order, OrderEvent, OrderTimeWindow

    rng = random.Random(seed)
    with app.app_context():
        org = auth_service.create_organization("Analytics benchmark", f"bench-{uuid.uuid4().hex[:6]}")
        db.session.commit()
        depot = fleet_service.create_depot(org.id, {"name": "Depot", "lat": 45.5017, "lon": -73.6893,
                                                    "timezone": "America/Montreal"})
        fleet = []
        for index in range(drivers):
            vehicle = fleet_service.create_vehicle(org.id, {
                "name": f"Van {index + 1:03d}", "depot_id": depot.id, "co2_g_per_km": 0 if index % 4 == 3 else 245,
                "cost_fixed_cents": 6000, "cost_per_hour_cents": 3200, "cost_per_km_cents": 38})
            driver = fleet_service.create_driver(org.id, {"name": f"Driver {index + 1:03d}",
                                                          "phone": f"+1555{seed:03d}{index:04d}", "pin": "4321",
                                                          "depot_id": depot.id, "default_vehicle_id": vehicle.id},
                                                 commit=False)
            db.session.flush()
            fleet.append((driver.id, vehicle.id))
        db.session.commit()
        _, api_key = auth_service.create_api_key(org.id, "bench", Role.admin, None)
        org_id, depot_id = org.id, depot.id
        writer = BulkWriter(db)
        order_id = route_id = stop_id = event_id = window_id = 0
        first_day = date.today() - timedelta(days=days)
        started = time.perf_counter()
        for day_index in range(days):
            day = first_day + timedelta(days=day_index)
            now = datetime.combine(day, dtime(20, 0), TZ).astimezone(timezone.utc)
            for driver_id, vehicle_id in fleet:
                route_id += 1
                start = datetime.combine(day, dtime(8, 0), TZ).astimezone(timezone.utc) + \
                    timedelta(minutes=rng.randint(-10, 20))
                planned_s = stops * 240 + 3600
                clock = start
                visit_order = list(range(stops))
                for swap in range(stops // 20):  # about 5 % of stops visited out of the plan's order
                    i = rng.randrange(stops - 1)
                    visit_order[i], visit_order[i + 1] = visit_order[i + 1], visit_order[i]
                arrivals = {}
                for position in visit_order:
                    clock += timedelta(seconds=rng.randint(90, 300))
                    arrivals[position] = clock
                    clock += timedelta(seconds=rng.randint(60, 240))
                end = clock + timedelta(minutes=25)
                writer.add(Route.__table__, {
                    "id": route_id, "org_id": org_id, "date": day, "depot_id": depot_id, "driver_id": driver_id,
                    "vehicle_id": vehicle_id, "status": "completed", "version": 1,
                    "planned_distance_m": stops * 900 + 15_000, "planned_duration_s": planned_s,
                    "planned_start_at": start, "planned_end_at": start + timedelta(seconds=planned_s),
                    "published_at": start - timedelta(hours=1), "started_at": start, "completed_at": end,
                    "break_started_at": None, "created_at": now, "updated_at": now})
                for sequence in range(stops):
                    order_id += 1
                    stop_id += 1
                    window_id += 1
                    arrived = arrivals[sequence]
                    departed = arrived + timedelta(seconds=rng.randint(60, 240))
                    failed = rng.random() < 0.06
                    window_start = (arrived - timedelta(minutes=rng.randint(0, 110))).replace(second=0, microsecond=0)
                    if rng.random() < 0.05:
                        window_start = arrived + timedelta(minutes=rng.randint(5, 30))  # too early or
                    if rng.random() < 0.05:
                        window_start = arrived - timedelta(minutes=rng.randint(121, 180))  # too late
                    lat, lon = 45.45 + rng.random() * 0.15, -73.75 + rng.random() * 0.25
                    writer.add(Order.__table__, {
                        "id": order_id, "org_id": org_id, "external_ref": f"B{order_id}", "depot_id": depot_id,
                        "recipient_id": None, "address": f"{order_id} Rue Benchmark", "lat": lat, "lon": lon,
                        "geocode_source": "given", "delivery_date": day, "service_time_s": 180, "weight_kg": 2.0,
                        "volume_l": 10.0, "parcel_count": 1, "priority": 0, "required_skills": [], "notes": "",
                        "delivery_instructions": "", "cod_amount_cents": 0, "requires_id_check": False,
                        "min_age": None, "status": "failed" if failed else "delivered",
                        "failure_reason": rng.choice(REASONS) if failed else None,
                        "tracking_token": f"{order_id}-{secrets.token_hex(8)}", "created_at": now, "updated_at": now})
                    writer.add(OrderTimeWindow.__table__, {"id": window_id, "order_id": order_id,
                                                           "start_at": window_start,
                                                           "end_at": window_start + timedelta(hours=2)})
                    planned_arrival = start + timedelta(seconds=sequence * 240 + 1800)
                    writer.add(Stop.__table__, {
                        "id": stop_id, "org_id": org_id, "route_id": route_id, "order_id": order_id,
                        "sequence": sequence + 1, "status": "failed" if failed else "completed",
                        "planned_arrival_at": planned_arrival, "planned_departure_at": planned_arrival,
                        "eta_at": arrived, "actual_arrival_at": arrived, "actual_departure_at": departed,
                        "created_at": now, "updated_at": now})
                    eta_shown = arrived + timedelta(seconds=rng.randint(-900, 900))
                    for kind, at, from_status, to_status, details in (
                            ("status", start - timedelta(hours=1), "created", "planned", {}),
                            ("status", start, "dispatched", "out_for_delivery", {}),
                            ("eta_changed", arrived - timedelta(minutes=rng.randint(15, 70)), None, None,
                             {"eta": eta_shown.isoformat()}),
                            ("status", arrived, "out_for_delivery", "arrived", {}),
                            ("status", departed, "arrived", "failed" if failed else "delivered",
                             {"reason": "not_home"} if failed else {})):
                        event_id += 1
                        writer.add(OrderEvent.__table__, {
                            "id": event_id, "org_id": org_id, "order_id": order_id, "type": kind,
                            "from_status": from_status, "to_status": to_status, "at": at, "recorded_at": at,
                            "actor_type": "system", "actor_id": None, "lat": None, "lon": None, "details": details})
            if day_index % 30 == 29:
                print(f"  generated {day_index + 1} of {days} days ({order_id:,} stops, "
                      f"{time.perf_counter() - started:.0f} s)", flush=True)
        writer.flush()
        if writer.postgres:
            for table in ("orders", "order_time_windows", "routes", "stops", "order_events"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return {"org_id": org_id, "depot_id": depot_id, "driver_id": fleet[0][0], "api_key": api_key,
                "first_day": first_day, "last_day": first_day + timedelta(days=days - 1),
                "rows": dict(writer.counts), "generate_s": round(time.perf_counter() - started, 1)}


def close_days(app, org_id: int, first: date, last: date) -> dict:
    from backend.analytics import service

    started = time.perf_counter()
    per_day = []
    with app.app_context():
        day = first
        while day <= last:
            t0 = time.perf_counter()
            service.refresh_day(org_id, day)
            per_day.append(time.perf_counter() - t0)
            day += timedelta(days=1)
    return {"close_all_s": round(time.perf_counter() - started, 1),
            "close_day_median_ms": round(statistics.median(per_day) * 1000), "close_day_max_ms":
                round(max(per_day) * 1000)}


def time_queries(app, info: dict, repeat: int) -> list[dict]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {info['api_key']}"}
    last = info["last_day"]

    def period(days):
        return {"from": max(info["first_day"], last - timedelta(days=days - 1)).isoformat(), "to": last.isoformat()}

    queries = [
        ("KPIs per day, 365 days", "/api/v1/analytics/kpis", {**period(365), "grain": "day"}),
        ("KPIs per week, 365 days", "/api/v1/analytics/kpis", {**period(365), "grain": "week"}),
        ("KPIs per month, 365 days", "/api/v1/analytics/kpis", {**period(365), "grain": "month"}),
        ("KPIs per day, one driver, 90 days", "/api/v1/analytics/kpis", {**period(90), "driver_id": info["driver_id"]}),
        ("KPIs per month as CSV, 365 days", "/api/v1/analytics/kpis.csv", {**period(365), "grain": "month"}),
        ("Scorecard, month vs month before", "/api/v1/analytics/scorecard", {"to": last.isoformat(), "period": "month"}),
        ("Breakdown by driver, 30 days", "/api/v1/analytics/breakdown", {**period(30), "by": "driver"}),
        ("Breakdown by reason, 365 days", "/api/v1/analytics/breakdown", {**period(365), "by": "reason"}),
        ("Failed deliveries map, 30 days (500)", "/api/v1/analytics/failed-deliveries", period(30)),
        ("Plan vs actual per route, 7 days", "/api/v1/analytics/plan-vs-actual", period(7)),
        ("Ratings, 30 days", "/api/v1/analytics/ratings", period(30)),
        ("Notifications per channel, 30 days", "/api/v1/analytics/notifications", period(30)),
    ]
    results = []
    for label, path, params in queries:
        timings = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(path, query_string=params, headers=headers)
            timings.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        results.append({"query": label, "median_ms": round(statistics.median(timings) * 1000),
                        "max_ms": round(max(timings) * 1000), "bytes": len(response.get_data())})
    return results


def time_open_day(app, info: dict, repeat: int) -> dict:
    """A day not yet closed is computed from the operational tables on each request."""
    from sqlalchemy import delete

    from backend.analytics.models import ClosedDay, DailyRollup
    from backend.extensions import db

    with app.app_context():
        db.session.execute(delete(DailyRollup).where(DailyRollup.day == info["last_day"]))
        db.session.execute(delete(ClosedDay).where(ClosedDay.day == info["last_day"]))
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {info['api_key']}"}
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get("/api/v1/analytics/kpis", headers=headers,
                              query_string={"from": info["last_day"].isoformat(), "to": info["last_day"].isoformat()})
        timings.append(time.perf_counter() - t0)
        assert response.status_code == 200
    return {"query": "One open (not yet closed) day, computed live", "median_ms": round(statistics.median(timings) * 1000),
            "max_ms": round(max(timings) * 1000), "bytes": len(response.get_data())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drivers", type=int, default=20)
    parser.add_argument("--stops", type=int, default=60, help="stops per driver per day")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--full", action="store_true", help="a year: 50 drivers x 120 stops x 365 days")
    parser.add_argument("--sqlite", action="store_true", help="embedded SQLite instead of PostgreSQL")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    if args.full:
        args.drivers, args.stops, args.days = 50, 120, 365
    url, drop = make_database(args.sqlite)
    try:
        from flask_migrate import upgrade

        from backend import create_app

        folder = Path(tempfile.mkdtemp(prefix="lastmile-analytics-instance-"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder), "REDIS_URL": None,
                          "EMBEDDED_WORKER": False, "SECRET_KEY": "bench", "TESTING": True,
                          "FAST_PASSWORD_HASH": True, "GEOCODER_URL": None, "OSRM_URL": None})
        with app.app_context():
            upgrade()
        database = "sqlite" if args.sqlite else "postgresql"
        print(f"Generating {args.days} days x {args.drivers} drivers x {args.stops} stops on {database} ...", flush=True)
        info = generate(app, args.drivers, args.stops, args.days, args.seed)
        print(f"  rows: {info['rows']} in {info['generate_s']} s", flush=True)
        print("Closing every day (the nightly roll-up) ...", flush=True)
        closing = close_days(app, info["org_id"], info["first_day"], info["last_day"])
        print(f"  {closing}", flush=True)
        results = time_queries(app, info, args.repeat)
        results.append(time_open_day(app, info, args.repeat))
        size = None
        if args.sqlite:
            size = Path(url.removeprefix("sqlite:///")).stat().st_size
        else:
            from sqlalchemy import text

            from backend.extensions import db

            with app.app_context():
                size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
        print()
        print(f"{'query':<48} {'median ms':>10} {'max ms':>8} {'bytes':>10}")
        for row in results:
            print(f"{row['query']:<48} {row['median_ms']:>10} {row['max_ms']:>8} {row['bytes']:>10}")
        print(json.dumps({"benchmark": "analytics", "database": database, "drivers": args.drivers,
                          "stops_per_driver_day": args.stops, "days": args.days, "rows": info["rows"],
                          "database_bytes": size, "generate_s": info["generate_s"], **closing,
                          "queries": results, "python": platform.python_version(), "cpus": os.cpu_count()}))
    finally:
        if not args.keep:
            drop()


if __name__ == "__main__":
    main()
