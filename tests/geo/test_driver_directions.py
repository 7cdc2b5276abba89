"""The driver's directions and route map against a stand-in OSRM (a real HTTP server speaking its route service).

What the driver app needs from them: each step's manoeuvre (type, modifier, roundabout exit) and street, so the
app words it in its own language; the leg's path as [lat, lon] for the map; the straight line, and why, when
OSRM cannot help; nobody else's stops or routes.
"""
from urllib.parse import unquote

import pytest

from tests.dispatch.helpers import make_orders, make_route
from tests.standins import StandIn
from tests.support import make_org

# Two manoeuvres between the start and the stop: a left turn and a roundabout's second exit.
STEPS = [
    {"distance": 120.4, "duration": 20.1, "name": "Rue Ontario Est", "ref": "",
     "maneuver": {"type": "depart", "location": [-73.6000, 45.5000], "bearing_after": 90}},
    {"distance": 350.0, "duration": 45.0, "name": "Boulevard Saint-Laurent", "ref": "QC 335",
     "maneuver": {"type": "turn", "modifier": "left", "location": [-73.5985, 45.5000]}},
    {"distance": 80.0, "duration": 12.0, "name": "Avenue du Parc",
     "maneuver": {"type": "roundabout", "modifier": "right", "exit": 2, "location": [-73.5985, 45.5031]}},
    {"distance": 0, "duration": 0, "name": "Avenue du Parc",
     "maneuver": {"type": "arrive", "location": [-73.5975, 45.5035]}},
]


class Osrm:
    """Answers the route service with STEPS, or what a test sets in `answer`; the table service for planning."""

    def __init__(self):
        self.answer = None

    def __call__(self, record):
        coordinates = unquote(record["path"]).rsplit("/", 1)[-1].split(";")
        if record["path"].startswith("/table/"):
            size = len(coordinates)
            return 200, {"code": "Ok", "durations": [[60.0] * size] * size,
                         "distances": [[500.0] * size] * size}, None
        if self.answer is not None:
            return self.answer
        path = [[float(c.split(",")[0]), float(c.split(",")[1])] for c in coordinates]
        line = [path[0], [-73.5985, 45.5000], [-73.5985, 45.5031], path[-1]]
        return 200, {"code": "Ok", "routes": [{"distance": 550.4, "duration": 77.1,
                                               "geometry": {"type": "LineString", "coordinates": line},
                                               "legs": [{"steps": STEPS}]}]}, None


@pytest.fixture
def roads(app_config):
    from backend import create_app

    osrm = Osrm()
    with StandIn(osrm) as server:
        app_config.update(OSRM_URL=server.url, OUTBOUND_ALLOW_HTTP=True, OUTBOUND_ALLOWED_NETWORKS="127.0.0.1")
        app = create_app(app_config)
        org = make_org(app, "guided", 5145551300)
        dispatcher = org.as_role("dispatcher")
        route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
        yield org, route, osrm, server


def ask(driver, stop, lat=45.5, lon=-73.6):
    return driver.get(f"/api/v1/driver/directions?stop_id={stop['id']}&lat={lat}&lon={lon}")


def test_the_steps_carry_the_manoeuvre_and_the_street_for_the_app_to_word_and_the_leg_path(roads):
    org, route, _osrm, server = roads
    stop = route["stops"][0]
    response = ask(org.as_role("driver"), stop)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["mode"] == "osrm" and body["distance_m"] == 550 and body["duration_s"] == 77
    assert [(s["maneuver"]["type"], s["maneuver"]["modifier"], s["maneuver"]["exit"]) for s in body["steps"]] == [
        ("depart", None, None), ("turn", "left", None), ("roundabout", "right", 2), ("arrive", None, None)]
    assert [s["name"] for s in body["steps"]][1:3] == ["Boulevard Saint-Laurent", "Avenue du Parc"]
    assert body["steps"][1]["ref"] == "QC 335" and body["steps"][1]["distance_m"] == 350
    assert body["steps"][1]["maneuver"]["location"] == [-73.5985, 45.5000]  # OSRM's [lon, lat], as documented
    # The path is [lat, lon] like every other point the app draws, from the start to the stop.
    assert body["geometry"][0] == [45.5, -73.6] and body["geometry"][1] == [45.5, -73.5985]
    assert body["destination"] == [stop["order"]["lat"], stop["order"]["lon"]]
    asked = [r for r in server.requests if r["path"].startswith("/route/v1/driving/")][-1]
    assert asked["query"]["steps"] == ["true"] and asked["query"]["geometries"] == ["geojson"]
    assert asked["query"]["overview"] == ["full"]


