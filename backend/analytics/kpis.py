"""Every KPI, defined once.

Two layers, both pure (no database, no Flask):

1. Facts -> components. `route_day_components()` turns one route-day (a driver's day: the route and
   its stops, from our operation or from an imported history) into additive integer components.
   The docstrings of the `_component` helpers are the definitions of what is counted.
2. Components -> KPIs. Every KPI is a function of the summed components of any set of route-days
   (a day, a week, a month; a depot, a driver, a vehicle). Its docstring is its definition, and the
   README table is generated from these docstrings (`definitions()`).

Because a KPI only ever divides sums, a month's value is exactly the value over its days, whether it
is read from stored daily roll-ups or computed on the fly for a day still open.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable


ETA_HORIZONS_MIN = (60, 30, 10)

INTEGER_COMPONENTS = (
    "routes", "stops", "attempted", "route_attempted", "delivered", "failed", "windowed_deliveries", "on_time", "first_attempts",
    "first_attempt_delivered", "route_s", "driving_s", "service_s", "waiting_s", "distance_m", "planned_distance_m",
    "planned_duration_s", "cost_cents", "co2_g", "sequenced_stops", "out_of_sequence", "rating_count", "rating_sum",
)
JSON_COMPONENTS = ("failure_reasons", "eta_errors", "rating_scores")


# --- facts ----------------------------------------------------------------------------------------

@dataclass
class StopFact:
    """One stop of a route-day as it happened."""

    planned_sequence: int | None
    outcome: str | None  # "delivered", "failed" or None (not attempted)
    arrived_at: datetime | None = None
    departed_at: datetime | None = None
    windows: list = field(default_factory=list)  # [(start, end)] promised to the customer
    reason: str | None = None
    first_attempt: bool = True
    eta_events: list = field(default_factory=list)  # [(recorded at, eta shown)]
    rating: int | None = None


@dataclass
class RouteFact:
    """A route-day: when it was worked, what it drove and what its vehicle costs."""

    started_at: datetime | None
    ended_at: datetime | None
    breadcrumb_distance_m: int | None = None
    planned_distance_m: int = 0
    planned_duration_s: int = 0
    cost_fixed_cents: int = 0
    cost_per_hour_cents: int = 0
    cost_per_km_cents: int = 0
    co2_g_per_km: int = 0


def attempt_moment(stop: StopFact) -> datetime | None:
    """When the delivery was attempted: the driver's time of the delivered/failed status (departure),
    else the arrival."""
    return stop.departed_at or stop.arrived_at


def is_on_time(stop: StopFact) -> bool:
    """Delivered inside the promised window: the delivery moment lies within [start, end] of one of
    the order's time windows (bounds included)."""
    moment = attempt_moment(stop)
    return stop.outcome == "delivered" and moment is not None and any(s <= moment <= e for s, e in stop.windows)


def waiting_seconds(stop: StopFact) -> int:
    """Waiting at a stop: arriving before the promised window opens, the driver waits until it opens
    (or until leaving, if earlier). The window is the first one that has not ended at arrival."""
    if stop.arrived_at is None or not stop.windows:
        return 0
    open_windows = sorted(s for s, e in stop.windows if e >= stop.arrived_at)
    if not open_windows or open_windows[0] <= stop.arrived_at:
        return 0
    until = open_windows[0] if stop.departed_at is None else min(open_windows[0], stop.departed_at)
    return max(0, int((until - stop.arrived_at).total_seconds()))


def service_seconds(stop: StopFact) -> int:
    """Service time at a stop: from arrival to departure, less the waiting for the window."""
    if stop.arrived_at is None or stop.departed_at is None:
        return 0
    return max(0, int((stop.departed_at - stop.arrived_at).total_seconds()) - waiting_seconds(stop))


def out_of_sequence_count(stops: list[StopFact]) -> tuple[int, int]:
    """(visited stops with a planned sequence, visits out of sequence).

    Walking the visits in the order they happened (by arrival), a visit is out of sequence when the
    stop is not the lowest planned sequence among the stops still to be visited: each time the driver
    chose another next stop than the plan's."""
    visited = sorted((s for s in stops if s.planned_sequence is not None and s.arrived_at is not None),
                     key=lambda s: (s.arrived_at, s.planned_sequence))
    remaining = sorted(s.planned_sequence for s in visited)
    deviations = 0
    for stop in visited:
        if stop.planned_sequence != remaining[0]:
            deviations += 1
        remaining.remove(stop.planned_sequence)
    return len(visited), deviations


