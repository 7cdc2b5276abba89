"""What the tracking domain gives out about drivers' positions, per audience."""
from flask import current_app
from marshmallow import Schema, fields

from backend.api.events import live_event
from backend.api.output_fields import Timestamp
from backend.database import utcnow


class PositionSchema(Schema):
    """Staff: a driver's last known position (also the `driver.location(s)` event)."""

    driver_id = fields.Integer()
    route_id = fields.Integer(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    accuracy = fields.Float(attribute="accuracy_m", allow_none=True, metadata={"description": "Metres."})
    heading = fields.Float(attribute="heading_deg", allow_none=True, metadata={"description": "Degrees from north."})
    speed = fields.Float(attribute="speed_mps", allow_none=True, metadata={"description": "Metres per second."})
    at = Timestamp(metadata={"description": "When the phone took the fix."})


def is_stale(position) -> bool:
    """A position is stale once the phone has said nothing for POSITION_STALE_AFTER_S (e.g. screen off)."""
    return (utcnow() - position.at).total_seconds() > current_app.config["POSITION_STALE_AFTER_S"]


class PositionStatusSchema(PositionSchema):
    stale = fields.Function(is_stale, metadata={"type": "boolean", "description": "The phone stopped reporting "
                                                "(e.g. screen off) for longer than POSITION_STALE_AFTER_S."})


class CustomerDriverLocationSchema(Schema):
    """A tracking page: where the van is while this customer's stop is next, and nothing about who drives it."""

    lat = fields.Float()
    lon = fields.Float()
    heading = fields.Float(attribute="heading_deg", allow_none=True)
    at = Timestamp()


class PositionBatchSchema(Schema):
    """`driver.locations`: the latest position of each driver who moved in the last tick (POSITION_BATCH_MS)."""

    items = fields.List(fields.Nested(PositionSchema))


live_event("driver.locations", PositionBatchSchema, audience="dispatchers",
           description="Drivers' positions, batched per tick (`driver.location`, one at a time, when batching is off).")
live_event("driver.location", CustomerDriverLocationSchema, audience="a tracking page, while its stop is the next one",
           description="Where the van is; nothing about who drives it or its other stops.")
