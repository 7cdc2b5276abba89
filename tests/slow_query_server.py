"""A test server: the real app plus one route that runs a slow PostgreSQL query.

With LASTMILE_TEST_BLOCKING_WAIT=1 it puts back psycopg's C wait function, to show the test fails
without our fix.
"""
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

from sqlalchemy import text  # noqa: E402

from backend import create_app  # noqa: E402
from backend.extensions import db  # noqa: E402
from backend.server import serve  # noqa: E402

app = create_app()
if os.environ.get("LASTMILE_TEST_BLOCKING_WAIT") == "1":
    from psycopg import waiting

    waiting.wait = waiting.wait_c


@app.get("/_test/sleep")
def sleep():
    db.session.execute(text("SELECT pg_sleep(1)"))
    db.session.remove()
    return {"slept": 1}


serve(app)
