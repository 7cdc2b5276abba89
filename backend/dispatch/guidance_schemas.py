"""What the driver app's guidance takes and gives: directions to a stop and the route's map."""
from marshmallow import Schema, fields

from backend.validators import Id, Latitude, Longitude

class DirectionsQuerySchema(Schema):
    stop_id = Id(required=True)
    lat = Latitude(required=True)
    lon = Longitude(required=True)


class ManeuverSchema(Schema):
    type = fields.String(allow_none=True, metadata={"description": "OSRM's manoeuvre type (turn, roundabout...)."})
    modifier = fields.String(allow_none=True, metadata={"description": "left, slight right, uturn..."})
    exit = fields.Integer(allow_none=True, metadata={"description": "The roundabout's exit to take, counted from 1."})
    location = fields.List(fields.Float(), allow_none=True, metadata={"description": "[lon, lat], as OSRM says."})


class DirectionStepSchema(Schema):
    instruction = fields.String(metadata={"description": "An English sentence; the driver app words the manoeuvre "
                                                         "in its own language."})
    distance_m = fields.Integer()
    duration_s = fields.Integer()
    name = fields.String()
    ref = fields.String(metadata={"description": "The road's number (A 40, QC-138), when it has one."})
    maneuver = fields.Nested(ManeuverSchema)


class DirectionsSchema(Schema):
    mode = fields.String(metadata={"enum": ["osrm", "bearing"]})
    distance_m = fields.Integer()
    duration_s = fields.Integer(allow_none=True)
    bearing_deg = fields.Float()
    steps = fields.List(fields.Nested(DirectionStepSchema))
    destination = fields.List(fields.Float(), metadata={"description": "The stop, [lat, lon]."})
    geometry = fields.List(fields.List(fields.Float()), metadata={
        "description": "The leg's path, [lat, lon] pairs: the roads with OSRM, the straight line without."})
    fallback_reason = fields.String(metadata={"description": "Why OSRM's steps are missing when it is configured."})


class DriverMapSchema(Schema):
    route_id = fields.Integer()
    version = fields.Integer()
    mode = fields.String(metadata={"enum": ["road", "straight"]})
    points = fields.List(fields.List(fields.Float()), metadata={"description": "[lat, lon] pairs in order, depot "
                                                                              "to depot."})
    tile_url = fields.String(metadata={"description": "Tile URL template ({z}/{x}/{y}) of the server's map tiles."})
    tile_attribution = fields.String()
    turn_by_turn = fields.Boolean(metadata={"description": "Whether directions come with OSRM's steps (OSRM_URL)."})
