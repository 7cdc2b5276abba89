"""Reading the single fields of a VROOM problem: integers, time windows, amounts, skills, places.

Every function raises :class:`RoutingError` (code 2) with a message naming the field.
"""

from __future__ import annotations

import math

from .errors import refuse
from .model import MAX_TIME


def read_int(value, what: str, minimum: int | None = 0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        refuse(f"{what} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        refuse(f"{what} must be >= {minimum}, got {value}")
    return value


def read_number(value, what: str, minimum: float = 0.0):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        refuse(f"{what} must be a number, got {value!r}")
    if value < minimum:
        refuse(f"{what} must be >= {minimum}, got {value}")
    return float(value)


def read_id(obj: dict, kind: str) -> int:
    """Ids are non-negative integers (VROOM refuses negative and fractional ones, even 3.0);
    ``kind``: job, pickup, delivery, vehicle or break, as VROOM's message names it."""
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >= 2**64:
        refuse(f"Invalid or missing id for {kind}.")
    return value


def read_durations_per_type(obj: dict, key: str, what: str) -> dict:
    """``setup_per_type`` / ``service_per_type``: vehicle type -> seconds."""
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        refuse(f"{what} {key} must be an object mapping vehicle types to seconds")
    return {str(k): read_int(v, f"{what} {key}[{k!r}]") for k, v in value.items()}


def read_time_window(tw, what: str) -> tuple:
    if not isinstance(tw, (list, tuple)) or len(tw) != 2:
        refuse(f"{what} must be a pair [start, end], got {tw!r}")
    start = read_int(tw[0], f"{what} start", minimum=0)
    end = read_int(tw[1], f"{what} end", minimum=0)
    if start > end:
        refuse(f"{what} starts after it ends: {tw!r}")
    return (start, end)


def read_time_windows(obj: dict, what: str) -> list:
    tws = obj.get("time_windows")
    if tws is None:
        return [(0, MAX_TIME)]
    if not isinstance(tws, list) or not tws:
        refuse(f"{what} time_windows must be a non-empty list")
    parsed = sorted(read_time_window(tw, f"{what} time window") for tw in tws)
    for (a0, b0), (a1, b1) in zip(parsed, parsed[1:]):
        if a1 <= b0:
            refuse(f"{what} time windows overlap: {tws!r}")
    return parsed


def read_amount(obj: dict, key: str, n_dims: int, what: str) -> tuple:
    value = obj.get(key)
    if value is None:
        return (0,) * n_dims
    if not isinstance(value, list):
        refuse(f"{what} {key} must be a list of integers")
    if len(value) != n_dims:
        refuse(f"{what} {key} has {len(value)} dimensions but vehicle capacities have {n_dims}")
    return tuple(read_int(x, f"{what} {key}", minimum=0) for x in value)


def read_skills(obj: dict, what: str) -> frozenset:
    value = obj.get("skills", [])
    if not isinstance(value, list):
        refuse(f"{what} skills must be a list of integers")
    return frozenset(read_int(s, f"{what} skill", minimum=0) for s in value)


class LocationTable:
    """Maps tasks' and vehicles' places to location indices.

    With custom matrices places are ``location_index`` values into them; without,
    distinct [lon, lat] pairs get consecutive indices.
    """

    def __init__(self, custom: bool, matrix_size: int | None):
        self.custom = custom
        self.matrix_size = matrix_size
        self.coords: list = []
        self._by_coords: dict = {}

    def resolve(self, obj: dict, what: str, index_key="location_index", coords_key="location") -> int:
        if self.custom:
            if index_key not in obj:
                refuse(f"{what} needs {index_key} because the problem gives custom matrices")
            idx = read_int(obj[index_key], f"{what} {index_key}")
            if idx >= self.matrix_size:
                refuse(f"{what} {index_key} {idx} is outside the {self.matrix_size}x{self.matrix_size} matrix")
            while len(self.coords) < self.matrix_size:
                self.coords.append(None)
            if coords_key in obj and obj[coords_key] is not None:
                self.coords[idx] = read_coords(obj[coords_key], what)
            return idx
        if coords_key not in obj or obj[coords_key] is None:
            if index_key in obj:
                refuse(f"{what} has {index_key} but the problem has no matrices: give [lon, lat] {coords_key}")
            refuse(f"{what} has no {coords_key}")
        lonlat = read_coords(obj[coords_key], what)
        key = (round(lonlat[0], 7), round(lonlat[1], 7))
        if key not in self._by_coords:
            self._by_coords[key] = len(self.coords)
            self.coords.append(lonlat)
        return self._by_coords[key]


def read_coords(value, what: str) -> list:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        refuse(f"{what} location must be [lon, lat], got {value!r}")
    lon = read_number(value[0], f"{what} longitude", minimum=-180.0)
    lat = read_number(value[1], f"{what} latitude", minimum=-90.0)
    if lon > 180 or lat > 90:
        refuse(f"{what} location {value!r} is not a valid [lon, lat]")
    return [lon, lat]

