"""Helpers for the route-optimizer tests: small problems on custom matrices and the independent checker."""

import importlib.util
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

_spec = importlib.util.spec_from_file_location("routing_checker", os.path.join(ROOT, "benchmarks", "routing", "checker.py"))
checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checker)


def matrices_for(points, speed=1.0):
    """Euclidean matrices over (x, y) points: seconds = meters / speed."""
    dist = [[round(math.hypot(a[0] - b[0], a[1] - b[1])) for b in points] for a in points]
    dur = [[round(d / speed) for d in row] for row in dist]
    return {"durations": dur, "distances": dist}


def line_problem(n_jobs=6, spacing=100, vehicles=None, **job_fields):
    """Depot at index 0 and jobs on a line at 1..n (spacing meters apart, 1 m/s)."""
    points = [(i * spacing, 0) for i in range(n_jobs + 1)]
    jobs = [{"id": i, "location_index": i, **job_fields} for i in range(1, n_jobs + 1)]
    vehicles = vehicles or [{"id": 1, "start_index": 0, "end_index": 0}]
    return {"vehicles": vehicles, "jobs": jobs, "matrices": {"car": matrices_for(points)}}


def assert_feasible(problem, solution, **kw):
    errors = checker.check_vroom_solution(problem, solution, **kw)
    assert errors == [], errors


def served_ids(solution, kind="job"):
    return sorted(s["id"] for r in solution["routes"] for s in r["steps"] if s["type"] == kind)


def route_of(solution, vehicle_id):
    for r in solution["routes"]:
        if r["vehicle"] == vehicle_id:
            return [s["id"] for s in r["steps"] if s["type"] in ("job", "pickup", "delivery")]
    return []
