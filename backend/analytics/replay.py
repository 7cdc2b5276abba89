"""The savings replay: each imported day planned again by our optimizer, against what was driven.

For each day of a history import, one VROOM problem: a job per attempted delivery (its place, its
promised window, its service time) and as many vehicles as drivers worked that day, each costed like
the fleet's vehicles. "Driven" is the history's own sequence per driver evaluated in the same travel
model (routing.evaluate), so both sides use the same roads and speeds. Savings = driven - optimized:
distance (m), vehicle hours (route time from leaving the depot to returning, including service), vehicles
used and CO2 (g, the vehicle's g/km x distance).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from backend.analytics import importer
from backend.fleet import service as fleet_service
from backend.fleet.models import Vehicle
from backend.extensions import db
from backend.routing import evaluate, solve
from backend.dispatch.problems import base_options, day_origin, to_offset

DAY_MARGIN_S = 2 * 3600  # the drivers' day in the replay: the history's first attempt - 2 h to its last + 2 h


def _job(row, index: int, origin: datetime) -> dict:
    job = {"id": index, "location": [row.lon, row.lat], "service": int(row.service_time_s or 0)}
    if row.window_start and row.window_end:
        start, end = max(0, to_offset(row.window_start, origin)), max(0, to_offset(row.window_end, origin))
        if end > start:
            job["time_windows"] = [[start, end]]
    return job


def _vehicle(vehicle_id: int, depot, vehicle: Vehicle | None, window: list[int]) -> dict:
    spec = {"id": vehicle_id, "profile": vehicle.profile if vehicle else "van", "start": [depot.lon, depot.lat],
            "end": [depot.lon, depot.lat], "time_window": window}
    if vehicle is not None:
        spec["costs"] = {"fixed": vehicle.cost_fixed_cents, "per_hour": vehicle.cost_per_hour_cents,
                         "per_km": vehicle.cost_per_km_cents}
    return spec


def _route_totals(routes: list[dict], co2_by_vehicle: dict[int, int]) -> dict:
    distance = sum(int(r.get("distance", 0)) for r in routes)
    hours_s = sum(int(r["steps"][-1]["arrival"] - r["steps"][0]["arrival"]) for r in routes if r.get("steps"))
    co2 = sum(int(round(co2_by_vehicle.get(r["vehicle"], 0) * int(r.get("distance", 0)) / 1000)) for r in routes)
    return {"distance_m": distance, "vehicle_s": hours_s, "vehicles": len(routes), "co2_g": co2}


def replay_day(depot, fleet: list[Vehicle], day: date, rows: list, time_limit_s: float) -> dict:
    """Driven against optimized for one day (see the module docstring)."""
    origin = day_origin(day, depot.timezone)
    attempts = [to_offset(r.attempted_at, origin) for r in rows]
    window = [max(0, min(attempts) - DAY_MARGIN_S), max(attempts) + DAY_MARGIN_S]
    drivers = sorted({r.driver for r in rows})
    vehicles = [fleet[i % len(fleet)] if fleet else None for i in range(len(drivers))]
    co2 = {i + 1: (v.co2_g_per_km if v else 0) for i, v in enumerate(vehicles)}
    jobs = [_job(row, index + 1, origin) for index, row in enumerate(rows)]
    index_of = {id(row): index + 1 for index, row in enumerate(rows)}
    options = base_options()
    driven_routes = []
    for number, driver in enumerate(drivers, start=1):
        own = sorted((r for r in rows if r.driver == driver), key=lambda r: r.attempted_at)
        spec = _vehicle(number, depot, vehicles[number - 1], window)
        spec["steps"] = [{"type": "start"}] + [{"type": "job", "id": index_of[id(r)]} for r in own] + [{"type": "end"}]
        plan = evaluate({"vehicles": [spec], "jobs": [_job(r, index_of[id(r)], origin) for r in own],
                         "options": options})
        driven_routes.extend(plan.get("routes", []))
    problem = {"vehicles": [_vehicle(n, depot, v, window) for n, v in enumerate(vehicles, start=1)], "jobs": jobs,
               "options": {**options, "objective": "cost"}}
    solution = solve(problem, time_limit=time_limit_s)
    driven = _route_totals(driven_routes, co2)
    optimized = _route_totals(solution.get("routes", []), co2)
    return {"day": day.isoformat(), "stops": len(rows), "driven": driven, "optimized": optimized,
            "unassigned": len(solution.get("unassigned", [])),
            "saved": {key: driven[key] - optimized[key] for key in driven}}


def replay(org_id: int, import_id: int, *, time_limit_s: float = 5.0, max_days: int = 62, depot_id: int | None = None,
           on_progress=None) -> dict:
    """Replay every day of an import (read-only: nothing is stored but the job's result)."""
    importer.get_import(org_id, import_id)
    depot = fleet_service.get_depot(org_id, depot_id) if depot_id else fleet_service.default_depot(org_id)
    if depot is None:
        from backend.errors import InvalidInput

        raise InvalidInput("Create a depot first.", fields={"depot_id": ["No depot."]})
    fleet = list(db.session.scalars(select(Vehicle).where(Vehicle.org_id == org_id, Vehicle.active.is_(True))
                                    .order_by(Vehicle.id)))
    days = importer.deliveries_by_day(org_id, import_id)
    chosen = sorted(days)[:max_days]
    results = []
    for number, day in enumerate(chosen):
        if on_progress:
            on_progress(number / max(1, len(chosen)), f"Replaying {day.isoformat()} ({number + 1} of {len(chosen)})")
        results.append(replay_day(depot, fleet, day, days[day], time_limit_s))
    total = {side: {key: sum(r[side][key] for r in results) for key in ("distance_m", "vehicle_s", "vehicles", "co2_g")}
             for side in ("driven", "optimized", "saved")}
    for side in total.values():
        side["vehicle_hours"] = round(side["vehicle_s"] / 3600, 2)
    for result in results:
        for side in ("driven", "optimized", "saved"):
            result[side]["vehicle_hours"] = round(result[side]["vehicle_s"] / 3600, 2)
    return {"import_id": import_id, "days": results, "total": total, "days_replayed": len(results),
            "days_in_import": len(days), "unassigned": sum(r["unassigned"] for r in results)}