def eta_shown(stop: StopFact, horizon_min: int) -> datetime | None:
    """The ETA shown `horizon_min` minutes before the actual arrival: the ETA of the latest
    eta_changed event recorded at or before that moment (none when no ETA was computed by then)."""
    if stop.arrived_at is None:
        return None
    moment = stop.arrived_at.timestamp() - horizon_min * 60
    shown = None
    for recorded_at, eta in sorted(stop.eta_events, key=lambda item: item[0]):
        if recorded_at.timestamp() <= moment and eta is not None:
            shown = eta
    return shown


def route_day_components(route: RouteFact, stops: list[StopFact]) -> dict:
    """The additive components of one route-day (see INTEGER_COMPONENTS and JSON_COMPONENTS).

    - a route not ended yet (a day in progress) counts only what has happened at its stops (attempts,
      outcomes, on-time, service, ETAs, ratings, sequence); its route-level figures (routes, route_s,
      driving_s, waiting_s, distances, plan, cost, CO2) count once it ends, so no KPI reads "0 s" of
      driving or "-100 %" against the plan for work not done; route_attempted is attempted once it ends;
    - route_s: the worked time, from the route's start to its end (0 when either is unknown);
    - service_s / waiting_s: summed over stops (service_seconds, waiting_seconds);
    - driving_s: route_s less service and waiting (never negative);
    - distance_m: driven distance from breadcrumbs when the route has any, else the planned distance;
    - cost_cents: the vehicle's fixed cost once per route + per hour x route hours + per km x distance,
      each rounded to a cent; co2_g: the vehicle's g/km x distance, rounded to a gram.
    """
    components = {name: 0 for name in INTEGER_COMPONENTS}
    reasons: dict[str, int] = {}
    eta: dict[str, dict] = {}
    scores: dict[str, int] = {}
    components["routes"] = 1
    components["stops"] = len(stops)
    for stop in stops:
        if stop.outcome is None:
            continue
        components["attempted"] += 1
        if stop.outcome == "delivered":
            components["delivered"] += 1
            if stop.windows:
                components["windowed_deliveries"] += 1
                components["on_time"] += int(is_on_time(stop))
        else:
            components["failed"] += 1
            reason = stop.reason or "other"
            reasons[reason] = reasons.get(reason, 0) + 1
        if stop.first_attempt:
            components["first_attempts"] += 1
            components["first_attempt_delivered"] += int(stop.outcome == "delivered")
        components["service_s"] += service_seconds(stop)
        components["waiting_s"] += waiting_seconds(stop)
        for horizon in ETA_HORIZONS_MIN:
            shown = eta_shown(stop, horizon)
            if shown is None:
                continue
            error_s = abs(int(round((stop.arrived_at - shown).total_seconds())))
            bucket = eta.setdefault(str(horizon), {"n": 0, "sum_s": 0, "minutes": {}})
            bucket["n"] += 1
            bucket["sum_s"] += error_s
            minute = str(math.ceil(error_s / 60))
            bucket["minutes"][minute] = bucket["minutes"].get(minute, 0) + 1
        if stop.rating is not None:
            components["rating_count"] += 1
            components["rating_sum"] += stop.rating
            scores[str(stop.rating)] = scores.get(str(stop.rating), 0) + 1
    if route.started_at is not None and route.ended_at is not None:
        components["route_s"] = max(0, int((route.ended_at - route.started_at).total_seconds()))
    components["driving_s"] = max(0, components["route_s"] - components["service_s"] - components["waiting_s"])
    distance = route.breadcrumb_distance_m if route.breadcrumb_distance_m else route.planned_distance_m
    components["distance_m"] = int(distance)
    components["planned_distance_m"] = int(route.planned_distance_m)
    components["planned_duration_s"] = int(route.planned_duration_s)
    components["cost_cents"] = (route.cost_fixed_cents + int(round(route.cost_per_hour_cents * components["route_s"] / 3600))
                                + int(round(route.cost_per_km_cents * distance / 1000)))
    components["co2_g"] = int(round(route.co2_g_per_km * distance / 1000))
    components["sequenced_stops"], components["out_of_sequence"] = out_of_sequence_count(stops)
    components["failure_reasons"] = reasons
    components["eta_errors"] = eta
    components["rating_scores"] = scores
    if route.ended_at is None:
        for name in ("routes", "route_s", "driving_s", "waiting_s", "distance_m", "planned_distance_m",
                     "planned_duration_s", "cost_cents", "co2_g"):
            components[name] = 0
    else:
        components["route_attempted"] = components["attempted"]
    return components


