"""A route as it would be with its stops in another order: ETAs, and the violations a dispatcher reads
(nothing is saved; the console shows it before a change is confirmed)."""
from __future__ import annotations

from backend.database import isoformat_or_none
from backend.dispatch import timing
from backend.dispatch.models import Route, Stop
from backend.dispatch.summaries import window_end
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle


def fleet_of(route: Route):
    depot = db.session.get(Depot, route.depot_id)
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    return depot, driver, vehicle


def preview_of(route: Route, stops: list[Stop]) -> dict:
    """The ETAs and violations of `route` if its stops were `stops`, in this order (nothing saved).

    Timed as a re-plan would be (dispatch.timing): the stops still to do from now and, when the driver
    is on duty, from the driver's position; visited stops keep the times they were visited at."""
    plan = timing.time_route(route, stops)
    result = {"route_id": route.id, "version": route.version, "distance_m": plan["distance_m"],
              "duration_s": plan["duration_s"], "route_violations": plan.get("route_violations", []), "stops": []}
    for position, stop in enumerate(stops, start=1):
        arrival, departure, violations = plan["timed"].get(id(stop)) or (
            stop.actual_arrival_at, stop.actual_departure_at, [])
        closes_at = window_end(stop.order, getattr(stop, "kind", None))
        result["stops"].append({
            "stop_id": stop.id, "order_id": stop.order_id, "external_ref": stop.order.external_ref,
            "address": stop.order.address, "sequence": position, "eta": isoformat_or_none(arrival),
            "departure": isoformat_or_none(departure),
            "planned_arrival_at": isoformat_or_none(stop.planned_arrival_at),
            "window_end": isoformat_or_none(closes_at), "violations": violations})
    return result


def violation_lines(preview: dict) -> list[dict]:
    """Every time-window or capacity problem of a preview, one line per stop (what the dispatcher reads)."""
    found = []
    for stop in preview["stops"]:
        for violation in stop["violations"]:
            found.append({"route_id": preview["route_id"], "stop_id": stop["stop_id"], "sequence": stop["sequence"],
                          "address": stop["address"], "cause": violation.get("cause"),
                          "duration_s": violation.get("duration")})
    for violation in preview["route_violations"]:
        if not any(v["cause"] == violation.get("cause") for v in found) and violation.get("cause") != "delay":
            found.append({"route_id": preview["route_id"], "stop_id": None, "sequence": None, "address": None,
                          "cause": violation.get("cause"), "duration_s": violation.get("duration")})
    return found


def new_violations(before: list[dict], after: list[dict]) -> list[dict]:
    """Violations the change causes: those the current plan does not already have."""
    known = {(v["route_id"], v["stop_id"], v["cause"]) for v in before}
    return [v for v in after if (v["route_id"], v["stop_id"], v["cause"]) not in known]
