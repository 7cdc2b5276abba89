"""CSV order import benchmark: a generated file of N rows sent through the real path (HTTP upload, the job
queue, a real worker thread, the database), dry run and then the real import, timed from the upload to
the job's end.

    python benchmarks/csv_import.py                    # 20,000 rows on embedded SQLite
    python benchmarks/csv_import.py --rows 5000 --postgres
    python benchmarks/csv_import.py --skip-import      # the dry run only

CPU seconds are this process's (the web side and the worker thread both run in it); on a shared machine
they drift less than wall time. Rows look like a shipper's export: coordinates given, a recipient with a phone (a tenth of them repeat
customers), one window, two barcodes. Never a test: it reports, it does not judge. The last line is one
JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def make_csv(rows: int, day: str) -> bytes:
    lines = ["external_ref,address,lat,lon,delivery_date,window_start,window_end,recipient_name,recipient_phone,"
             "barcodes,notes"]
    for i in range(rows):
        customer = i if i % 10 else i // 10  # a tenth of the rows are repeat customers
        lines.append(f"B-{i},{i % 4000 + 1} Rue Saint-Denis,45.{50 + i % 9}{i % 97:02d},-73.{55 + i % 7}{i % 89:02d},"
                     f"{day},09:00,11:00,Customer {customer},+1514{5000000 + customer % 4000000:07d},"
                     f"P{i}-1;P{i}-2,\"Ring twice, then wait\"")
    return ("\n".join(lines) + "\n").encode()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    from tests.conftest import base_config
    from tests.support import make_org

    folder = Path(tempfile.mkdtemp(prefix="lastmile-csv-bench-"))
    admin = None
    if args.postgres:
        name = f"lastmile_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    from flask_migrate import upgrade

    from backend import create_app
    from backend.extensions import db
    from backend.jobs.worker import start_in_process

    app = create_app(base_config(url, folder, IMPORT_MAX_ROWS=max(args.rows, 20000), JOBS_WORKERS=1))
    with app.app_context():
        upgrade()
    org = make_org(app, "bench")
    client = org.as_role("dispatcher")
    day = (datetime.now(ZoneInfo("America/Montreal")).date() + timedelta(days=1)).isoformat()
    body = make_csv(args.rows, day)
    consumer = start_in_process(app, workers=1)
    results = {"rows": args.rows, "bytes": len(body), "database": "postgresql" if args.postgres else "sqlite"}
    try:
        for label, dry_run in (("dry_run", True), ("import", False)):
            if label == "import" and args.skip_import:
                continue
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(f"/api/v1/orders/import?dry_run={str(dry_run).lower()}", data=body,
                                   headers={"Content-Type": "text/csv"})
            job_id = response.get_json()["id"]
            while True:
                job = client.get(f"/api/v1/jobs/{job_id}").get_json()
                if job["status"] in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(0.25)  # polling shares this process's CPU with the worker: not too often
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            summary = job.get("result") or job.get("error")
            results[f"{label}_s"] = round(seconds, 2)
            results[f"{label}_cpu_s"] = round(cpu, 2)
            results[f"{label}_rows_per_s"] = round(args.rows / seconds)
            print(f"{label:8} {job['status']:9} {seconds:7.2f} s wall {cpu:7.2f} s CPU  {args.rows / seconds:8.0f} rows/s  "
                  f"valid={summary.get('valid')} invalid={summary.get('invalid')} created={summary.get('created')}")
    finally:
        consumer.stop(graceful=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    results.update(machine=machine(), date=datetime.now().date().isoformat())
    print(json.dumps(results))


if __name__ == "__main__":
    main()
