"""The ETA model's learned part: how fast this driver is going today compared to the plan.

Travel times come from the routing matrices with the hour's traffic factor; on top of that, the
driver's pace so far today (actual versus planned time between stops) scales the remaining legs.
Early in the day there is little evidence, so the observed pace is shrunk toward 1.0 (the plan)
and bounded, so one long stop (a chatty customer, a locked door) does not swing every ETA.
"""
from __future__ import annotations

from backend.routing.traffic import DEFAULT_HOURLY_FACTORS

PACE_BOUNDS = (0.75, 1.6)
PRIOR_LEGS = 3  # the plan counts as this many observed legs


def pace_factor(observations: list[tuple[float, float]]) -> float:
    """observations: (planned seconds, actual seconds) of the legs done today; 1.0 means on plan."""
    planned = sum(p for p, _ in observations if p > 0)
    actual = sum(a for p, a in observations if p > 0)
    if planned <= 0:
        return 1.0
    raw = actual / planned
    weight = len(observations) / (len(observations) + PRIOR_LEGS)
    shrunk = 1.0 + (raw - 1.0) * weight
    return min(max(shrunk, PACE_BOUNDS[0]), PACE_BOUNDS[1])


def traffic_option(pace: float = 1.0, hourly_factors=DEFAULT_HOURLY_FACTORS) -> dict | bool:
    """The solver's options.traffic with every hour's factor scaled by the driver's pace."""
    if abs(pace - 1.0) < 1e-6:
        return True
    return {"hourly_factors": [round(f * pace, 4) for f in hourly_factors], "tz_offset_s": 0}
