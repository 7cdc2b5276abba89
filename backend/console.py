"""`lastmile`: the command line of an installed Lastmile (`pip install .`).

    lastmile run [--host H] [--port P] [--demo]   migrate the database, then serve (eventlet, as wsgi.py)
    lastmile worker                                a job worker process (scale-out)
    lastmile solve|evaluate problem.json [...]     the route optimizer on a VROOM problem (python -m backend.routing)
    lastmile vroom serve [--port 3000]             the drop-in VROOM server
    lastmile <command>                             any other `flask` command of the app: db upgrade, demo load, ...
"""
from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else ""
    if command == "run":
        return run(argv[1:])
    if command in ("solve", "evaluate"):
        from backend.routing.__main__ import main as routing_main

        return routing_main(argv)
    from flask.cli import FlaskGroup

    from backend import create_app

    group = FlaskGroup(name="lastmile", create_app=lambda: create_app(), add_default_commands=False,
                       add_version_option=False, load_dotenv=False, help=__doc__)
    from flask.cli import routes_command, shell_command

    group.add_command(routes_command)
    group.add_command(shell_command)
    return group.main(args=argv, prog_name="lastmile", standalone_mode=True) or 0


def run(args: list[str]) -> int:
    """The embedded server: eventlet patches the standard library before the app is imported, the
    database is migrated (never created by hand), then it serves HTTP and Socket.IO with its job
    worker as a child process (unless REDIS_URL points at separate `lastmile worker`s)."""
    parser = argparse.ArgumentParser(prog="lastmile run", description=run.__doc__)
    parser.add_argument("--host", default=None, help="address to listen on (HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (PORT, default 5000)")
    parser.add_argument("--demo", action="store_true", help="load the Montréal demo city if the database is empty")
    parser.add_argument("--no-migrate", action="store_true", help="do not run the database migrations first")
    options = parser.parse_args(args)
    if options.host:
        os.environ["HOST"] = options.host
    if options.port:
        os.environ["PORT"] = str(options.port)

    import eventlet

    eventlet.monkey_patch()

    import logging

    from flask_migrate import upgrade

    from backend import create_app
    from backend.resources import migrations_dir
    from backend.server import serve, start_embedded_worker, tune_garbage_collector

    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    with app.app_context():
        if not options.no_migrate:
            upgrade(directory=str(migrations_dir()))
        if options.demo:
            from backend import demo
            from backend.cli import database_is_empty, print_logins

            if database_is_empty():
                print_logins(demo.load(seed=app.config["DEMO_SEED"]))
    start_embedded_worker(app)
    tune_garbage_collector()
    serve(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
