"""A round of live fixes (dispatch.live_fixes) means what a single fix means: here, the geofence of the
next stop is that stop's own end of the order — a pickup stop is where the parcel is collected."""
from datetime import datetime, timedelta, timezone

from backend.auth.models import Role
from backend.auth.principal import Principal
from backend.dispatch import live_fixes
from backend.dispatch.models import Stop, StopStatus
from backend.extensions import db
from backend.fleet.models import Driver
from backend.orders.enums import OrderType, StopKind
from backend.unit_of_work import unit_of_work
from tests.dispatch.helpers import action, make_orders, make_route


def _fixes_at(principal, lat, lon, start):
    for offset in (0, 30, 60):  # three rounds over a minute: longer than the geofence's dwell
        round_ = [live_fixes.LiveFix(principal, {"lat": lat, "lon": lon, "accuracy": 5, "heading": None,
                                                 "speed": None, "at": start + timedelta(seconds=offset)})]
        live_fixes.record_live_fixes(round_)
        assert [item.refused for item in round_] == [None]


def test_the_driver_arrives_at_a_pickup_stop_where_the_parcel_is_collected_not_at_its_delivery(app, org,
                                                                                               dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 2), publish=True)
    start = datetime.now(timezone.utc) - timedelta(minutes=5)
    started = action(org.as_role("driver"), route, "route.start", at=start)
    assert started.status_code == 200, started.get_json()
    first = started.get_json()["route"]["stops"][0]
    with app.app_context():
        with unit_of_work():
            stop = db.session.get(Stop, first["id"])
            stop.kind = StopKind.pickup
            stop.order.type = OrderType.return_
            stop.order.pickup_address = "Collection point"
            stop.order.pickup_lat, stop.order.pickup_lon = stop.order.lat + 0.05, stop.order.lon  # ~5.5 km north
        pickup = (stop.order.pickup_lat, stop.order.pickup_lon)
        delivery = (stop.order.lat, stop.order.lon)
        user_id = db.session.get(Driver, org.driver_id).user_id
        principal = Principal(kind="user", id=user_id, org_id=org.org_id, role=Role.driver, driver_id=org.driver_id,
                              via_session=True)

        _fixes_at(principal, *delivery, start + timedelta(seconds=60))
        assert db.session.get(Stop, first["id"]).status is StopStatus.pending
        db.session.remove()

        _fixes_at(principal, *pickup, start + timedelta(seconds=180))
        arrived = db.session.get(Stop, first["id"])
        assert arrived.status is StopStatus.arrived and arrived.actual_arrival_at is not None
        db.session.remove()
