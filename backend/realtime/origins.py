"""Which web pages may open a Socket.IO connection (the browser's Origin header on the handshake).

A socket carries the session cookie, so a page on another site must not open one in a logged-in user's
browser (cross-site WebSocket hijacking). Allowed: the page's own origin (the address the server was
reached on, as Host and X-Forwarded-Proto/-Host say), PUBLIC_BASE_URL's origin, and each origin listed in
SOCKETIO_ALLOWED_ORIGINS. Clients that send no Origin (phones' native code, the simulator, scripts) are
not browsers acting for someone else and are let through; they still need a session or a tracking token.
"""
from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _own_origins(environ: dict) -> set[str]:
    host = environ.get("HTTP_HOST")
    if not host:
        return set()
    scheme = environ.get("wsgi.url_scheme", "http")
    own = {f"{scheme}://{host}".lower()}
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        own.add(f"{forwarded_scheme}://{forwarded_host}".lower())
    return own


def origin_check(config: dict):
    """The `cors_allowed_origins` callable for python-engineio: (origin, environ) -> allowed."""
    configured = {origin_of(item) for item in (config.get("SOCKETIO_ALLOWED_ORIGINS") or "").split(",") if item.strip()}
    configured.add(origin_of(config.get("PUBLIC_BASE_URL") or ""))
    configured.discard(None)

    def allowed(origin: str | None, environ: dict | None = None) -> bool:
        if not origin:
            return True
        origin = origin.strip().lower()
        return origin in configured or origin in _own_origins(environ or {})

    return allowed