# --- summing ----------------------------------------------------------------------------------------

def empty_totals() -> dict:
    totals = {name: 0 for name in INTEGER_COMPONENTS}
    totals.update({name: {} for name in JSON_COMPONENTS})
    return totals


def add_into(totals: dict, row) -> dict:
    """Add one route-day (a dict or a roll-up row) into running totals."""
    get = row.get if isinstance(row, dict) else (lambda name, default=None: getattr(row, name, default))
    for name in INTEGER_COMPONENTS:
        totals[name] += get(name, 0) or 0
    for reason, count in (get("failure_reasons") or {}).items():
        totals["failure_reasons"][reason] = totals["failure_reasons"].get(reason, 0) + count
    for score, count in (get("rating_scores") or {}).items():
        totals["rating_scores"][score] = totals["rating_scores"].get(score, 0) + count
    for horizon, bucket in (get("eta_errors") or {}).items():
        target = totals["eta_errors"].setdefault(horizon, {"n": 0, "sum_s": 0, "minutes": {}})
        target["n"] += bucket["n"]
        target["sum_s"] += bucket["sum_s"]
        for minute, count in bucket["minutes"].items():
            target["minutes"][minute] = target["minutes"].get(minute, 0) + count
    return totals


def sum_rows(rows) -> dict:
    totals = empty_totals()
    for row in rows:
        add_into(totals, row)
    return totals


# --- the KPIs -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kpi:
    name: str
    unit: str
    better: str  # "higher" or "lower": which way a goal points by default
    compute: Callable[[dict], float | None]

    @property
    def definition(self) -> str:
        return " ".join((self.compute.__doc__ or "").split())


KPIS: dict[str, Kpi] = {}


def kpi(name: str, unit: str, better: str):
    def register(fn):
        KPIS[name] = Kpi(name, unit, better, fn)
        return fn
    return register


def ratio(numerator, denominator, scale: float = 1.0, digits: int = 4):
    """numerator/denominator, scaled and rounded; None when there is nothing to divide by (no such stops)."""
    return None if not denominator else round(numerator * scale / denominator, digits)


@kpi("on_time_rate", "ratio", "higher")
def on_time_rate(t):
    """Share of delivered stops that had a promised window and were delivered inside it (delivery moment
    within [start, end] of one of the order's windows). Deliveries without a window are not counted."""
    return ratio(t["on_time"], t["windowed_deliveries"])


@kpi("first_attempt_success_rate", "ratio", "higher")
def first_attempt_success_rate(t):
    """Share of orders delivered at their first attempt: attempts with no earlier failed attempt of the
    same order, that ended delivered, over all such first attempts (counted on the attempt's day)."""
    return ratio(t["first_attempt_delivered"], t["first_attempts"])


@kpi("delivery_success_rate", "ratio", "higher")
def delivery_success_rate(t):
    """Delivered attempts over all attempts (delivered + failed), any attempt number."""
    return ratio(t["delivered"], t["attempted"])


@kpi("failed_deliveries", "count", "lower")
def failed_deliveries(t):
    """Number of failed attempts (stops ended failed, whatever the reason; by reason in the breakdown)."""
    return t["failed"]


@kpi("stops_per_route_hour", "stops/h", "higher")
def stops_per_route_hour(t):
    """Attempted stops per hour of route time (route start to route end, summed over routes that ended)."""
    return ratio(t["route_attempted"], t["route_s"], 3600, 2)


@kpi("driving_s_per_route", "s", "lower")
def driving_s_per_route(t):
    """Driving time per route: route time less service and waiting time, averaged over routes."""
    return ratio(t["driving_s"], t["routes"], 1, 0)


@kpi("service_s_per_stop", "s", "lower")
def service_s_per_stop(t):
    """Service time per attempted stop: arrival to departure less waiting for the window."""
    return ratio(t["service_s"], t["attempted"], 1, 0)


@kpi("waiting_s_per_route", "s", "lower")
def waiting_s_per_route(t):
    """Waiting time per route: time spent at stops reached before their window opened."""
    return ratio(t["waiting_s"], t["routes"], 1, 0)


@kpi("distance_m_per_stop", "m", "lower")
def distance_m_per_stop(t):
    """Distance driven (breadcrumbs; the planned distance for a route without breadcrumbs) per attempted
    stop (of routes that ended)."""
    return ratio(t["distance_m"], t["route_attempted"], 1, 0)


