"""Candidate plans (task orders per vehicle, re-timed by the evaluator) and progress reports."""

from __future__ import annotations

import time

from .model import Model
from .placement import best_schedule


class Progress:
    """Reports improvements to the caller at most a few times per second."""

    def __init__(self, callback, time_limit: float, t0: float, min_interval: float = 0.25):
        self.callback = callback
        self.time_limit = time_limit
        self.t0 = t0
        self.min_interval = min_interval
        self.last_sent = -1e9
        self.best = None

    def report(self, cost, force: bool = False):
        if self.callback is None:
            return
        now = time.monotonic()
        if self.best is not None and cost >= self.best and not force:
            return
        self.best = cost if self.best is None else min(self.best, cost)
        if force or now - self.last_sent >= self.min_interval:
            self.last_sent = now
            elapsed = now - self.t0
            self.callback({"best_cost": int(self.best), "elapsed_s": round(elapsed, 3),
                           "fraction": min(1.0, elapsed / self.time_limit) if self.time_limit > 0 else 1.0})


class Plan:
    """Task orders per vehicle, re-timed by the evaluator, with a comparable score."""

    def __init__(self, model: Model, routes: list, source: str, traffic=None, breaks: list | None = None,
                 schedules: list | None = None):
        self.model = model
        self.routes = [list(r) for r in routes]
        self.source = source
        # breaks: per vehicle, where the engine put them ([(break index, stops before it)]), tried too;
        # schedules: the routes' timings when the caller has them already (big days re-time only what changed)
        self.schedules = schedules if schedules is not None else [
            best_schedule(model, v, r, traffic=traffic, break_positions=breaks[v] if breaks else None)
            for v, r in enumerate(self.routes)]
        served = {t for r in self.routes for t in r}
        self.dropped = [t for t in range(len(model.tasks)) if t not in served]
        self.violations = sum(s.n_violations for s in self.schedules if s.task_indices())
        self.lateness = sum(s.lateness for s in self.schedules if s.task_indices())

    def score(self, candidate_tasks: set) -> tuple:
        """Lower is better: infeasibility, then priority and count of dropped tasks, then objective."""
        m = self.model
        dropped_weight = sum(1 + m.tasks[t].priority for t in self.dropped if t in candidate_tasks)
        return (self.violations, self.lateness, dropped_weight, self.objective())

    def objective(self) -> float:
        return sum(s.cost for s in self.schedules if s.task_indices())
