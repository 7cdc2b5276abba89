"""Hour-of-day traffic: travel times are multiplied by the factor of the hour a leg starts in.

Problem times are integers in seconds, either Unix timestamps or seconds since
local midnight; ``tz_offset_s`` maps them to the local clock
(``hour = ((t + tz_offset_s) // 3600) % 24``).  Enabled with
``options.traffic = true`` (defaults below) or a dict
``{"tz_offset_s": 3600, "hourly_factors": [24 floats]}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RoutingError

# Travel-time multipliers by local hour: free-flowing nights, morning rush
# 7-9h, a busy midday, evening rush 16-19h.  1.0 is the static matrix.
DEFAULT_HOURLY_FACTORS = (
    0.8, 0.8, 0.8, 0.8, 0.8, 0.85,  # 0-5h
    1.0, 1.35, 1.45, 1.2, 1.05, 1.05,  # 6-11h
    1.1, 1.05, 1.05, 1.15, 1.4, 1.5,  # 12-17h
    1.35, 1.1, 0.95, 0.9, 0.85, 0.8,  # 18-23h
)


@dataclass(frozen=True)
class TrafficProfile:
    hourly_factors: tuple
    tz_offset_s: int = 0

    def hour_of(self, t: int) -> int:
        return int(((t + self.tz_offset_s) // 3600) % 24)

    def factor_at(self, t: int) -> float:
        return self.hourly_factors[self.hour_of(t)]

    def travel_time(self, static_seconds: int, depart_at: int) -> int:
        """Seconds to drive a leg that takes ``static_seconds`` on the static matrix, leaving at ``depart_at``."""
        if static_seconds <= 0:
            return 0
        return int(round(static_seconds * self.factor_at(depart_at)))


def parse_traffic(option) -> TrafficProfile | None:
    """Read ``options.traffic``; None when traffic is off."""
    if option is None or option is False:
        return None
    if option is True:
        return TrafficProfile(DEFAULT_HOURLY_FACTORS)
    if not isinstance(option, dict):
        raise RoutingError("options.traffic must be true, false or an object")
    factors = option.get("hourly_factors", DEFAULT_HOURLY_FACTORS)
    if (
        not isinstance(factors, (list, tuple))
        or len(factors) != 24
        or not all(isinstance(f, (int, float)) and f > 0 for f in factors)
    ):
        raise RoutingError("options.traffic.hourly_factors must be 24 positive numbers")
    tz = option.get("tz_offset_s", 0)
    if not isinstance(tz, int) or isinstance(tz, bool):
        raise RoutingError("options.traffic.tz_offset_s must be an integer")
    return TrafficProfile(tuple(float(f) for f in factors), tz)
