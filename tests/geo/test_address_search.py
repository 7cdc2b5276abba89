"""The order form's address search: the organization's corrected pin first, then the geocoder (a local
stand-in speaking Nominatim's /search), a clear answer when none is configured or it is down."""
from tests.geo.test_geocoding import geo_app, geocoder  # noqa: F401  (fixtures)
from tests.support import make_org, order_payload


def test_the_form_finds_an_address_and_a_corrected_pin_wins(geo_app, geocoder):  # noqa: F811
    api = make_org(geo_app, "geosearch", 5145550600).as_role("dispatcher")
    found = api.get("/api/v1/dispatch/address-search?q=4500 Rue Saint-Denis, Montréal")
    assert found.status_code == 200, found.get_json()
    assert found.get_json() == {"found": True, "lat": 45.5262, "lon": -73.5853, "source": "geocoder",
                                "display_name": "4500, Rue Saint-Denis, Montréal"}
    assert api.get("/api/v1/dispatch/address-search?q=Nowhere 99").get_json() == {"found": False}
    down = api.get("/api/v1/dispatch/address-search?q=down town")
    assert down.status_code == 503 and down.get_json()["code"] == "geocoder_unavailable"
    assert api.get("/api/v1/dispatch/address-search?q=ab").status_code == 422

    order = api.post("/api/v1/orders", json=order_payload("PIN-1", address="7 Rue Fictive")).get_json()
    api.put(f"/api/v1/orders/{order['id']}/pin", json={"lat": 45.6, "lon": -73.7})
    corrected = api.get("/api/v1/dispatch/address-search?q=7 rue fictive").get_json()
    assert (corrected["lat"], corrected["source"]) == (45.6, "corrected")
    assert api.get("/api/v1/dispatch/settings").get_json()["geocoder"] is True


def test_without_a_geocoder_the_form_is_told_to_use_the_map(dispatcher):
    refused = dispatcher.get("/api/v1/dispatch/address-search?q=4500 Rue Saint-Denis")
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_geocoder"
    assert dispatcher.get("/api/v1/dispatch/settings").get_json()["geocoder"] is False
