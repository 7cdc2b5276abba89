"""Order desk benchmark: the console's Orders tab over 100,000 orders, every kind of search timed.

    python benchmarks/order_desk.py --sqlite                 # embedded SQLite
    python benchmarks/order_desk.py                          # PostgreSQL (TEST_POSTGRES_URL's server)
    python benchmarks/order_desk.py --orders 300000 --sqlite

Builds a fresh, migrated database holding one organization with `--orders` orders spread over 200 days
(a quarter of them on routes of 20 drivers, a recipient each), written in bulk, never the ORM row by row.
Then times GET /api/v1/dispatch/orders through the real HTTP stack (Flask test client, API key): the
first page, a deep page, a text search, days + status, a driver, and the CSV export of one day. Median of
--repeat runs. Never a test: it reports, it does not judge. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.analytics import BulkWriter, make_database  # noqa: E402

STATUSES = ["created", "planned", "dispatched", "delivered", "delivered", "delivered", "failed", "cancelled"]


def generate(app, orders: int) -> dict:
    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.dispatch.models import Route, Stop
    from backend.extensions import db
    from backend.fleet import service as fleet_service
    from backend.orders.models import Order, Recipient

    from backend.unit_of_work import unit_of_work

    with app.app_context():
        with unit_of_work():
            org = auth_service.create_organization("Order desk benchmark", "desk-bench")
            db.session.flush()
            org_id = org.id
            depot = fleet_service.add_depot(org_id, {"name": "Depot", "lat": 45.5017, "lon": -73.6893,
                                                     "timezone": "America/Montreal"})
            db.session.flush()
            depot_id = depot.id
            drivers = [fleet_service.add_driver(org_id, {"name": f"Driver {i:02d}", "phone": f"+1555000{i:04d}",
                                                         "pin": "4321", "depot_id": depot_id}) for i in range(20)]
            db.session.flush()
            driver_ids = [d.id for d in drivers]
        _, api_key = auth_service.create_api_key(org_id, "bench", Role.dispatcher, None)
        writer = BulkWriter(db)
        first_day = date.today() - timedelta(days=150)
        now = datetime.now(timezone.utc)
        route_id = stop_id = 0
        routes: dict = {}
        started = time.perf_counter()
        for index in range(1, orders + 1):
            day = first_day + timedelta(days=index % 200)
            writer.add(Recipient.__table__, {"id": index, "org_id": org_id, "name": f"Person {index}",
                                             "phone": f"+1514{index:07d}", "language": "en", "opt_out_sms": False,
                                             "opt_out_push": False, "opt_out_email": False, "created_at": now,
                                             "updated_at": now})
            writer.add(Order.__table__, {
                "id": index, "org_id": org_id, "external_ref": f"B-{index:07d}", "depot_id": depot_id,
                "recipient_id": index, "address": f"{index % 9000 + 1} Rue Ontario Est, Montréal",
                "lat": 45.5 + (index % 100) / 1000, "lon": -73.6 + (index % 77) / 1000, "geocode_source": "given",
                "delivery_date": day, "service_time_s": 300, "weight_kg": 2.0, "volume_l": 10.0, "parcel_count": 1,
                "priority": 0, "required_skills": [], "notes": "", "delivery_instructions": "",
                "cod_amount_cents": 0, "requires_id_check": False, "status": STATUSES[index % len(STATUSES)],
                "tracking_token": f"tok{index:012d}", "created_at": now, "updated_at": now})
            if index % 4 == 0:
                driver = driver_ids[index % len(driver_ids)]
                key = (day, driver)
                if key not in routes:
                    route_id += 1
                    routes[key] = route_id
                    writer.add(Route.__table__, {"id": route_id, "org_id": org_id, "date": day, "depot_id": depot_id,
                                                 "driver_id": driver, "status": "completed", "version": 1,
                                                 "planned_distance_m": 0, "planned_duration_s": 0,
                                                 "created_at": now, "updated_at": now})
                stop_id += 1
                writer.add(Stop.__table__, {"id": stop_id, "org_id": org_id, "route_id": routes[key],
                                            "order_id": index, "sequence": stop_id % 60 + 1, "status": "completed",
                                            "created_at": now, "updated_at": now})
        writer.flush(Recipient.__table__)
        writer.flush(Order.__table__)
        writer.flush(Route.__table__)
        writer.flush()
        return {"api_key": api_key, "driver_id": driver_ids[4], "first_day": first_day,
                "generate_s": round(time.perf_counter() - started, 1)}


def time_requests(app, info: dict, repeat: int) -> list[dict]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {info['api_key']}"}
    day = info["first_day"] + timedelta(days=100)
    cases = {
        "first page, latest day first": "/api/v1/dispatch/orders?sort=-delivery_date&per_page=50",
        "page 1000 (50 a page)": "/api/v1/dispatch/orders?sort=-delivery_date&per_page=50&page=1000",
        "text search (address)": "/api/v1/dispatch/orders?q=4321 Rue&per_page=50",
        "one week, failed only": f"/api/v1/dispatch/orders?date_from={day}&date_to={day + timedelta(days=6)}"
                                 "&status=failed&per_page=50",
        "one driver": f"/api/v1/dispatch/orders?driver_id={info['driver_id']}&per_page=50",
        "export one day (CSV)": f"/api/v1/dispatch/orders/export.csv?date_from={day}&date_to={day}",
    }
    results = []
    for name, url in cases.items():
        timings, size = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            body = response.get_data()
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code, body[:300])
            size = len(body)
        results.append({"request": name, "median_ms": round(statistics.median(timings) * 1000, 1), "bytes": size})
        print(f"  {name:32s} {results[-1]['median_ms']:8.1f} ms", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url, drop = make_database(args.sqlite)
    try:
        from flask_migrate import upgrade

        from backend import create_app

        folder = Path(tempfile.mkdtemp(prefix="lastmile-desk-instance-"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder), "REDIS_URL": None,
                          "EMBEDDED_WORKER": False, "SECRET_KEY": "bench", "TESTING": True,
                          "FAST_PASSWORD_HASH": True, "GEOCODER_URL": None, "OSRM_URL": None})
        with app.app_context():
            upgrade()
        database = "sqlite" if args.sqlite else "postgresql"
        print(f"Generating {args.orders} orders on {database} ...", flush=True)
        info = generate(app, args.orders)
        print(f"  in {info['generate_s']} s", flush=True)
        results = time_requests(app, info, args.repeat)
        print(json.dumps({"benchmark": "order_desk", "database": database, "orders": args.orders,
                          "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, "
                                     f"Python {platform.python_version()}", "results": results}))
    finally:
        drop()


if __name__ == "__main__":
    main()
