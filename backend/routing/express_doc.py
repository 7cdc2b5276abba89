"""The VROOM problem and answer as the OpenAPI document describes them (`POST /api/v1/vroom`).

The body is read by hand (express.read_request) because VROOM's own format is the contract, not a
marshmallow schema of ours: this is its shape as VROOM's API.md gives it, with an example that solves.
Locations are [lon, lat]; durations in seconds; amounts are integer vectors of the same length everywhere.
"""
from __future__ import annotations

_LOCATION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
             "description": "[longitude, latitude]"}
_WINDOW = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
           "description": "[start, end] in seconds"}
_AMOUNT = {"type": "array", "items": {"type": "integer", "minimum": 0}}
_IDS = {"type": "array", "items": {"type": "integer"}}

_TASK = {
    "id": {"type": "integer"}, "description": {"type": "string"}, "location": _LOCATION,
    "location_index": {"type": "integer", "minimum": 0, "description": "Row of the matrices instead of a location."},
    "setup": {"type": "integer", "minimum": 0}, "service": {"type": "integer", "minimum": 0},
    "skills": _IDS, "priority": {"type": "integer", "minimum": 0, "maximum": 100},
    "time_windows": {"type": "array", "items": _WINDOW},
}

_EXAMPLE_PROBLEM = {
    "vehicles": [{"id": 1, "start": [-73.6893, 45.5017], "end": [-73.6893, 45.5017], "capacity": [10],
                  "time_window": [28800, 61200]}],
    "jobs": [{"id": 1, "location": [-73.6755, 45.5048], "service": 300, "delivery": [2]},
             {"id": 2, "location": [-73.6722, 45.5062], "service": 420, "delivery": [1],
              "time_windows": [[32400, 43200]]}],
    "options": {"g": False},
}

VROOM_PROBLEM = {
    "type": "object", "additionalProperties": True,
    "description": "A VROOM problem (VROOM's API.md): vehicles and jobs and/or shipments, optionally matrices. "
                   "`options.g` asks for route geometry; a URL in the body is never fetched.",
    "required": ["vehicles"],
    "properties": {
        "vehicles": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer"}, "profile": {"type": "string", "example": "car"}, "description": {"type": "string"},
            "start": _LOCATION, "end": _LOCATION, "start_index": {"type": "integer"}, "end_index": {"type": "integer"},
            "capacity": _AMOUNT, "skills": _IDS, "time_window": _WINDOW,
            "breaks": {"type": "array", "items": {"type": "object"}},
            "speed_factor": {"type": "number", "exclusiveMinimum": True, "minimum": 0},
            "max_tasks": {"type": "integer"}, "max_travel_time": {"type": "integer"},
            "max_distance": {"type": "integer"}}}},
        "jobs": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
            **_TASK, "delivery": _AMOUNT, "pickup": _AMOUNT}}},
        "shipments": {"type": "array", "items": {"type": "object", "required": ["pickup", "delivery"], "properties": {
            "pickup": {"type": "object", "properties": _TASK}, "delivery": {"type": "object", "properties": _TASK},
            "amount": _AMOUNT, "skills": _IDS, "priority": {"type": "integer"}}}},
        "matrices": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "durations": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            "distances": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            "costs": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}}},
            "description": "Per vehicle profile (e.g. `car`)."},
        "options": {"type": "object", "properties": {"g": {"type": "boolean", "description": "Return geometry."}}},
    },
    "example": _EXAMPLE_PROBLEM,
}

_STEP = {"type": "object", "properties": {
    "type": {"type": "string", "enum": ["start", "job", "pickup", "delivery", "break", "end"]},
    "id": {"type": "integer"}, "location": _LOCATION, "arrival": {"type": "integer"},
    "duration": {"type": "integer"}, "setup": {"type": "integer"}, "service": {"type": "integer"},
    "waiting_time": {"type": "integer"}, "load": _AMOUNT, "distance": {"type": "integer"},
    "violations": {"type": "array", "items": {"type": "object"}}}}

VROOM_SOLUTION = {
    "type": "object", "additionalProperties": True, "required": ["code"],
    "description": "VROOM's answer: `code` 0 with the solution; otherwise `code` (1 internal, 2 input, 3 routing, "
                   "4 too large) and `error`, with vroom-express's HTTP status.",
    "properties": {
        "code": {"type": "integer", "enum": [0, 1, 2, 3, 4]},
        "error": {"type": "string"},
        "summary": {"type": "object", "additionalProperties": True, "properties": {
            "cost": {"type": "integer"}, "routes": {"type": "integer"}, "unassigned": {"type": "integer"},
            "service": {"type": "integer"}, "duration": {"type": "integer"}, "waiting_time": {"type": "integer"},
            "distance": {"type": "integer"}}},
        "unassigned": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "type": {"type": "string"}, "location": _LOCATION}}},
        "routes": {"type": "array", "items": {"type": "object", "additionalProperties": True, "properties": {
            "vehicle": {"type": "integer"}, "cost": {"type": "integer"}, "service": {"type": "integer"},
            "duration": {"type": "integer"}, "waiting_time": {"type": "integer"}, "distance": {"type": "integer"},
            "geometry": {"type": "string", "description": "Encoded polyline (with options.g and OSRM)."},
            "steps": {"type": "array", "items": _STEP}}}},
    },
    "example": {
        "code": 0,
        "summary": {"cost": 412, "routes": 1, "unassigned": 0, "service": 720, "duration": 412, "waiting_time": 0},
        "unassigned": [],
        "routes": [{"vehicle": 1, "cost": 412, "service": 720, "duration": 412, "waiting_time": 0, "steps": [
            {"type": "start", "location": [-73.6893, 45.5017], "arrival": 28800, "duration": 0},
            {"type": "job", "id": 1, "location": [-73.6755, 45.5048], "arrival": 28950, "duration": 150,
             "service": 300},
            {"type": "job", "id": 2, "location": [-73.6722, 45.5062], "arrival": 32400, "duration": 190,
             "service": 420, "waiting_time": 2890},
            {"type": "end", "location": [-73.6893, 45.5017], "arrival": 33042, "duration": 412}]}],
    },
}
