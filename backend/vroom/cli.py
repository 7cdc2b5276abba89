"""`flask vroom serve`: the drop-in VROOM server (see backend/vroom/server.py)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

vroom_group = AppGroup("vroom", help="A VROOM-compatible route optimization server (vroom-express's API).")


@vroom_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=int, help="Port (vroom-express's default).")
@click.option("--threads", default=16, show_default=True, type=int, help="Requests served at once.")
@click.option("--base-url", default="/", show_default=True, help="Path of the API (vroom-express's baseurl).")
def serve_command(host, port, threads, base_url):
    """POST <base-url> a VROOM problem, GET <base-url>health; solved by VROOM_WORKERS processes."""
    from backend.vroom.server import ServerSettings, serve

    settings = ServerSettings.from_config(current_app.config)
    click.echo(f"VROOM server on http://{host}:{port}{base_url} ({settings.workers} solver processes"
               f"{', API key required' if settings.api_key else ''})")
    serve(settings, host, port, threads=threads, base_url=base_url)
