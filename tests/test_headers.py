"""Security headers (backend/headers.py): a page's Content-Security-Policy allows no inline script, no page
can be framed, no answer is sniffed into something else, and API answers run nothing when opened."""
from __future__ import annotations

import pytest

from backend.headers import page_policy, tile_source
from tests.conftest import base_config

PAGES = ("/driver", "/driver/stops/3/deliver", "/dispatch", "/dispatch/analytics", "/t/abcdefghijklmnopqrstuvwxyz")


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def client(tmp_path):
    from backend import create_app

    dist = tmp_path / "dist"
    for relative, content in {
        ".built": "abc\n", "driver/index.html": "<title>driver</title>", "dispatch/index.html": "<title>dispatch</title>",
        "track/index.html": "<title>track</title>", "sw.js": "self.addEventListener('fetch', () => {});",
        "driver.webmanifest": "{}", "assets/driver-1a2b3c.js": "console.log(1)", "icons/icon-192.png": "png",
    }.items():
        (dist / relative).parent.mkdir(parents=True, exist_ok=True)
        (dist / relative).write_text(content)
    config = base_config(f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "instance", PWA_DIST=str(dist),
                         MAP_TILE_URL="https://{s}.tiles.example.net:8443/{z}/{x}/{y}.png")
    return create_app(config).test_client()


def test_pages_allow_scripts_and_styles_from_this_origin_only_and_no_framing(client):
    for path in PAGES:
        response = client.get(path, headers={"Host": "lastmile.example.com:8080"})
        assert response.status_code == 200 and response.mimetype == "text/html", path
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], path
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # The Socket.IO websocket of this origin and the configured tile host, and nothing else.
        assert set(policy["connect-src"]) == {"'self'", "ws://lastmile.example.com:8080", "wss://lastmile.example.com:8080",
                                              "https://*.tiles.example.net:8443"}
        assert set(policy["img-src"]) == {"'self'", "data:", "blob:", "https://*.tiles.example.net:8443"}
    assert client.get("/t/abcdefghijklmnopqrstuvwxyz").headers["Referrer-Policy"] == "no-referrer"


def test_the_service_worker_runs_under_the_page_policy(client):
    policy = directives(client.get("/sw.js").headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and "https://*.tiles.example.net:8443" in policy["connect-src"]


def test_every_file_and_api_answer_is_never_sniffed_nor_framed(client):
    for path in ("/assets/driver-1a2b3c.js", "/icons/icon-192.png", "/driver.webmanifest", "/sw.js", "/healthz",
                 "/api/v1/auth/me", "/api/v1/files/abc123", "/api/v1/track/abcdefghijklmnopqrstuvwxyz/files/abc123"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
    for path in ("/api/v1/auth/me", "/api/v1/track/abcdefghijklmnopqrstuvwxyz"):
        policy = directives(client.get(path).headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'none'"] and "sandbox" in policy, path


def test_a_forged_host_header_adds_nothing_to_the_policy(client):
    policy = client.get("/driver", headers={"Host": "evil; script-src *"}).headers["Content-Security-Policy"]
    assert "evil" not in policy and directives(policy)["script-src"] == ["'self'"]


@pytest.mark.parametrize("template, source", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.example.com/{z}/{x}/{y}.png", "https://*.tile.example.com"),
    ("https://tiles-{s}.maps.example.com/{z}/{x}/{y}.png?key=abc", "https://*.maps.example.com"),
    ("http://127.0.0.1:8081/styles/{z}/{x}/{y}.png", "http://127.0.0.1:8081"),
    ("/tiles/{z}/{x}/{y}.png", None),
])
def test_the_tile_host_of_a_template(template, source):
    assert tile_source(template) == source


def test_a_same_origin_tile_server_needs_no_extra_source():
    policy = directives(page_policy({"MAP_TILE_URL": "/tiles/{z}/{x}/{y}.png"}, "example.com"))
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
