"""backend/web.py: the built PWA served from the API's origin, with the cache rules each file needs."""
from __future__ import annotations

import pytest

from tests.conftest import base_config


def make_client(tmp_path, dist):
    from backend import create_app

    app = create_app(base_config(f"sqlite:///{tmp_path / 'web.db'}", tmp_path / "instance", PWA_DIST=str(dist)))
    return app.test_client()


@pytest.fixture
def built_dist(tmp_path):
    """A minimal stand-in for pwa/dist with each kind of file the blueprint serves."""
    dist = tmp_path / "dist"
    for relative, content in {
        ".built": "abc\n",
        "driver/index.html": "<title>driver shell</title>",
        "dispatch/index.html": "<title>dispatch shell</title>",
        "track/index.html": "<title>track shell</title>",
        "sw.js": "self.addEventListener('fetch', () => {});",
        "driver.webmanifest": '{"name": "Lastmile Driver"}',
        "assets/driver-1a2b3c.js": "console.log('driver');",
        "icons/icon-192.png": "png",
    }.items():
        path = dist / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return dist


def test_without_a_build_the_apps_answer_503_saying_how_to_build(tmp_path):
    client = make_client(tmp_path, tmp_path / "no-dist")
    for url in ("/driver", "/sw.js", "/assets/driver-1a2b3c.js"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "make run" in response.get_data(as_text=True) and "npm run build" in response.get_data(as_text=True)


def test_every_driver_address_gets_the_driver_shell_revalidated_on_each_load(tmp_path, built_dist):
    client = make_client(tmp_path, built_dist)
    for url in ("/driver", "/driver/", "/driver/stops/12/deliver"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "driver shell" in response.get_data(as_text=True)
        assert response.cache_control.no_cache
    assert "dispatch shell" in client.get("/dispatch/routes/3").get_data(as_text=True)


def test_the_tracking_page_keeps_its_secret_link_out_of_referrers(tmp_path, built_dist):
    response = make_client(tmp_path, built_dist).get("/t/abcdefghijklmnopqrstuvwxyz")
    assert "track shell" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_service_worker_may_control_the_whole_origin_and_is_never_cached(tmp_path, built_dist):
    response = make_client(tmp_path, built_dist).get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.mimetype == "text/javascript"
    assert response.cache_control.no_cache


def test_hashed_assets_are_cached_for_a_year_and_nothing_outside_dist_is_served(tmp_path, built_dist):
    client = make_client(tmp_path, built_dist)
    response = client.get("/assets/driver-1a2b3c.js")
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    (tmp_path / "secret.txt").write_text("secret")
    assert client.get("/assets/../../secret.txt").status_code == 404
    assert client.get("/assets/missing.js").status_code == 404


def test_only_known_manifests_are_served_with_their_media_type(tmp_path, built_dist):
    client = make_client(tmp_path, built_dist)
    response = client.get("/driver.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    assert client.get("/other.webmanifest").status_code == 404
