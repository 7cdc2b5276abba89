"""Turn-by-turn directions to a stop: OSRM's route service when configured, otherwise distance and bearing."""
from __future__ import annotations

import math

import requests
from flask import current_app

from backend import outbound
from backend.errors import DomainError

PROFILES = {"car": "driving", "van": "driving", "truck": "driving", "bike": "cycling", "cargo_bike": "cycling"}


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(x, y)) + 360) % 360


def _instruction(step: dict) -> str:
    maneuver = step.get("maneuver", {})
    kind, modifier, name = maneuver.get("type", ""), maneuver.get("modifier", ""), step.get("name") or ""
    words = {"depart": "Head", "arrive": "Arrive", "turn": "Turn", "new name": "Continue", "continue": "Continue",
             "merge": "Merge", "on ramp": "Take the ramp", "off ramp": "Take the exit", "fork": "Keep",
             "end of road": "At the end of the road turn", "roundabout": "At the roundabout take the exit",
             "rotary": "At the roundabout take the exit"}.get(kind, kind.capitalize())
    text = f"{words} {modifier}".strip() if modifier and kind not in ("arrive",) else words
    return f"{text} onto {name}" if name and kind not in ("arrive",) else text


def directions(from_lat: float, from_lon: float, to_lat: float, to_lon: float, profile: str = "van") -> dict:
    from backend.tracking.service import distance_m

    straight = {"mode": "bearing", "distance_m": round(distance_m(from_lat, from_lon, to_lat, to_lon)),
                "duration_s": None, "bearing_deg": round(bearing_deg(from_lat, from_lon, to_lat, to_lon), 1),
                "steps": []}
    base = current_app.config.get("OSRM_URL")
    if not base:
        return straight
    url = (f"{base.rstrip('/')}/route/v1/{PROFILES.get(profile, 'driving')}/"
           f"{from_lon:.6f},{from_lat:.6f};{to_lon:.6f},{to_lat:.6f}")
    try:
        response = outbound.get(url, outbound.Policy.from_config(current_app.config),
                                params={"steps": "true", "overview": "false"}, timeout=10)
        body = response.json()
    except outbound.OutboundRefused:
        straight["fallback_reason"] = "osrm_refused"
        return straight
    except (requests.RequestException, ValueError):
        straight["fallback_reason"] = "osrm_unreachable"
        return straight
    if response.status_code != 200 or body.get("code") != "Ok" or not body.get("routes"):
        if body.get("code") in ("NoRoute", "NoSegment"):
            raise DomainError("No road route to this stop.", code="no_route_found", status=422)
        straight["fallback_reason"] = body.get("code", "osrm_error")
        return straight
    route = body["routes"][0]
    steps = [{"instruction": _instruction(step), "distance_m": round(step.get("distance", 0)),
              "duration_s": round(step.get("duration", 0)), "name": step.get("name", ""),
              "maneuver": {"type": step.get("maneuver", {}).get("type"),
                           "modifier": step.get("maneuver", {}).get("modifier"),
                           "location": step.get("maneuver", {}).get("location")}}
             for leg in route.get("legs", []) for step in leg.get("steps", [])]
    return {"mode": "osrm", "distance_m": round(route["distance"]), "duration_s": round(route["duration"]),
            "bearing_deg": straight["bearing_deg"], "steps": steps}


def road_geometry(points: list[tuple[float, float]], profile: str = "van") -> list[list[float]] | None:
    """The road path through `points` ([lat, lon] in order) from OSRM's route service; None without OSRM
    or when it cannot answer (the caller then draws straight legs)."""
    base = current_app.config.get("OSRM_URL")
    if not base or len(points) < 2:
        return None
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    try:
        response = outbound.get(f"{base.rstrip('/')}/route/v1/{PROFILES.get(profile, 'driving')}/{coordinates}",
                                outbound.Policy.from_config(current_app.config),
                                params={"overview": "full", "geometries": "geojson", "steps": "false"}, timeout=15)
        body = response.json()
    except (outbound.OutboundRefused, requests.RequestException, ValueError):
        return None
    if response.status_code != 200 or body.get("code") != "Ok" or not body.get("routes"):
        return None
    return [[lat, lon] for lon, lat in body["routes"][0]["geometry"]["coordinates"]]
