"""vroom-express's HTTP semantics, shared by `flask vroom serve` (backend/vroom) and the app's /api/v1/vroom.

What a vroom-express client sees (read from VROOM-Project/vroom-express `src/index.js`):

* ``POST /`` with the problem as JSON; ``options`` may override ``c`` (plan mode), ``g``
  (geometry), ``l`` (time limit, seconds), ``t`` and ``x`` (threads and exploration: accepted,
  our solver sizes itself);
* a body that is not a JSON object with ``vehicles`` and ``jobs`` or ``shipments``: 400
  ``{"code": 2, "error": INVALID_BODY}``; more tasks or vehicles than the server allows: 413
  ``{"code": 4, ...}``;
* the solver's answer as VROOM writes it, with the HTTP status of its code: 0 -> 200,
  2 (input) -> 400, 1 (internal) and 3 (routing) -> 500;
* ``GET /health``: 200 with an empty body when a small problem solves, 500 otherwise.

Pure: no Flask, no database.  :func:`run` is what a worker process executes.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .errors import RoutingError
from .matrix import OsrmProvider
from .plan_ops import evaluate
from .solver import solve

OK, INTERNAL_ERROR, INPUT_ERROR, ROUTING_ERROR, TOO_LARGE = 0, 1, 2, 3, 4
INVALID_BODY = "Invalid JSON object in request, please add vehicles and jobs or shipments to the object body"
HTTP_STATUS = {OK: 200, INPUT_ERROR: 400, INTERNAL_ERROR: 500, ROUTING_ERROR: 500, TOO_LARGE: 413}

# vroom-express's healthcheck problem (healthchecks/vroom_custom_matrix.json), deprecated `matrix` key included
HEALTHCHECK_PROBLEM = {
    "vehicles": [{"id": 0, "start_index": 0, "end_index": 3}],
    "jobs": [{"id": 1414, "location_index": 1}, {"id": 1515, "location_index": 2}],
    "matrix": [[0, 2104, 197, 1299], [2103, 0, 2255, 3152], [197, 2256, 0, 1102], [1299, 3153, 1102, 0]],
}


@dataclass(frozen=True)
class Limits:
    """vroom-express's size checks (its config.yml defaults)."""

    max_locations: int = 1000
    max_vehicles: int = 200


@dataclass(frozen=True)
class Request:
    """How to answer one problem: the overrides of ``options`` read, server defaults applied."""

    plan: bool = False
    geometry: bool = False
    time_limit: float | None = None


def error(code: int, message: str) -> dict:
    return {"code": code, "error": message}


def http_status(answer: dict) -> int:
    """vroom-express's status for a VROOM answer (an unknown code is an internal error)."""
    return HTTP_STATUS.get(answer.get("code"), 500)


def _js_truthy(value) -> bool:
    """JavaScript's Boolean(value): vroom-express reads options.c and options.g this way."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (False, 0, "", None)


def refusal(body, limits: Limits = Limits()) -> tuple[int, dict] | None:
    """(status, answer) when vroom-express would refuse the request before solving, else None.

    Also refused: ``options.osrm_url``.  The server fetches no URL a request names (SSRF);
    its road network is the operator's (OSRM_URL).
    """
    if not isinstance(body, dict) or "vehicles" not in body or ("jobs" not in body and "shipments" not in body):
        return 400, error(INPUT_ERROR, INVALID_BODY)
    jobs, shipments, vehicles = body.get("jobs"), body.get("shipments"), body.get("vehicles")
    locations = (len(jobs) if isinstance(jobs, list) else 0) + 2 * (len(shipments) if isinstance(shipments, list) else 0)
    if locations > limits.max_locations:
        return 413, error(TOO_LARGE, f"Too many locations ( {locations} ) in query, maximum is set to "
                                     f"{limits.max_locations}")
    if isinstance(vehicles, list) and len(vehicles) > limits.max_vehicles:
        return 413, error(TOO_LARGE, f"Too many vehicles ( {len(vehicles)} ) in query, maximum is set to "
                                     f"{limits.max_vehicles}")
    options = body.get("options")
    if isinstance(options, dict) and "osrm_url" in options:
        return 400, error(INPUT_ERROR, "options.osrm_url is not accepted: the server uses its own road network "
                                       "(OSRM_URL), or give matrices.")
    return None


def read_request(body: dict, default: Request = Request()) -> Request:
    """The overrides vroom-express allows (c, g, l) on top of the server's defaults."""
    options = body.get("options") if isinstance(body.get("options"), dict) else {}
    plan, geometry, time_limit = default.plan, default.geometry, default.time_limit
    if options.get("c") is not None:
        plan = _js_truthy(options["c"])
    if options.get("g") is not None:
        geometry = _js_truthy(options["g"])
    limit = options.get("l")
    if isinstance(limit, (int, float)) and not isinstance(limit, bool) and math.isfinite(limit):
        time_limit = max(float(limit), 0.001)  # VROOM's -l 0: heuristics only; ours: a first plan
    return Request(plan=plan, geometry=geometry, time_limit=time_limit)


