"""Geocoding through a Nominatim-compatible service (a local stand-in speaking its /search API)."""
import pytest

from tests.standins import StandIn
from tests.support import make_org, order_payload

KNOWN = {"4500 rue saint-denis, montreal": {"lat": "45.5262", "lon": "-73.5853",
                                            "display_name": "4500, Rue Saint-Denis, Montréal"}}


def nominatim(record):
    if record["path"] != "/search":
        return 404, {"error": "not found"}, None
    query = record["query"].get("q", [""])[0].lower()
    if "down" in query:
        return 503, {"error": "overloaded"}, None
    hit = KNOWN.get(query.replace("é", "e"))
    return 200, ([dict(hit, place_id=1)] if hit else []), None


@pytest.fixture
def geocoder():
    with StandIn(nominatim) as server:
        yield server


@pytest.fixture
def geo_app(app_config, geocoder):
    from backend import create_app

    app_config["GEOCODER_URL"] = geocoder.url
    return create_app(app_config)


def test_address_without_coordinates_is_geocoded_once_then_cached(geo_app, geocoder):
    org = make_org(geo_app, "geo", 5145550500)
    api = org.as_role("dispatcher")
    payload = order_payload("G-1", address="4500 Rue Saint-Denis, Montréal", lat=None, lon=None)
    response = api.post("/api/v1/orders", json=payload)
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert (order["lat"], order["lon"], order["geocode_source"]) == (45.5262, -73.5853, "geocoder")
    assert geocoder.requests[0]["query"]["format"] == ["jsonv2"]
    assert "lastmile" in geocoder.requests[0]["headers"]["User-Agent"]
    api.post("/api/v1/orders", json=dict(payload, external_ref="G-2", address="4500 rue Saint-Denis,  Montreal"))
    assert len(geocoder.requests) == 1  # the second, differently written address came from the cache


def test_unknown_address_and_geocoder_outage_are_row_errors(geo_app, geocoder):
    api = make_org(geo_app, "geo", 5145550500).as_role("dispatcher")
    unknown = api.post("/api/v1/orders", json=order_payload("G-3", address="Nowhere 1", lat=None, lon=None))
    assert unknown.status_code == 422
    assert "address" in unknown.get_json()["error"]["fields"]
    down = api.post("/api/v1/orders", json=order_payload("G-4", address="down street", lat=None, lon=None))
    assert down.status_code == 422
    assert "unavailable" in down.get_json()["error"]["fields"]["address"][0]


def test_without_a_geocoder_coordinates_are_required(dispatcher):
    response = dispatcher.post("/api/v1/orders", json=order_payload("N-1", lat=None, lon=None))
    assert response.status_code == 422
    assert "lat" in response.get_json()["error"]["fields"]


def test_a_corrected_pin_is_remembered_for_the_address(geo_app, geocoder):
    api = make_org(geo_app, "geo", 5145550500).as_role("dispatcher")
    payload = order_payload("P-1", address="4500 Rue Saint-Denis, Montréal", lat=None, lon=None)
    order = api.post("/api/v1/orders", json=payload).get_json()
    moved = api.put(f"/api/v1/orders/{order['id']}/pin", json={"lat": 45.5270, "lon": -73.5861})
    assert moved.status_code == 200 and moved.get_json()["geocode_source"] == "corrected"
    follow_up = api.post("/api/v1/orders", json=dict(payload, external_ref="P-2")).get_json()
    assert (follow_up["lat"], follow_up["lon"], follow_up["geocode_source"]) == (45.5270, -73.5861, "corrected")
    events = api.get(f"/api/v1/orders/{order['id']}/events").get_json()
    assert events[-1]["type"] == "pin_corrected"