@kpi("distance_m_per_route", "m", "lower")
def distance_m_per_route(t):
    """Distance driven per route (same distance as distance_m_per_stop)."""
    return ratio(t["distance_m"], t["routes"], 1, 0)


@kpi("cost_cents_per_stop", "cents", "lower")
def cost_cents_per_stop(t):
    """Vehicle cost per attempted stop: per route, the vehicle's fixed cost + per-hour cost x route hours +
    per-km cost x distance driven (each rounded to a cent), summed, divided by the attempted stops of
    routes that ended."""
    return ratio(t["cost_cents"], t["route_attempted"], 1, 0)


@kpi("cost_cents_per_route", "cents", "lower")
def cost_cents_per_route(t):
    """Vehicle cost (as in cost_cents_per_stop) per route."""
    return ratio(t["cost_cents"], t["routes"], 1, 0)


@kpi("co2_g_per_stop", "g", "lower")
def co2_g_per_stop(t):
    """CO2 per attempted stop: the vehicle's g/km x distance driven, summed over routes, per attempted
    stop (of routes that ended)."""
    return ratio(t["co2_g"], t["route_attempted"], 1, 0)


@kpi("co2_g_per_route", "g", "lower")
def co2_g_per_route(t):
    """CO2 (as in co2_g_per_stop) per route."""
    return ratio(t["co2_g"], t["routes"], 1, 0)


@kpi("distance_over_plan", "ratio", "lower")
def distance_over_plan(t):
    """Distance driven against the plan: (driven - planned) / planned, over routes with a plan.
    0 means as planned; 0.1 means 10 % more than planned."""
    return ratio(t["distance_m"] - t["planned_distance_m"], t["planned_distance_m"]) if t["planned_distance_m"] else None


@kpi("duration_over_plan", "ratio", "lower")
def duration_over_plan(t):
    """Route time against the planned duration: (route time - planned) / planned."""
    return ratio(t["route_s"] - t["planned_duration_s"], t["planned_duration_s"]) if t["planned_duration_s"] else None


@kpi("out_of_sequence_rate", "ratio", "lower")
def out_of_sequence_rate(t):
    """How often the driver left the planned sequence: visits (in arrival order) that were not the lowest
    planned sequence still to visit, over visited stops with a planned sequence."""
    return ratio(t["out_of_sequence"], t["sequenced_stops"])


def _eta_mean(horizon: int):
    def compute(t):
        bucket = t["eta_errors"].get(str(horizon))
        return ratio(bucket["sum_s"], bucket["n"], 1, 0) if bucket else None
    compute.__doc__ = (f"Mean absolute error, in seconds, of the ETA shown {horizon} minutes before the actual arrival "
                       "(the latest eta_changed event recorded by then) against that arrival, over stops that had one.")
    return compute


def _eta_p90(horizon: int):
    def compute(t):
        bucket = t["eta_errors"].get(str(horizon))
        if not bucket or not bucket["n"]:
            return None
        rank = math.ceil(0.9 * bucket["n"])  # nearest rank
        seen = 0
        for minute in sorted(bucket["minutes"], key=int):
            seen += bucket["minutes"][minute]
            if seen >= rank:
                return int(minute) * 60
        return None
    compute.__doc__ = (f"90th percentile (nearest rank) of the same errors {horizon} minutes before arrival, in seconds, "
                       "at one-minute resolution: each error is rounded up to a whole minute.")
    return compute


for _horizon in ETA_HORIZONS_MIN:
    kpi(f"eta_mae_s_{_horizon}", "s", "lower")(_eta_mean(_horizon))
    kpi(f"eta_p90_s_{_horizon}", "s", "lower")(_eta_p90(_horizon))


@kpi("rating_mean", "1-5", "higher")
def rating_mean(t):
    """Mean customer rating (1-5) of the stops delivered in the period (a rating counts on its delivery's day)."""
    return ratio(t["rating_sum"], t["rating_count"], 1, 2)


def compute_all(totals: dict) -> dict:
    return {name: definition.compute(totals) for name, definition in KPIS.items()}


def definitions() -> list[dict]:
    return [{"name": k.name, "unit": k.unit, "better": k.better, "definition": k.definition} for k in KPIS.values()]


def meets(value: float | None, comparison: str, target: float) -> bool | None:
    """A goal is met when the KPI's value compares to the target as asked; no value means not known."""
    if value is None:
        return None
    return value >= target if comparison == ">=" else value <= target
