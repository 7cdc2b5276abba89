"""Serving the built progressive web apps (pwa/dist) from the same origin as the API.

Same origin keeps the session cookie, CSRF and Socket.IO simple and lets one service worker at /sw.js
cover /driver and /dispatch. Hashed /assets/* are cached for a year; the HTML shells, the service
worker and the manifests are revalidated on every load so a new build reaches phones promptly.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory

from backend.resources import pwa_dist

bp = Blueprint("web", __name__)

DEFAULT_DIST = pwa_dist()
ONE_YEAR = 365 * 24 * 3600
APPS = {"driver": "driver/index.html", "dispatch": "dispatch/index.html", "track": "track/index.html",
        "home": "index.html", "admin": "admin/index.html",
        "docs": "docs/index.html", "print": "print/index.html"}
MANIFESTS = {"driver.webmanifest", "dispatch.webmanifest"}


def _dist() -> Path:
    return Path(current_app.config.get("PWA_DIST") or DEFAULT_DIST)


def _not_built() -> Response:
    message = ("The web apps are not built (pwa/dist is missing). Run `make run`, or `npm ci && npm run build` "
               "in pwa/.\n")
    return Response(message, status=503, mimetype="text/plain", headers={"Retry-After": "30"})


def _send(relative: str, *, cache_seconds: int | None = None, mimetype: str | None = None) -> Response:
    dist = _dist()
    if not (dist / ".built").exists() and not (dist / relative).exists():
        return _not_built()
    response = send_from_directory(dist, relative, mimetype=mimetype, max_age=cache_seconds or 0)
    if cache_seconds:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def _app_shell(name: str) -> Response:
    response = _send(APPS[name])
    # The shells are tiny and must never be stale in a shared cache.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/driver")
@bp.get("/driver/")
@bp.get("/driver/<path:_rest>")
def driver_app(_rest: str | None = None):
    return _app_shell("driver")


@bp.get("/dispatch")
@bp.get("/dispatch/")
@bp.get("/dispatch/<path:_rest>")
def dispatch_app(_rest: str | None = None):
    return _app_shell("dispatch")


@bp.get("/")
def landing_page():
    # Links to the console, the driver app and the API docs; on an empty installation, the first sign-up.
    return _app_shell("home")


@bp.get("/admin")
@bp.get("/admin/")
@bp.get("/admin/<path:_rest>")
def admin_app(_rest: str | None = None):
    return _app_shell("admin")


@bp.get("/t/<token>")
def tracking_page(token: str):
    # The page reads the token from its own address; a wrong token is told apart by the API, not here.
    response = _app_shell("track")
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is a secret link
    return response


@bp.get("/print/routes")
@bp.get("/print/routes/<int:route_id>")
def route_sheet_page(route_id: int | None = None):
    # The page reads the route (or `?ids=` several) from its own address; the API answers who may see each one.
    return _app_shell("print")


@bp.get("/api/docs")
def api_reference():
    """The API reference, rendered in the browser from /api/v1/openapi.json (problem `type` URIs point here)."""
    return _app_shell("docs")


@bp.get("/sw.js")
def service_worker():
    response = _send("sw.js", mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/<name>.webmanifest")
def manifest(name: str):
    if f"{name}.webmanifest" not in MANIFESTS:
        return Response("Not found\n", status=404, mimetype="text/plain")
    return _send(f"{name}.webmanifest", mimetype="application/manifest+json")


@bp.get("/icons/<path:filename>")
def icons(filename: str):
    return _send(f"icons/{filename}", cache_seconds=24 * 3600)


@bp.get("/assets/<path:filename>")
def assets(filename: str):
    return _send(f"assets/{filename}", cache_seconds=ONE_YEAR)
