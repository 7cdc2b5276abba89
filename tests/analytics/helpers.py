"""A small operational day, written as the operation would have left it (routes, stops, orders, the
event log, breadcrumbs, ratings), with every time chosen so each KPI can be computed by hand."""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta, timezone
from tests.support import commit

DAY = date(2026, 11, 2)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def add_order(org_id, depot_id, ref, *, status, window=None, reason=None, lat=45.5, lon=-73.6, day=DAY):
    from backend.extensions import db
    from backend.orders.enums import FailureReason, OrderStatus
    from backend.orders.models import Order, OrderTimeWindow

    order = Order(org_id=org_id, external_ref=ref, depot_id=depot_id, address=f"{ref} Rue Test", lat=lat, lon=lon,
                  delivery_date=day, status=OrderStatus(status), tracking_token=secrets.token_urlsafe(24),
                  failure_reason=FailureReason(reason) if reason else None)
    db.session.add(order)
    db.session.flush()
    if window:
        db.session.add(OrderTimeWindow(order_id=order.id, start_at=window[0], end_at=window[1]))
    return order


def add_event(order, *, type="status", to_status=None, when, details=None):
    from backend.extensions import db
    from backend.orders.enums import ActorType
    from backend.orders.models import OrderEvent

    db.session.add(OrderEvent(org_id=order.org_id, order_id=order.id, type=type, to_status=to_status, at=when,
                              recorded_at=when, actor_type=ActorType.system, details=details or {}))


def eta(order, recorded, shown):
    add_event(order, type="eta_changed", when=recorded, details={"eta": shown.isoformat()})


def build_day(org) -> dict:
    """Route 1 (driver one, the van): six stops; route 2 (driver two, no vehicle): one stop.

    See test_kpis.py for the hand computation of every KPI from these times."""
    from backend.customer.models import Rating
    from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
    from backend.extensions import db
    from backend.fleet.models import Vehicle
    from backend.tracking.models import LocationFix

    with org.app.app_context():
        vehicle = db.session.get(Vehicle, org.vehicle_id)
        vehicle.cost_fixed_cents, vehicle.cost_per_hour_cents, vehicle.cost_per_km_cents = 2000, 3000, 50
        vehicle.co2_g_per_km = 200
        route = Route(org_id=org.org_id, date=DAY, depot_id=org.depot_id, driver_id=org.driver_id,
                      vehicle_id=org.vehicle_id, status=RouteStatus.completed, planned_distance_m=40_000,
                      planned_duration_s=12_600, started_at=at(13), completed_at=at(17))
        other = Route(org_id=org.org_id, date=DAY, depot_id=org.depot_id, driver_id=org.other_driver_id,
                      status=RouteStatus.completed, planned_distance_m=10_000, planned_duration_s=3_600,
                      started_at=at(13), completed_at=at(14))
        draft = Route(org_id=org.org_id, date=DAY, depot_id=org.depot_id, status=RouteStatus.draft)
        db.session.add_all([route, other, draft])
        db.session.flush()
        o = {}
        o[1] = add_order(org.org_id, org.depot_id, "S1", status="delivered", window=(at(13), at(15)))
        o[2] = add_order(org.org_id, org.depot_id, "S2", status="delivered", window=(at(14, 30), at(16)))
        o[3] = add_order(org.org_id, org.depot_id, "S3", status="delivered", window=(at(13), at(14)))
        o[4] = add_order(org.org_id, org.depot_id, "S4", status="failed", reason="not_home", lat=45.51, lon=-73.61)
        o[5] = add_order(org.org_id, org.depot_id, "S5", status="failed", reason="wrong_address", lat=45.52, lon=-73.62)
        o[6] = add_order(org.org_id, org.depot_id, "S6", status="out_for_delivery")
        o[7] = add_order(org.org_id, org.depot_id, "S7", status="delivered")
        o[8] = add_order(org.org_id, org.depot_id, "S8", status="planned")
        timings = {1: (at(13, 20), at(13, 25), StopStatus.completed), 2: (at(14, 10), at(14, 40), StopStatus.completed),
                   3: (at(13, 50), at(14, 5), StopStatus.completed), 4: (at(15), at(15, 5), StopStatus.failed),
                   5: (at(16), at(16, 2), StopStatus.failed), 6: (None, None, StopStatus.pending)}
        for sequence, (arrived, departed, status) in timings.items():
            db.session.add(Stop(org_id=org.org_id, route_id=route.id, order_id=o[sequence].id, sequence=sequence,
                                status=status, actual_arrival_at=arrived, actual_departure_at=departed))
        db.session.add(Stop(org_id=org.org_id, route_id=other.id, order_id=o[7].id, sequence=1,
                            status=StopStatus.completed, actual_arrival_at=at(13, 30), actual_departure_at=at(13, 35)))
        db.session.add(Stop(org_id=org.org_id, route_id=draft.id, order_id=o[8].id, sequence=1))
        for number, status in ((1, "delivered"), (2, "delivered"), (3, "delivered"), (7, "delivered")):
            add_event(o[number], to_status=status, when=timings.get(number, (None, at(13, 35)))[1])
        add_event(o[4], to_status="failed", when=at(15, 5), details={"reason": "not_home"})
        add_event(o[4], to_status="failed", when=at(15, 0, DAY - timedelta(days=1)), details={"reason": "not_home"})
        add_event(o[5], to_status="failed", when=at(16, 2), details={"reason": "wrong_address"})
        eta(o[1], at(12), at(13, 10))
        eta(o[1], at(12, 45), at(13, 28))
        eta(o[1], at(13, 9), at(13, 21))
        eta(o[3], at(12, 40), at(13, 40))
        eta(o[3], at(13, 15), at(13, 52))
        eta(o[2], at(13, 55), at(14, 13))
        for index, lon in enumerate((0.0, 0.1, 0.2)):
            db.session.add(LocationFix(org_id=org.org_id, driver_id=org.driver_id, route_id=route.id, lat=0.0, lon=lon,
                                       at=at(13, index), received_at=at(13, index)))
        db.session.add(Rating(org_id=org.org_id, order_id=o[1].id, score=5, comment="Parfait", driver_id=org.driver_id))
        db.session.add(Rating(org_id=org.org_id, order_id=o[2].id, score=3, comment="", driver_id=org.driver_id))
        commit()
        return {"route_id": route.id, "other_route_id": other.id, "orders": {k: v.id for k, v in o.items()}}
