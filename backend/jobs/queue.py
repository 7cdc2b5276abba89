"""The queue under the job system: Huey, with SQLite storage embedded and Redis storage scaled out.

Huey carries only job ids. It also holds the two things that change while a job runs — live
progress and the cancel flag — in its key-value store, which lives apart from the app's database:
a running import holds a write transaction on the app's SQLite file, and progress must not wait
for it.
"""
from __future__ import annotations

from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

QUEUE_NAME = "lastmile"

huey = Huey(QUEUE_NAME, storage_class=MemoryStorage, results=True, utc=True)
_configured_for: tuple | None = None


def configure(config: dict) -> None:
    """Point the queue at Redis (REDIS_URL) or at an SQLite file in the instance folder."""
    global _configured_for
    if config.get("REDIS_URL"):
        target = ("redis", config["REDIS_URL"])
        if target != _configured_for:
            huey.storage = RedisStorage(QUEUE_NAME, url=config["REDIS_URL"], blocking=True, read_timeout=1)
    else:
        path = Path(config.get("JOBS_DB_PATH") or Path(config["INSTANCE_PATH"]) / "jobs.sqlite3")
        target = ("sqlite", str(path))
        if target != _configured_for:
            path.parent.mkdir(parents=True, exist_ok=True)
            huey.storage = SqliteStorage(QUEUE_NAME, filename=str(path), timeout=30)
    _configured_for = target


def put_state(key: str, value: dict) -> None:
    huey.put(key, value)


def peek_state(key: str):
    return huey.get(key, peek=True)


def drop_state(key: str) -> None:
    huey.delete(key)
