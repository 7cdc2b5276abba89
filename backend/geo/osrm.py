"""The one OSRM client: the road network's `table` and `route` services over HTTP.

Pure (no Flask, no database) so the solver's matrix provider and the app's directions share it.
Every request passes the one outbound guard (backend/outbound.py) under the caller's policy: the
app passes the policy of its config; without one, the OUTBOUND_* settings of the environment apply.
Whoever calls it decides what a failure means: the solver refuses the problem (VROOM's code 3),
directions fall back to distance and bearing.
"""
from __future__ import annotations

import os
from typing import Protocol, Sequence

import requests

from backend import outbound

# Vehicle profiles of orders and fleets -> OSRM's profiles.
PROFILES = {"car": "driving", "van": "driving", "truck": "driving", "bike": "cycling", "cargo_bike": "cycling"}


class OsrmUnavailable(Exception):
    """OSRM could not be reached or did not answer with JSON."""


class OsrmRefused(OsrmUnavailable):
    """The outbound guard refused OSRM's URL (scheme or address): retrying the same URL cannot help."""


class RoadNetwork(Protocol):
    """What the rest of the code needs from a road network service."""

    def get(self, service: str, profile: str, coordinates: str, query: str = "") -> tuple[int, dict]: ...


def lonlat_path(points: Sequence[Sequence[float]]) -> str:
    """OSRM's coordinate list ("lon,lat;lon,lat") from [lon, lat] pairs."""
    return ";".join(f"{float(lon):.6f},{float(lat):.6f}" for lon, lat in points)


class OsrmClient:
    """OSRM's HTTP API at `base_url` (like ``http://127.0.0.1:5000``), reached through the outbound guard."""

    def __init__(self, base_url: str, timeout_s: float = 30.0, policy: outbound.Policy | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.policy = policy if policy is not None else outbound.Policy.from_config(os.environ)

    def get(self, service: str, profile: str, coordinates: str, query: str = "") -> tuple[int, dict]:
        """(HTTP status, JSON body) of `/<service>/v1/<profile>/<coordinates>?<query>`.

        OSRM answers errors with a JSON body too ({"code": "NoRoute", ...}); the caller reads `code`.
        Raises OsrmRefused when the guard will not fetch the URL, OsrmUnavailable when OSRM cannot be
        reached or answers something else than a JSON object.
        """
        url = f"{self.base_url}/{service}/v1/{profile}/{coordinates}" + (f"?{query}" if query else "")
        try:
            response = outbound.get(url, self.policy, timeout=self.timeout_s)
        except outbound.OutboundRefused as refused:
            raise OsrmRefused(refused.message) from refused
        except requests.RequestException as exc:
            raise OsrmUnavailable(str(exc)) from exc
        try:
            body = response.json()
        except ValueError as exc:
            raise OsrmUnavailable(f"HTTP {response.status_code}") from exc
        if not isinstance(body, dict):
            raise OsrmUnavailable(f"HTTP {response.status_code}: not an OSRM answer")
        return response.status_code, body
