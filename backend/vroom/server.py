"""`flask vroom serve`: a server a vroom-express client cannot tell apart from vroom-express.

Requests are served by gunicorn's threaded worker; every solve runs in a pool of worker
processes.  OR-Tools holds the GIL while it searches (measured: a 2 s solve on a thread left
the other threads 27 chances to run), so solving on a web thread would stall /health and every
other request; a process also isolates a crash, and the pool keeps the solver's imports warm
so a small problem answers in milliseconds.  Nothing here touches the database.
"""
from __future__ import annotations

import hmac
import json
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from backend import outbound
from backend.routing import express

log = logging.getLogger(__name__)

DEFAULT_ALLOWED_HEADERS = "Origin, X-Requested-With, Content-Type, Accept"


@dataclass(frozen=True)
class ServerSettings:
    """The server's settings (see the README's configuration table: VROOM_*)."""

    limits: express.Limits = field(default_factory=express.Limits)
    api_key: str | None = None
    cors_origins: tuple = ("*",)  # "*", some origins, or none (no CORS headers)
    max_body_bytes: int = 50 * 1024 * 1024
    osrm_url: str | None = None
    workers: int = 2
    timeout_s: float = 300.0  # vroom-express's server timeout
    wait_margin_s: float = 30.0  # past a request's time limit, how long to wait for its answer
    outbound_policy: object = None  # how OSRM may be reached (backend.outbound.Policy)

    @classmethod
    def from_config(cls, config) -> "ServerSettings":
        origins = config.get("VROOM_CORS_ORIGINS", "*")
        return cls(
            limits=express.Limits(max_locations=int(config.get("VROOM_MAX_LOCATIONS", 1000)),
                                  max_vehicles=int(config.get("VROOM_MAX_VEHICLES", 200))),
            api_key=config.get("VROOM_API_KEY") or None,
            cors_origins=tuple(o.strip() for o in str(origins or "").split(",") if o.strip()),
            max_body_bytes=int(float(config.get("VROOM_MAX_BODY_MB", 50)) * 1024 * 1024),
            osrm_url=config.get("OSRM_URL") or None,
            workers=max(1, int(config.get("VROOM_WORKERS") or os.cpu_count() or 1)),
            wait_margin_s=float(config.get("VROOM_WAIT_MARGIN_S", 30)),
            outbound_policy=outbound.Policy.from_config(config),
        )


def _solve_in_worker(problem: dict, request: express.Request, osrm_url: str | None, policy=None) -> dict:
    return express.run(problem, request, osrm_url=osrm_url, outbound_policy=policy)


def _warm_up() -> None:
    """Import the solver and solve once, so the first request pays neither."""
    express.run(dict(express.HEALTHCHECK_PROBLEM), express.Request(time_limit=0.05))


class SolverPool:
    """Worker processes that solve; rebuilt if one dies (the request then gets VROOM's code 1)."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn: a fresh interpreter, not a fork of a threaded web worker
                self._executor = ProcessPoolExecutor(max_workers=self.settings.workers,
                                                     mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_warm_up)
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def answer(self, problem: dict, request: express.Request) -> dict:
        """VROOM's answer (or error object) for one problem, solved in a worker process."""
        pool = self._pool()
        wait = self.settings.timeout_s if request.time_limit is None else \
            min(self.settings.timeout_s, request.time_limit + self.settings.wait_margin_s)
        try:
            future = pool.submit(_solve_in_worker, problem, request, self.settings.osrm_url,
                                 self.settings.outbound_policy)
            return future.result(timeout=wait)
        except BrokenProcessPool:
            log.error("a solver process died; the pool is rebuilt")
            self._discard(pool)
            return express.error(express.INTERNAL_ERROR, "Internal error")
        except FutureTimeout:
            return express.error(express.INTERNAL_ERROR, "Internal error: the solver did not answer in time")

    def warm(self) -> None:
        """Start the worker processes now (each imports the solver once)."""
        pool = self._pool()
        for future in [pool.submit(_solve_in_worker, dict(express.HEALTHCHECK_PROBLEM), express.Request(time_limit=0.05),
                                   None) for _ in range(self.settings.workers)]:
            future.result()

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def create_server_app(settings: ServerSettings, pool: SolverPool | None = None, base_url: str = "/"):
    """The WSGI app: POST <base>, GET <base>health, CORS preflight; JSON everywhere, as vroom-express."""
    from flask import Flask, Response, request

    pool = pool or SolverPool(settings)
    base = base_url if base_url.endswith("/") else base_url + "/"
    app = Flask("lastmile.vroom")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions["vroom_pool"] = pool

    def json_response(status: int, body) -> Response:
        return Response(json.dumps(body, separators=(",", ":")), status=status, mimetype="application/json")

    def authorized() -> bool:
        if not settings.api_key:
            return True
        header = request.headers.get("Authorization", "")
        # headers only: a key in the query string would be written to every access log
        offered = [header[7:].strip() if header[:7].lower() == "bearer " else header.strip(),
                   request.headers.get("X-Api-Key", "")]
        return any(o and hmac.compare_digest(o.encode(), settings.api_key.encode()) for o in offered)

    @app.post(base)
    def solve():
        if not authorized():
            response = json_response(401, express.error(express.INPUT_ERROR, "Missing or invalid API key."))
            response.headers["WWW-Authenticate"] = 'Bearer realm="vroom"'
            return response
        try:
            body = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        refused = express.refusal(body, settings.limits)
        if refused is not None:
            return json_response(*refused)
        answer = pool.answer(body, express.read_request(body))
        return json_response(express.http_status(answer), answer)

    @app.get(base + "health")
    def health():
        answer = pool.answer(dict(express.HEALTHCHECK_PROBLEM), express.Request(time_limit=1.0))
        if answer.get("code") != express.OK:
            log.error("health check failed: %s", answer.get("error"))
        return Response(b"", status=200 if answer.get("code") == express.OK else 500, mimetype="application/json")

    @app.route(base, methods=["OPTIONS"])
    @app.route(base + "health", methods=["OPTIONS"])
    def preflight():
        return Response(b"", status=204)

    @app.errorhandler(413)
    def too_large(_error):
        return json_response(413, express.error(express.TOO_LARGE, f"Request body over {settings.max_body_bytes} bytes"))

    @app.errorhandler(404)
    @app.errorhandler(405)
    def not_here(_error):
        return Response(f"Cannot {request.method} {request.path}", status=404, mimetype="text/html")

    @app.after_request
    def headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if "*" in settings.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin and origin in settings.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        if "Access-Control-Allow-Origin" in response.headers:
            allowed = DEFAULT_ALLOWED_HEADERS + (", Authorization, X-Api-Key" if settings.api_key else "")
            response.headers["Access-Control-Allow-Headers"] = allowed
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        # as helmet's defaults do for vroom-express
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app


def serve(settings: ServerSettings, host: str, port: int, *, threads: int = 16, base_url: str = "/") -> None:
    """Run the server in this process with gunicorn's threaded worker until stopped."""
    from gunicorn.app.base import BaseApplication

    pool_holder = {}

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
            self.cfg.set("workers", 1)  # one process serves; solving has its own processes
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", int(settings.timeout_s) + 60)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("accesslog", "-")
            self.cfg.set("proc_name", "lastmile-vroom")
            self.cfg.set("worker_exit", lambda _server, _worker: pool_holder.get("pool") and pool_holder["pool"].shutdown())

        def load(self):
            pool = SolverPool(settings)
            pool_holder["pool"] = pool
            pool.warm()
            return create_server_app(settings, pool, base_url)

    _Server().run()
