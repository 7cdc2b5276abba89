"""Route paths for the map: OSRM's roads when configured (a stand-in speaking its route service), else straight."""
import pytest

from tests.dispatch.helpers import make_orders, make_route
from tests.standins import StandIn
from tests.support import make_org


def osrm(record):
    from urllib.parse import unquote

    coordinates = unquote(record["path"]).rsplit("/", 1)[-1].split(";")
    points = [[float(c.split(",")[0]), float(c.split(",")[1])] for c in coordinates]
    if record["path"].startswith("/table/"):
        # The table service, for planning: 100 m and 20 s per 0.001 degree, as the crow flies.
        cost = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in points] for a in points]
        return 200, {"code": "Ok", "durations": [[c * 20_000 for c in row] for row in cost],
                     "distances": [[c * 100_000 for c in row] for row in cost]}, None
    # A "road" with a bend between every two points: the midpoint shifted north.
    path = []
    for (lon1, lat1), (lon2, lat2) in zip(points, points[1:]):
        path += [[lon1, lat1], [(lon1 + lon2) / 2, (lat1 + lat2) / 2 + 0.001]]
    path.append(points[-1])
    return 200, {"code": "Ok", "routes": [{"distance": 1000, "duration": 100,
                                           "geometry": {"type": "LineString", "coordinates": path}}]}, None


@pytest.fixture
def osrm_app(app_config):
    from backend import create_app

    with StandIn(osrm) as server:
        app_config["OSRM_URL"] = server.url
        yield create_app(app_config), server


def test_a_road_network_outage_is_a_clear_503_not_a_crash(app_config, dispatcher, org):
    from backend import create_app
    from tests.support import make_org as fresh_org

    app_config["OSRM_URL"] = "http://127.0.0.1:9"  # nothing listens there
    broken = fresh_org(create_app(app_config), "outage", 5145550800).as_role("dispatcher")
    ids = make_orders(broken, 2)
    response = broken.post("/api/v1/routes", json={"date": "2030-01-02", "order_ids": ids})
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "routing_error"


def test_without_osrm_the_path_is_straight_legs(org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2))
    geometry = dispatcher.get(f"/api/v1/routes/{route['id']}/geometry").get_json()
    assert geometry["mode"] == "straight" and len(geometry["points"]) == 4
    assert geometry["points"][1] == [route["stops"][0]["order"]["lat"], route["stops"][0]["order"]["lon"]]
    assert org.as_role("driver").get(f"/api/v1/routes/{route['id']}/geometry").status_code == 403


def test_with_osrm_the_path_follows_the_roads_and_is_cached_per_version(osrm_app):
    app, server = osrm_app
    org = make_org(app, "roads", 5145550700)
    dispatcher = org.as_role("dispatcher")
    route = make_route(dispatcher, org, make_orders(dispatcher, 2))
    first = dispatcher.get(f"/api/v1/routes/{route['id']}/geometry").get_json()
    assert first["mode"] == "road" and len(first["points"]) == 7  # 4 points, a bend in each of 3 legs
    road_calls = [r for r in server.requests if r["path"].startswith("/route/v1/")]
    assert road_calls and road_calls[-1]["query"]["geometries"] == ["geojson"]
    calls = len([r for r in server.requests if "/route/v1/" in r["path"]])
    dispatcher.get(f"/api/v1/routes/{route['id']}/geometry")
    assert len([r for r in server.requests if "/route/v1/" in r["path"]]) == calls
