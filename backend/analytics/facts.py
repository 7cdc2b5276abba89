"""The operational facts of one day, as the KPIs need them: each route's day (its stops, attempts, time
windows, ETAs, ratings, breadcrumbs) read from the operational tables and turned into KPI components,
and the rows a roll-up stores per route and per depot. Reads only; nothing here writes.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone

from sqlalchemy import select

from backend.analytics import kpis
from backend.analytics.models import GRAIN_DEPOT, GRAIN_ROUTE, SOURCE_OPERATIONS
from backend.dispatch.models import Route, RouteStatus, Stop, StopStatus
from backend.extensions import db
from backend.fleet.models import Vehicle
from backend.geo.sphere import path_length_m
from backend.orders.enums import OrderType, StopKind
from backend.orders.models import Order, OrderEvent, OrderPickupWindow, OrderTimeWindow
from backend.tracking.models import LocationFix


def _parse_iso(text) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def operational_route_days(org_id: int, day: date) -> list[tuple]:
    """Every non-draft route of the day with its components and its failed stops (for the map)."""
    # Columns, not Route entities: loading entities would pull every stop and order through their
    # eager relationships, which is most of the time of an open day.
    routes = db.session.execute(
        select(Route.id, Route.depot_id, Route.driver_id, Route.vehicle_id, Route.started_at, Route.completed_at,
               Route.planned_distance_m, Route.planned_duration_s)
        .where(Route.org_id == org_id, Route.date == day, Route.status != RouteStatus.draft).order_by(Route.id)).all()
    if not routes:
        return []
    day_routes = select(Route.id).where(Route.org_id == org_id, Route.date == day, Route.status != RouteStatus.draft)
    stop_rows = db.session.execute(
        select(Stop.route_id, Stop.order_id, Stop.sequence, Stop.kind, Stop.status, Stop.actual_arrival_at,
               Stop.actual_departure_at, Order.failure_reason, Order.lat, Order.lon, Order.external_ref, Order.address,
               Order.pickup_lat, Order.pickup_lon, Order.pickup_address, Order.type)
        .join(Order, Order.id == Stop.order_id).where(Stop.route_id.in_(day_routes))).all()
    # The day's orders as a subquery: one query per kind of fact, whatever the size of the day.
    day_orders = select(Stop.order_id).where(Stop.route_id.in_(day_routes))
    windows: dict[int, list] = defaultdict(list)
    failed_before: dict[int, list] = defaultdict(list)
    eta_events: dict[int, list] = defaultdict(list)
    reasons: dict[tuple, str] = {}
    for row in db.session.execute(select(OrderTimeWindow.order_id, OrderTimeWindow.start_at, OrderTimeWindow.end_at)
                                  .where(OrderTimeWindow.order_id.in_(day_orders))):
        windows[row.order_id].append((row.start_at, row.end_at))
    # A pickup stop (returns, pairs) is on time within the pickup's own windows.
    pickup_windows: dict[int, list] = defaultdict(list)
    for row in db.session.execute(select(OrderPickupWindow.order_id, OrderPickupWindow.start_at,
                                         OrderPickupWindow.end_at).where(OrderPickupWindow.order_id.in_(day_orders))):
        pickup_windows[row.order_id].append((row.start_at, row.end_at))
    # Only the two keys needed, extracted by the database (parsing whole JSON documents in Python is slow).
    for row in db.session.execute(select(OrderEvent.order_id, OrderEvent.type, OrderEvent.at,
                                         OrderEvent.details["eta"].as_string().label("eta"),
                                         OrderEvent.details["reason"].as_string().label("reason"))
                                  .where(OrderEvent.order_id.in_(day_orders),
                                         (OrderEvent.type == "eta_changed") | (OrderEvent.to_status == "failed"))):
        if row.type == "eta_changed":
            eta_events[row.order_id].append((row.at, _parse_iso(row.eta)))
        else:
            failed_before[row.order_id].append(row.at)
            reasons[(row.order_id, row.at)] = row.reason
    ratings = _ratings_of(day_orders)
    breadcrumbs = _breadcrumb_distances(day_routes)
    vehicles = {v.id: v for v in db.session.scalars(
        select(Vehicle).where(Vehicle.id.in_({r.vehicle_id for r in routes if r.vehicle_id})))}
    stops_by_route: dict[int, list] = defaultdict(list)
    for row in stop_rows:
        stops_by_route[row.route_id].append(row)
    result = []
    for route in routes:
        vehicle = vehicles.get(route.vehicle_id)
        route_fact = kpis.RouteFact(
            started_at=route.started_at, ended_at=route.completed_at, breadcrumb_distance_m=breadcrumbs.get(route.id),
            planned_distance_m=route.planned_distance_m or 0, planned_duration_s=route.planned_duration_s or 0,
            cost_fixed_cents=vehicle.cost_fixed_cents if vehicle else 0,
            cost_per_hour_cents=vehicle.cost_per_hour_cents if vehicle else 0,
            cost_per_km_cents=vehicle.cost_per_km_cents if vehicle else 0,
            co2_g_per_km=vehicle.co2_g_per_km if vehicle else 0)
        facts, failures = [], []
        for row in stops_by_route[route.id]:
            # Each end of an order is a stop of its own: a collection done counts as a stop served, judged
            # against the pickup's windows and mapped at the pickup's address; the customer's rating counts
            # once, at the order's last stop (a pair's delivery, a return's collection).
            collecting = row.kind is StopKind.pickup
            outcome = {StopStatus.completed: "delivered", StopStatus.failed: "failed"}.get(row.status)
            last_stop = collecting == (row.type is OrderType.return_)
            fact = kpis.StopFact(planned_sequence=row.sequence, outcome=outcome, arrived_at=row.actual_arrival_at,
                                 departed_at=row.actual_departure_at,
                                 windows=(pickup_windows if collecting else windows).get(row.order_id, []),
                                 eta_events=eta_events.get(row.order_id, []) if not collecting else [],
                                 rating=ratings.get(row.order_id) if outcome == "delivered" and last_stop else None)
            moment = kpis.attempt_moment(fact)
            earlier = [at for at in failed_before.get(row.order_id, []) if moment is not None and at < moment]
            fact.first_attempt = not earlier
            if outcome == "failed":
                fact.reason = (row.failure_reason.value if row.failure_reason else None) or \
                    reasons.get((row.order_id, moment)) or "other"
                failures.append({"at": moment, "order_id": row.order_id, "external_ref": row.external_ref,
                                 "address": row.pickup_address if collecting else row.address,
                                 "lat": row.pickup_lat if collecting else row.lat,
                                 "lon": row.pickup_lon if collecting else row.lon, "reason": fact.reason})
            facts.append(fact)
        result.append((route, kpis.route_day_components(route_fact, facts), failures))
    return result


def _ratings_of(order_ids) -> dict[int, int]:
    from backend.customer.models import Rating

    return dict(db.session.execute(select(Rating.order_id, Rating.score).where(Rating.order_id.in_(order_ids))).all())


def _breadcrumb_distances(route_ids) -> dict[int, int]:
    """Distance driven per route, summed along its breadcrumbs in time order."""
    points: dict[int, list] = defaultdict(list)
    for row in db.session.execute(select(LocationFix.route_id, LocationFix.lat, LocationFix.lon)
                                  .where(LocationFix.route_id.in_(route_ids))
                                  .order_by(LocationFix.route_id, LocationFix.at)):
        points[row.route_id].append((row.lat, row.lon))
    return {route_id: path_length_m(track) for route_id, track in points.items() if len(track) > 1}


def rollup_row(org_id: int, day: date, route, components: dict, **extra) -> dict:
    return {"org_id": org_id, "source": SOURCE_OPERATIONS, "grain": GRAIN_ROUTE, "import_id": None, "day": day,
            "depot_id": route.depot_id, "driver_id": route.driver_id, "vehicle_id": route.vehicle_id,
            "route_id": route.id, "driver_label": "", **components, **extra}


def depot_rows(route_rows: list[dict]) -> list[dict]:
    """Route-day rows summed per depot and day (same source and import): the depot grain."""
    groups: dict[tuple, dict] = {}
    for row in route_rows:
        key = (row["org_id"], row["source"], row.get("import_id"), row["day"], row["depot_id"])
        if key not in groups:
            groups[key] = {**{name: row[name] for name in ("org_id", "source", "import_id", "day", "depot_id")},
                           "grain": GRAIN_DEPOT, "driver_id": None, "vehicle_id": None, "route_id": None,
                           "driver_label": "", **kpis.empty_totals(),
                           **({"refreshed_at": row["refreshed_at"]} if "refreshed_at" in row else {})}
        kpis.add_into(groups[key], row)
    return list(groups.values())
