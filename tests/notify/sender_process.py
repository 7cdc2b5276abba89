"""A notification worker process for tests: the real sending code (sending.deliver_due) in a process of its
own, over the test's database. It waits for a start file (so several start together), sends until nothing
has been due for `IDLE_S`, then prints its counts as JSON.

    python -m tests.notify.sender_process   (config in LASTMILE_TEST_CONFIG, JSON)
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main() -> None:
    config = json.loads(os.environ["LASTMILE_TEST_CONFIG"])
    start_file, idle_s = Path(os.environ["START_FILE"]), float(os.environ.get("IDLE_S", "3"))
    from backend import create_app
    from backend.extensions import db
    from backend.notify import sending

    app = create_app(config)
    print("ready", flush=True)
    while not start_file.exists():
        time.sleep(0.02)
    totals: dict[str, int] = {}
    idle_since = time.monotonic()
    with app.app_context():
        while time.monotonic() - idle_since < idle_s:
            counts = sending.deliver_due(limit=1)
            db.session.remove()
            if counts["claimed"]:
                idle_since = time.monotonic()
                for name, value in counts.items():
                    totals[name] = totals.get(name, 0) + value
            else:
                time.sleep(0.05)
    print(json.dumps(totals), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
