"""Security headers on every answer: what a browser may run, load, frame and guess.

- Every answer: `X-Content-Type-Options: nosniff` (a proof photo is never run as HTML or script, whatever
  its bytes) and `X-Frame-Options: DENY`, with `frame-ancestors 'none'` in every policy below (no page of
  ours inside another site's frame: no clickjacking of the console or the driver app).
- Pages (any text/html answer: the three apps' shells, and any page added later) and the service worker:
  a Content-Security-Policy without inline script. Scripts, styles, fonts, manifests and workers come
  from this origin only; images from this origin, `data:`/`blob:` (photos before upload) and the map
  tile host; connections to this origin (HTTP and the Socket.IO websocket) and the tile host. A
  stored address holding `<img onerror=...>` that slipped past escaping would still not run.
- API answers (JSON, CSV, proof files): `default-src 'none'; sandbox` — opened as a document, nothing in
  them runs or loads.

The tile host comes from MAP_TILE_URL (OpenStreetMap's tiles when unset); a `{s}` subdomain template
becomes a wildcard (`https://{s}.tile.example.com/...` -> `https://*.tile.example.com`).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

from backend.config import map_tiles

API_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"
HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def tile_source(template: str) -> str | None:
    """The CSP source a tile URL template loads from; None for a same-origin (relative) template."""
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host, _, port = parts.netloc.rpartition("@")[2].partition(":")
    labels = host.split(".")
    templated = [index for index, label in enumerate(labels) if "{" in label]
    if templated:
        # CSP allows a wildcard only as the leftmost label: widen from the rightmost templated label.
        labels = ["*", *labels[templated[-1] + 1:]]
    source = f"{parts.scheme}://{'.'.join(labels)}"
    if port and "{" not in port:
        source += f":{port}"
    return source


def page_policy(config, host: str) -> str:
    tiles = tile_source(map_tiles(config)["tile_url"])
    tile = f" {tiles}" if tiles else ""
    # 'self' covers ws:/wss: of the same host in CSP Level 3; naming them keeps older engines working.
    sockets = f" ws://{host} wss://{host}" if HOST.match(host or "") else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob:{tile}",
        f"connect-src 'self'{sockets}{tile}",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _add_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" in response.headers:
        return response
    if response.mimetype == "text/html" or request.path == "/sw.js":
        response.headers["Content-Security-Policy"] = page_policy(current_app.config, request.host)
    elif request.path.startswith("/api/"):
        response.headers["Content-Security-Policy"] = API_POLICY
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)
