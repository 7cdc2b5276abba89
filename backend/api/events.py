"""The live events (Socket.IO) the server sends, declared beside the schemas that build their payloads.

Each domain declares its events where it defines their schemas; the payload builders dump with those same
schemas, and the API reference lists every event with its audience and payload (`x-events` in the OpenAPI
document).
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema


@dataclass(frozen=True)
class LiveEvent:
    name: str
    audience: str
    schema: type[Schema]
    description: str


EVENTS: list[LiveEvent] = []


def live_event(name: str, schema: type[Schema], *, audience: str, description: str) -> None:
    """Declare that `name` is sent to `audience` with a payload dumped by `schema`."""
    EVENTS.append(LiveEvent(name=name, audience=audience, schema=schema, description=description))