def run(problem: dict, request: Request, *, osrm_url: str | None = None, outbound_policy=None, seed: int | None = None,
        on_progress=None, should_stop=None) -> dict:
    """Solve (or, in plan mode, time) a problem as VROOM would: its answer, or its error object.

    ``osrm_url``: the operator's OSRM, for problems given by coordinates and for geometry, reached
    through the outbound guard under ``outbound_policy`` (default: the OUTBOUND_* environment);
    without it, coordinates are timed by haversine and geometry is refused.
    """
    provider = OsrmProvider(osrm_url, policy=outbound_policy) if osrm_url else None
    try:
        if request.geometry:
            _check_geometry_possible(problem, provider)
        if request.plan:
            answer = evaluate(problem, matrix_provider=provider)
        else:
            answer = solve(problem, time_limit=request.time_limit, seed=seed, on_progress=on_progress,
                           should_stop=should_stop, matrix_provider=provider)
        if request.geometry:
            _add_geometry(answer, problem, provider)
    except RoutingError as refused:
        return refused.to_output()
    except Exception as exc:  # a bug: VROOM's internal error, not a dropped connection
        return error(INTERNAL_ERROR, f"Internal error: {type(exc).__name__}: {exc}")
    return answer


def _places(problem: dict) -> list:
    """The coordinates (or None) of every place the problem names: vehicles' ends and tasks."""
    out = []
    for v in problem.get("vehicles") or []:
        for coords_key, index_key in (("start", "start_index"), ("end", "end_index")):
            if isinstance(v, dict) and (coords_key in v or index_key in v):
                out.append(v.get(coords_key))
    for j in problem.get("jobs") or []:
        if isinstance(j, dict):
            out.append(j.get("location"))
    for s in problem.get("shipments") or []:
        if isinstance(s, dict):
            out += [(s.get(k) or {}).get("location") for k in ("pickup", "delivery")]
    return out


def _check_geometry_possible(problem: dict, provider) -> None:
    if any(place is None for place in _places(problem)):
        raise RoutingError("Route geometry request with missing coordinates.")
    if provider is None:
        raise RoutingError("Route geometry needs a road network: this server has no OSRM_URL.")


def _add_geometry(answer: dict, problem: dict, provider) -> None:
    """VROOM's -g: each route's road geometry (encoded polyline) and its distances along the roads."""
    started = time.monotonic()
    profiles = {v.get("id"): v.get("profile", "car") for v in problem.get("vehicles") or [] if isinstance(v, dict)}
    total = 0
    for route in answer.get("routes", []):
        located = [s for s in route["steps"] if s.get("location") is not None]
        road = provider.route([s["location"] for s in located], profiles.get(route["vehicle"], "car")) \
            if len(located) > 1 else {"geometry": "", "leg_distances": [], "distance": 0}
        route["geometry"] = road.get("geometry") or ""
        legs = road.get("leg_distances") or []
        travelled, leg = 0, 0
        for step in route["steps"]:
            if step.get("location") is not None and step is not located[0] and leg < len(legs):
                travelled += legs[leg]
                leg += 1
            step["distance"] = travelled
        route["distance"] = travelled if legs else road.get("distance", 0)
        total += route["distance"]
    answer["summary"]["distance"] = total
    answer["summary"].setdefault("computing_times", {})["routing"] = int((time.monotonic() - started) * 1000)
