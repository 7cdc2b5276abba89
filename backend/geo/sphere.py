"""Distance on the sphere: the one great-circle formula and the one Earth radius of the code base.

Pure functions (no Flask, no database): the solver's matrices, the geofence, the simulator and the
KPIs all measure with these, so a stop 50 m away is 50 m away everywhere.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def distance_matrix_m(locations: Sequence[Sequence[float]], rows: slice | None = None) -> np.ndarray:
    """Great-circle distance matrix in metres (float) for [lon, lat] pairs (VROOM's order), vectorised
    (``rows``: only those origins, so a large matrix can be built in blocks)."""
    coords = np.radians(np.asarray(locations, dtype=np.float64).reshape(-1, 2))
    lon, lat = coords[:, 0], coords[:, 1]
    lon0, lat0 = (lon, lat) if rows is None else (lon[rows], lat[rows])
    dlat = lat[None, :] - lat0[:, None]
    dlon = lon[None, :] - lon0[:, None]
    a = np.sin(dlat / 2.0) ** 2 + np.cos(lat0)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def path_length_m(points: Iterable[tuple[float, float]]) -> int:
    """Length of a path of (lat, lon) points: the sum of great-circle distances between consecutive points."""
    points = list(points)
    return int(round(sum(distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:]))))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial compass bearing from the first point to the second, 0-360 degrees (0 = north)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360
