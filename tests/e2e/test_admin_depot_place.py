"""The depot's place in the admin form, in a real browser (issue #16, item 2): searched from its address when
the server has a geocoder (a local Nominatim stand-in), placed by a click on the map otherwise; coordinates are
no longer typed by hand as the only way."""
from __future__ import annotations

import shutil

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.test_admin_screens import ADMIN, _log_in, _shot
from tests.geo.test_geocoding import nominatim
from tests.servers import ServerProcess
from tests.standins import StandIn


@pytest.fixture
def geocoder():
    with StandIn(nominatim) as server:
        yield server


def _server(published_demo_db, tmp_path, **extra):
    from tests.e2e.conftest import DemoServer

    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING", **extra}
    return ServerProcess(env), database


@pytest.fixture
def page_on(playwright_browser):
    contexts, errors = [], []

    def open_page(url: str, locale: str = "en-CA"):
        context = playwright_browser.new_context(base_url=url, viewport={"width": 1280, "height": 1000},
                                                 locale=locale, service_workers="block")
        context.set_default_timeout(15000)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def test_a_depot_is_found_from_its_address_when_a_geocoder_is_configured(published_demo_db, tmp_path, geocoder,
                                                                         page_on):
    process, _ = _server(published_demo_db, tmp_path, GEOCODER_URL=geocoder.url, OUTBOUND_ALLOW_HTTP="1",
                         OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8")
    with process as server:
        page = page_on(server.url)
        _log_in(page, *ADMIN)
        page.get_by_role("link", name="Depots").click()
        page.get_by_role("button", name="Add a depot").click()
        page.get_by_label("Name", exact=True).fill("Plateau hub")
        page.get_by_role("button", name="Find this address").click()
        page.get_by_test_id("address-result").filter(has_text="Type the address first.").wait_for()
        page.get_by_label("Address").fill("4500 rue Saint-Denis, Montreal")
        page.get_by_role("button", name="Find this address").click()
        page.get_by_test_id("address-result").filter(has_text="Found: 4500, Rue Saint-Denis, Montréal").wait_for()
        assert page.get_by_label("Latitude").input_value() == "45.526200"
        assert page.get_by_label("Longitude").input_value() == "-73.585300"
        page.locator(".pin-icon").wait_for()
        _shot(page, "depot-found")
        assert_accessible(page, "the depot form after an address search")

        page.get_by_label("Address").fill("nowhere at all")
        page.get_by_role("button", name="Find this address").click()
        page.get_by_test_id("address-result").filter(has_text="This address was not found").wait_for()
        assert page.get_by_label("Latitude").input_value() == "45.526200", "a failed search keeps the pin"
        page.get_by_label("Address").fill("4500 rue Saint-Denis, Montreal")
        page.get_by_label("Time zone").select_option("America/Toronto")
        page.get_by_role("button", name="Add a depot").last.click()
        page.get_by_role("status").filter(has_text="Saved: Plateau hub.").wait_for()
        admin = server_session(server.url)
        depots = admin.get(f"{server.url}/api/v1/depots?per_page=50", timeout=10).json()["items"]
        [saved] = [d for d in depots if d["name"] == "Plateau hub"]
        assert (saved["lat"], saved["lon"]) == (45.5262, -73.5853)


def server_session(url):
    from tests.servers import login_session

    return login_session(url, *ADMIN)


def test_without_a_geocoder_the_depot_is_placed_by_a_click_on_the_map_in_french(published_demo_db, tmp_path,
                                                                                page_on):
    process, _ = _server(published_demo_db, tmp_path)
    with process as server:
        page = page_on(server.url, "fr-CA")
        _log_in(page, *ADMIN, french=True)
        page.get_by_role("link", name="Dépôts").click()
        page.get_by_role("button", name="Ajouter un dépôt").click()
        assert page.get_by_role("button", name="Trouver cette adresse").count() == 0
        page.get_by_text("Cliquez sur l’emplacement du dépôt sur la carte (aucune recherche").wait_for()
        page.get_by_label("Nom", exact=True).fill("Entrepôt Est")
        box = page.get_by_test_id("depot-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 - 20)
        page.locator(".pin-icon").wait_for()
        lat, lon = page.get_by_label("Latitude").input_value(), page.get_by_label("Longitude").input_value()
        assert lat and lon and -90 <= float(lat) <= 90 and -180 <= float(lon) <= 180
        _shot(page, "depot-map-fr")
        assert_accessible(page, "the depot form placed on the map, in French")
        page.get_by_role("button", name="Ajouter un dépôt").last.click()
        page.get_by_role("status").filter(has_text="Entrepôt Est").wait_for()
        depots = server_session(server.url).get(f"{server.url}/api/v1/depots?per_page=50", timeout=10).json()["items"]
        [saved] = [d for d in depots if d["name"] == "Entrepôt Est"]
        assert (round(saved["lat"], 6), round(saved["lon"], 6)) == (float(lat), float(lon))

        # An existing depot opens with its pin where it is.
        page.get_by_role("button", name="Modifier Entrepôt Est").click()
        page.locator(".pin-icon").wait_for()
