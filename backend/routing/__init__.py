"""Lastmile's route optimizer: VROOM's JSON format in and out, OR-Tools (and PyVRP) inside.

Public API::

    solve(problem, *, time_limit=None, seed=None, on_progress=None, should_stop=None, objective=None) -> dict
    evaluate(problem) -> dict
    insert_job(problem, job) -> dict
    reoptimize_route(problem, *, vehicle_id=None, time_limit=None, seed=None, objective=None) -> dict
    RoutingError(message, code)

No Flask, no database: plain data in, plain data out.
"""

from .errors import RoutingError
from .plan_ops import evaluate, insert_job, reoptimize_route
from .solver import solve

__all__ = ["solve", "evaluate", "insert_job", "reoptimize_route", "RoutingError"]
