"""Every socket payload comes from a named builder and survives a JSON round trip unchanged."""
import json
from datetime import timedelta

from backend.dispatch import payloads
from backend.geo import sphere
from backend.dispatch import eta
from tests.dispatch.helpers import make_orders, make_route


def test_builders_produce_plain_json(app, org, dispatcher):
    ids = make_orders(dispatcher, 2)
    route_id = make_route(dispatcher, org, ids, publish=True)["id"]
    from backend.dispatch.models import Route
    from backend.extensions import db

    with app.app_context():
        route = db.session.get(Route, route_id)
        stop = route.stops[0]
        stop.eta_at = max(w.end_at for w in stop.order.time_windows) + timedelta(hours=3)
        built = [payloads.route_snapshot(route), payloads.route_updated(route, {"kind": "resequenced"}),
                 payloads.route_updated_for_driver(route, {"kind": "added", "stop_id": stop.id}),
                 eta.eta_updated_payload(route, [stop], False),
                 eta.customer_eta_payload(stop, True),
                 eta.late_risk_payload(route)]
        for payload in built:
            assert json.loads(json.dumps(payload)) == payload
        assert set(eta.customer_eta_payload(stop, True)) == {"eta", "stale_position"}
        assert built[-1]["count"] == 1 and built[-1]["stops"][0]["late_by_s"] == 3 * 3600


def test_distance_is_great_circle():
    # Montréal to Québec City: about 233 km as the crow flies.
    assert 230_000 < sphere.distance_m(45.5017, -73.5673, 46.8139, -71.2080) < 236_000
