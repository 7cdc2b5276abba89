"""The address customers reach: the base of every link the server writes into a message.

Business rules
- `PUBLIC_BASE_URL`, when set, is the address: behind a proxy or a domain name only the operator knows it.
- Unset, a link written while answering a request uses the address that request reached the server on
  (scheme, host, port and path prefix; with `TRUSTED_PROXY_HOPS`, what the proxy says in
  `X-Forwarded-*`), so a server started on another host or port sends links that open.
- Unset, a link written by a job worker (no request) uses the address the web server announced when it
  started (`announce`), kept in the job system's store that every worker reads (the SQLite queue file of
  the instance folder embedded, Redis scaled out); before any announcement, `HOST` and `PORT`.
- A server listening beyond loopback without `PUBLIC_BASE_URL` says so in its log at start: its links
  follow whatever address people type, which a production deployment should pin.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import time

from flask import current_app, has_request_context, request

log = logging.getLogger("lastmile.public_url")

_ANNOUNCED_KEY = "server:announced-url"
_WILDCARD = {"", "0.0.0.0", "::", "[::]"}
_cache: dict = {"url": None, "read_at": 0.0}
_CACHE_S = 30.0


def _format_host(host: str) -> str:
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def _reachable_host() -> str:
    """This machine's address on its main network (a listener on every interface has no one address)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # a documentation address: UDP connect sends nothing
            address = probe.getsockname()[0]
        if address and not address.startswith("0."):
            return address
    except OSError:
        pass
    return socket.gethostname() or "127.0.0.1"


def served_address(config) -> str:
    """The address the server listens on, as a person would type it (HOST and PORT)."""
    host = str(config.get("HOST") or "127.0.0.1").strip()
    if host in _WILDCARD:
        host = _reachable_host()
    port = int(config.get("PORT") or 80)
    return f"http://{_format_host(host)}" + ("" if port == 80 else f":{port}")


def is_loopback(host: str) -> bool:
    host = (host or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def announce(app) -> str:
    """At server start: the address links use while PUBLIC_BASE_URL is unset, stored where workers read it;
    a warning when the server listens beyond loopback without PUBLIC_BASE_URL. Returns the link base."""
    configured = app.config.get("PUBLIC_BASE_URL")
    served = served_address(app.config)
    if configured:
        return configured
    if not is_loopback(str(app.config.get("HOST") or "")):
        log.warning("PUBLIC_BASE_URL is not set: links in customers' messages will point at %s (or at the address "
                    "each request came in on). Set PUBLIC_BASE_URL to the address customers reach, e.g. "
                    "https://track.example.com, and TRUSTED_PROXY_HOPS when a proxy stands in front.", served)
    try:
        from backend.jobs import queue

        queue.put_state(_ANNOUNCED_KEY, {"url": served, "at": time.time()})
    except Exception:  # workers then fall back on HOST and PORT, which is what was announced anyway
        log.exception("could not store the announced address for the job workers")
    _cache.update(url=served, read_at=time.monotonic())
    return served


def _announced() -> str | None:
    if _cache["url"] and time.monotonic() - _cache["read_at"] < _CACHE_S:
        return _cache["url"]
    try:
        from backend.jobs import queue

        state = queue.peek_state(_ANNOUNCED_KEY) or {}
    except Exception:
        state = {}
    _cache.update(url=state.get("url"), read_at=time.monotonic())
    return _cache["url"]


def forget_announced() -> None:
    """Tests: a fresh process's view."""
    _cache.update(url=None, read_at=0.0)


def public_base_url() -> str:
    """The base of links written now (no trailing slash): see the module's rules."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    if has_request_context():
        return request.url_root.rstrip("/")
    return _announced() or served_address(current_app.config)


def install_proxy_fix(app) -> None:
    """Behind TRUSTED_PROXY_HOPS proxies, the client's address, scheme, host, port and path prefix are the
    ones the proxies forwarded (werkzeug's ProxyFix); without it X-Forwarded-* is ignored, since anyone can
    send them. Wraps the whole app, Socket.IO included."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops <= 0:
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
