"""Travel-time and distance matrices between [lon, lat] locations.

Two providers share one interface (:class:`MatrixProvider`):

* :class:`HaversineProvider` – great-circle distance times a road-detour factor
  (roads are rarely straight: 1.3 is a common urban figure), driven at a
  fixed speed per vehicle profile.  Needs no server, so it is the default.
* :class:`OsrmProvider` – an OSRM server's ``/table/v1`` service (real road
  network), and ``/route/v1`` for a route's geometry, through geo's one OSRM client.

Matrices are cached by rounded coordinates + profile + hour (see
:class:`MatrixCache`) so that re-optimizing a day after one change does not
query the road network again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from backend import outbound
from backend.geo.osrm import OsrmClient, OsrmRefused, OsrmUnavailable, lonlat_path
from backend.geo.sphere import distance_matrix_m, unit_vectors

from .errors import ROUTING_ERROR, RoutingError

DEFAULT_DETOUR_FACTOR = 1.3
# Average door-to-door speeds in a city, km/h.  Overridable per problem with
# options.speed_kmh = {"car": 28, ...}.
DEFAULT_SPEED_KMH = {"car": 30.0, "van": 28.0, "truck": 25.0, "bike": 15.0, "cargo_bike": 15.0, "foot": 5.0}
FALLBACK_SPEED_KMH = 30.0


@dataclass
class Matrices:
    """Integer matrices indexed [from][to]: seconds and meters (int32: a 5,000-place day
    is 100 MB per matrix, not 200)."""

    durations: np.ndarray
    distances: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.durations.nbytes + self.distances.nbytes)


MATRIX_DTYPE = np.int32
INT32_MAX = np.iinfo(np.int32).max
# rows per block when building a matrix: keeps the float temporaries to a few MB
# whatever the size (a 5,000 x 5,000 float64 temporary alone is 200 MB)
BLOCK_ROWS = 256


class MatrixProvider(Protocol):
    """Anything that turns locations into matrices for one vehicle profile."""

    def matrices(self, locations: Sequence[Sequence[float]], profile: str) -> Matrices: ...


class HaversineProvider:
    """Straight-line distance x detour factor, at a constant speed per profile."""

    def __init__(self, detour_factor: float = DEFAULT_DETOUR_FACTOR, speed_kmh: dict | None = None):
        if detour_factor < 1.0:
            raise RoutingError("detour_factor must be >= 1 (roads are never shorter than the straight line)")
        self.detour_factor = float(detour_factor)
        self.speed_kmh = dict(DEFAULT_SPEED_KMH)
        for profile, speed in (speed_kmh or {}).items():
            if not isinstance(speed, (int, float)) or speed <= 0:
                raise RoutingError(f"options.speed_kmh[{profile!r}] must be a positive number")
            self.speed_kmh[profile] = float(speed)

    def cache_key(self) -> tuple:
        return ("haversine", self.detour_factor, tuple(sorted(self.speed_kmh.items())))

    def matrices(self, locations, profile: str) -> Matrices:
        n = len(locations)
        speed_ms = self.speed_kmh.get(profile, FALLBACK_SPEED_KMH) / 3.6
        durations = np.empty((n, n), dtype=MATRIX_DTYPE)
        distances = np.empty((n, n), dtype=MATRIX_DTYPE)
        unit = unit_vectors(locations) if n else None
        for first in range(0, n, BLOCK_ROWS):
            rows = slice(first, min(n, first + BLOCK_ROWS))
            road_m = distance_matrix_m(locations, rows, unit=unit)
            road_m *= self.detour_factor
            # half the earth's circumference is ~20,000 km: metres and seconds fit int32
            durations[rows] = np.rint(road_m / speed_ms)
            distances[rows] = np.rint(road_m, out=road_m)
        return Matrices(durations=durations, distances=distances)


class OsrmProvider:
    """OSRM's HTTP services.  ``base_url`` like ``http://127.0.0.1:5000``.

    Large tables are requested in blocks of ``max_table_size`` sources so one
    request stays below OSRM's default ``--max-table-size`` (100). Every request
    passes the outbound guard under ``policy`` (the app passes its own; without
    one, the OUTBOUND_* settings of the environment apply).
    """

    def __init__(self, base_url: str, timeout_s: float = 30.0, max_table_size: int = 100,
                 policy: outbound.Policy | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = OsrmClient(self.base_url, timeout_s, policy=policy)
        self.max_table_size = max_table_size

    @property
    def policy(self) -> outbound.Policy:
        return self.client.policy

    def cache_key(self) -> tuple:
        return ("osrm", self.base_url)

    def _get(self, service: str, profile: str, locations, query: str) -> dict:
        try:
            status, body = self.client.get(service, profile, lonlat_path(locations), query)
        except OsrmRefused as refused:
            raise RoutingError(f"OSRM request refused by the outbound guard: {refused}", ROUTING_ERROR) from refused
        except OsrmUnavailable as exc:
            raise RoutingError(f"OSRM request failed: {exc}", ROUTING_ERROR) from exc
        if body.get("code") != "Ok":
            raise RoutingError(f"OSRM error: {body.get('code')}: {body.get('message', '')}", ROUTING_ERROR)
        return body

    def matrices(self, locations, profile: str) -> Matrices:
        n = len(locations)
        durations = np.zeros((n, n), dtype=MATRIX_DTYPE)
        distances = np.zeros((n, n), dtype=MATRIX_DTYPE)
        block = max(1, self.max_table_size)
        for first in range(0, n, block):
            rows = list(range(first, min(n, first + block)))
            query = "annotations=duration,distance"
            if len(rows) < n:
                query += "&sources=" + ";".join(map(str, rows))
            body = self._get("table", profile, locations, query)
            table_d = body.get("durations")
            table_m = body.get("distances")
            if table_d is None:
                raise RoutingError("OSRM table answer has no durations", ROUTING_ERROR)
            if len(table_d) != len(rows) or any(len(line) != n for line in table_d) or (
                    table_m is not None and (len(table_m) != len(rows) or any(len(line) != n for line in table_m))):
                raise RoutingError("OSRM table answer does not match the locations asked for", ROUTING_ERROR)
            for k, row in enumerate(rows):
                for j in range(n):
                    value = table_d[k][j]
                    if value is None:
                        raise RoutingError(f"OSRM found no route between locations {row} and {j}", ROUTING_ERROR)
                    durations[row, j] = round(value)
                    if table_m is not None and table_m[k][j] is not None:
                        distances[row, j] = round(table_m[k][j])
        return Matrices(durations=durations, distances=distances)

    def route(self, locations, profile: str) -> dict:
        """Geometry (encoded polyline), distance and duration of driving through ``locations`` in order."""
        body = self._get("route", profile, locations, "overview=full&geometries=polyline")
        best = body["routes"][0]
        return {"geometry": best.get("geometry"), "distance": round(best["distance"]), "duration": round(best["duration"]),
                "leg_distances": [round(leg.get("distance", 0)) for leg in best.get("legs", [])]}


class MatrixCache:
    """A small LRU of matrices keyed by rounded coordinates, profile, provider and hour.

    Coordinates are rounded to 5 decimals (~1 m): a driver's GPS jitter must not
    make a re-optimization miss the cache.  Bounded by entries and by bytes: a long-lived
    server planning big days must not keep dozens of 200 MB matrices.
    """

    def __init__(self, max_entries: int = 32, max_bytes: int = 512 * 2**20):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(locations, profile: str, provider_key: tuple, hour: int | None) -> tuple:
        rounded = tuple((round(float(lon), 5), round(float(lat), 5)) for lon, lat in locations)
        return (rounded, profile, provider_key, hour)

    def get_or_compute(self, locations, profile: str, provider, hour: int | None = None) -> Matrices:
        key = self.key(locations, profile, provider.cache_key(), hour)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        result = provider.matrices(locations, profile)
        with self._lock:
            self.misses += 1
            if result.nbytes <= self.max_bytes:
                self._entries[key] = result
            while len(self._entries) > self.max_entries or sum(m.nbytes for m in self._entries.values()) > self.max_bytes:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


DEFAULT_CACHE = MatrixCache()


def provider_from_options(options: dict, policy: outbound.Policy | None = None) -> MatrixProvider:
    """Pick the provider named by problem options: ``osrm_url`` or haversine (``detour_factor``, ``speed_kmh``).

    ``osrm_url`` is the operator's (OSRM_URL, or a problem file on the command line): the server never
    takes it from a request body.
    """
    osrm_url = options.get("osrm_url")
    if osrm_url:
        if not isinstance(osrm_url, str) or not osrm_url.startswith(("http://", "https://")):
            raise RoutingError("options.osrm_url must be an http(s) URL")
        return OsrmProvider(osrm_url, policy=policy)
    return HaversineProvider(
        detour_factor=options.get("detour_factor", DEFAULT_DETOUR_FACTOR), speed_kmh=options.get("speed_kmh")
    )
