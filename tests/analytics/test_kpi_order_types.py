"""KPIs with returns and pickup-delivery pairs: each end is a stop of its own, judged against its own windows,
failed collections mapped where they happened, a customer's rating counted once per order.

Route (driver one), 13:00-17:00 UTC:
  stop  order   kind      window       left    outcome
  1     P1      pickup    13:00-14:00  13:30   collected        on time
  2     P1      delivery  14:30-16:00  15:00   delivered        on time
  3     R1      pickup    13:00-14:00  16:00   collected        late
  4     P2      pickup    13:00-15:00  14:10   failed not_home  (at the pickup address 45.53, -73.55)
  5     P2      delivery  14:30-16:00  -       skipped          (not attempted)
P1 is rated 5: one rating.
"""
from __future__ import annotations

from backend.orders.enums import OrderType, StopKind
from tests.analytics.helpers import DAY, add_event, add_order, at
from tests.analytics.test_kpis import _get
from tests.support import commit


def _day(org) -> None:
    from backend.customer.models import Rating
    from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
    from backend.extensions import db
    from backend.orders.models import OrderPickupWindow

    with org.app.app_context():
        route = Route(org_id=org.org_id, date=DAY, depot_id=org.depot_id, driver_id=org.driver_id,
                      vehicle_id=org.vehicle_id, status=RouteStatus.completed, planned_distance_m=20_000,
                      planned_duration_s=10_000, started_at=at(13), completed_at=at(17))
        db.session.add(route)
        db.session.flush()
        p1 = add_order(org.org_id, org.depot_id, "P1", status="delivered", window=(at(14, 30), at(16)))
        r1 = add_order(org.org_id, org.depot_id, "R1", status="delivered")
        p2 = add_order(org.org_id, org.depot_id, "P2", status="failed", reason="not_home", window=(at(14, 30), at(16)))
        for order, kind, window in ((p1, OrderType.pickup_delivery, (at(13), at(14))),
                                    (r1, OrderType.return_, (at(13), at(14))),
                                    (p2, OrderType.pickup_delivery, (at(13), at(15)))):
            order.type = kind
            order.pickup_address, order.pickup_lat, order.pickup_lon = f"{order.external_ref} pickup", 45.53, -73.55
            db.session.add(OrderPickupWindow(order_id=order.id, start_at=window[0], end_at=window[1]))
        stops = [(p1, StopKind.pickup, at(13, 25), at(13, 30), StopStatus.completed),
                 (p1, StopKind.delivery, at(14, 55), at(15), StopStatus.completed),
                 (r1, StopKind.pickup, at(15, 55), at(16), StopStatus.completed),
                 (p2, StopKind.pickup, at(14, 5), at(14, 10), StopStatus.failed),
                 (p2, StopKind.delivery, None, None, StopStatus.skipped)]
        for sequence, (order, kind, arrived, left, status) in enumerate(stops, start=1):
            db.session.add(Stop(org_id=org.org_id, route_id=route.id, order_id=order.id, sequence=sequence, kind=kind,
                                status=status, actual_arrival_at=arrived, actual_departure_at=left))
        add_event(p1, to_status="delivered", when=at(15))
        add_event(r1, to_status="delivered", when=at(16))
        add_event(p2, to_status="failed", when=at(14, 10), details={"reason": "not_home", "stop_kind": "pickup"})
        db.session.add(Rating(org_id=org.org_id, order_id=p1.id, score=5, comment="", driver_id=org.driver_id))
        commit()


def test_each_end_counts_as_its_own_stop(org, admin):
    _day(org)
    (row,) = _get(admin, "/api/v1/analytics/kpis", driver_id=org.driver_id)["items"]
    components = row["components"]
    assert (components["stops"], components["attempted"], components["delivered"], components["failed"]) == (5, 4, 3, 1)
    assert (components["windowed_deliveries"], components["on_time"]) == (3, 2)
    assert (components["rating_count"], components["rating_sum"]) == (1, 5)
    assert components["failure_reasons"] == {"not_home": 1}
    failures = _get(admin, "/api/v1/analytics/failed-deliveries")["items"]
    assert [(f["external_ref"], f["lat"], f["lon"]) for f in failures] == [("P2", 45.53, -73.55)]
