"""Running the solver off eventlet's hub, so a web process keeps serving sockets while it solves."""
from __future__ import annotations

from backend import outbound
from backend.green import offload
from backend.routing.fields import LocationTable
from backend.routing.matrix import DEFAULT_CACHE, provider_from_options
from backend.routing.model import DEFAULT_PROFILE


def off_hub(solver_call, problem: dict, *args, policy: outbound.Policy | None = None):
    """Run a solver call on a real thread under eventlet, so the hub keeps serving sockets meanwhile.

    A problem that needs OSRM gets its road matrices first, here on the hub: OSRM's HTTP calls use
    eventlet's green sockets, which belong to the hub and must not be used from a real thread (and
    that wait is cooperative anyway). The thread then solves with custom matrices. OSRM is reached
    through the outbound guard under `policy` (the app's; the environment's OUTBOUND_* settings without one).
    """
    if (problem.get("options") or {}).get("osrm_url"):
        problem, args = with_road_matrices(problem, *args, policy=policy)
    return offload(solver_call, problem, *args)


def with_road_matrices(problem: dict, *jobs, policy: outbound.Policy | None = None):
    """The problem (and the extra jobs to insert) with places turned into indices into matrices
    fetched now from the problem's matrix provider (through the outbound guard under `policy`);
    coordinates are kept for the output."""
    options = dict(problem.get("options") or {})
    provider = provider_from_options(options, policy)
    table = LocationTable(custom=False, matrix_size=None)  # the solver's own numbering of places

    def placed(obj: dict | None, what: str, index_key="location_index", coords_key="location"):
        if not isinstance(obj, dict) or obj.get(coords_key) is None:
            return obj
        return {**obj, index_key: table.resolve(obj, what, index_key, coords_key)}

    vehicles = [placed(placed(v, "vehicle start", "start_index", "start"), "vehicle end", "end_index", "end")
                for v in problem.get("vehicles") or []]
    out = {**problem, "vehicles": vehicles, "jobs": [placed(j, "job") for j in problem.get("jobs") or []]}
    if problem.get("shipments"):
        out["shipments"] = [{**s, "pickup": placed(s.get("pickup"), "shipment pickup"),
                             "delivery": placed(s.get("delivery"), "shipment delivery")} for s in problem["shipments"]]
    extra = tuple(placed(job, "new job") for job in jobs)
    options.pop("osrm_url")
    out["options"] = options
    profiles = {v.get("profile", DEFAULT_PROFILE) for v in vehicles} or {DEFAULT_PROFILE}
    out["matrices"] = {}
    for profile in profiles:
        road = DEFAULT_CACHE.get_or_compute(table.coords, profile, provider)
        out["matrices"][profile] = {"durations": road.durations, "distances": road.distances}
    return out, extra