def test_an_answer_that_is_not_osrms_falls_back_to_the_straight_line_and_says_why(roads):
    org, route, osrm, _server = roads
    stop = route["stops"][0]
    driver = org.as_role("driver")
    osrm.answer = (200, {"code": "Ok", "routes": [{"distance": "far", "legs": [{"steps": [{"maneuver": 7}]}]}]}, None)
    body = ask(driver, stop).get_json()
    assert body["mode"] == "bearing" and body["fallback_reason"] == "osrm_error" and body["steps"] == []
    assert body["geometry"] == [[45.5, -73.6], [stop["order"]["lat"], stop["order"]["lon"]]]
    assert 0 <= body["bearing_deg"] < 360 and body["distance_m"] > 0

    osrm.answer = (503, b"<html>busy</html>", {"Content-Type": "text/html"})
    body = ask(driver, stop).get_json()
    assert body["mode"] == "bearing" and body["fallback_reason"] == "osrm_unreachable"

    osrm.answer = (400, {"code": "NoRoute", "message": "Impossible route between points"}, None)
    refused = ask(driver, stop)
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "no_route_found"


def test_without_osrm_the_directions_are_the_straight_line(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 1), publish=True)
    stop = route["stops"][0]
    body = ask(org.as_role("driver"), stop, lat=stop["order"]["lat"] - 0.009, lon=stop["order"]["lon"]).get_json()
    assert body["mode"] == "bearing" and "fallback_reason" not in body and body["steps"] == []
    assert body["distance_m"] == pytest.approx(1000, abs=5) and body["bearing_deg"] == pytest.approx(0, abs=0.5)


def test_the_route_map_gives_the_road_path_the_tiles_and_whether_steps_come(roads):
    org, route, _osrm, _server = roads
    driver = org.as_role("driver")
    response = driver.get(f"/api/v1/driver/routes/{route['id']}/map")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["turn_by_turn"] is True and body["mode"] == "road" and body["route_id"] == route["id"]
    assert body["tile_url"].endswith("{z}/{x}/{y}.png") and body["tile_attribution"]
    assert len(body["points"]) >= 4 and all(len(point) == 2 for point in body["points"])


def test_without_osrm_the_route_map_is_straight_legs_and_says_there_are_no_steps(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    body = org.as_role("driver").get(f"/api/v1/driver/routes/{route['id']}/map").get_json()
    assert body["turn_by_turn"] is False and body["mode"] == "straight" and len(body["points"]) == 4
    assert body["points"][1] == [route["stops"][0]["order"]["lat"], route["stops"][0]["order"]["lon"]]


def test_another_drivers_stops_and_routes_are_not_found(org, dispatcher):
    theirs = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="T"), publish=True,
                        driver_id=org.other_driver_id)
    driver = org.as_role("driver")
    assert ask(driver, theirs["stops"][0]).status_code == 404
    assert driver.get(f"/api/v1/driver/routes/{theirs['id']}/map").status_code == 404
    assert org.as_role("dispatcher").get(f"/api/v1/driver/routes/{theirs['id']}/map").status_code == 403
    bad = driver.get(f"/api/v1/driver/directions?stop_id={theirs['stops'][0]['id']}&lat=91&lon=0")
    assert bad.status_code == 422 and "lat" in bad.get_json()["error"]["fields"]
