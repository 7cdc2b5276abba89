"""Turn-by-turn directions to a stop: OSRM's route service when configured, otherwise distance and bearing.

The steps carry OSRM's manoeuvre (type, modifier, exit) and the street's name and reference: the driver app
words them in its own language. `instruction` is an English sentence for API users who show one as is.
"""
from __future__ import annotations

from flask import current_app

from backend import outbound
from backend.errors import DomainError
from backend.geo.osrm import PROFILES, OsrmClient, OsrmRefused, OsrmUnavailable
from backend.geo.sphere import bearing_deg, distance_m


def _client(base: str, timeout_s: float) -> OsrmClient:
    return OsrmClient(base, timeout_s=timeout_s, policy=outbound.Policy.from_config(current_app.config))


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
    straight = {"mode": "bearing", "distance_m": round(distance_m(from_lat, from_lon, to_lat, to_lon)),
                "duration_s": None, "bearing_deg": round(bearing_deg(from_lat, from_lon, to_lat, to_lon), 1),
                "steps": [], "destination": [to_lat, to_lon], "geometry": [[from_lat, from_lon], [to_lat, to_lon]]}
    base = current_app.config.get("OSRM_URL")
    if not base:
        return straight
    try:
        status, body = _client(base, 10).get(
            "route", PROFILES.get(profile, "driving"), f"{from_lon:.6f},{from_lat:.6f};{to_lon:.6f},{to_lat:.6f}",
            "steps=true&overview=full&geometries=geojson")
    except OsrmRefused:
        straight["fallback_reason"] = "osrm_refused"
        return straight
    except OsrmUnavailable:
        straight["fallback_reason"] = "osrm_unreachable"
        return straight
    if status != 200 or body.get("code") != "Ok" or not body.get("routes"):
        if body.get("code") in ("NoRoute", "NoSegment"):
            raise DomainError("No road route to this stop.", code="no_route_found", status=422)
        straight["fallback_reason"] = body.get("code", "osrm_error")
        return straight
    try:
        return _osrm_directions(body["routes"][0], straight)
    except (AttributeError, KeyError, TypeError, ValueError):
        # An answer that is not OSRM's shape: the driver still gets the straight line, and the reason.
        straight["fallback_reason"] = "osrm_error"
        return straight


def _osrm_directions(route: dict, straight: dict) -> dict:
    steps = [_step(step) for leg in route.get("legs") or [] for step in leg.get("steps") or []]
    path = [[float(lat), float(lon)] for lon, lat in (route.get("geometry") or {}).get("coordinates") or []]
    if len(path) < 2:  # no overview: the manoeuvres' points are the best path there is
        path = [[lat, lon] for lon, lat in (s["maneuver"]["location"] for s in steps if s["maneuver"]["location"])]
    return {"mode": "osrm", "distance_m": round(route["distance"]), "duration_s": round(route["duration"]),
            "bearing_deg": straight["bearing_deg"], "steps": steps, "destination": straight["destination"],
            "geometry": path if len(path) >= 2 else straight["geometry"]}


def _step(step: dict) -> dict:
    maneuver = step.get("maneuver") or {}
    location = maneuver.get("location")
    exit_number = maneuver.get("exit")
    return {"instruction": _instruction(step), "distance_m": round(step.get("distance") or 0),
            "duration_s": round(step.get("duration") or 0), "name": step.get("name") or "",
            "ref": step.get("ref") or "",
            "maneuver": {"type": maneuver.get("type"), "modifier": maneuver.get("modifier"),
                         "exit": int(exit_number) if isinstance(exit_number, (int, float)) else None,
                         "location": [float(location[0]), float(location[1])] if location else None}}


def road_geometry(points: list[tuple[float, float]], profile: str = "van") -> list[list[float]] | None:
    """The road path through `points` ([lat, lon] in order) from OSRM's route service; None without OSRM
    or when it cannot answer (the caller then draws straight legs)."""
    base = current_app.config.get("OSRM_URL")
    if not base or len(points) < 2:
        return None
    coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    try:
        status, body = _client(base, 15).get("route", PROFILES.get(profile, "driving"), coordinates,
                                             "overview=full&geometries=geojson&steps=false")
    except OsrmUnavailable:
        return None
    if status != 200 or body.get("code") != "Ok" or not body.get("routes"):
        return None
    return [[lat, lon] for lon, lat in body["routes"][0]["geometry"]["coordinates"]]
