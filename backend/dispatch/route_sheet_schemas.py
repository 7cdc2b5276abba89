"""What the route sheet (backend/dispatch/route_sheet.py) answers: the same for staff and the route's driver."""
from marshmallow import Schema, fields

from backend.api.output_fields import Day, Timestamp


class SheetBarcodeSchema(Schema):
    value = fields.String(metadata={"description": "The parcel's barcode (or the order's reference)."})
    drawable = fields.Boolean(metadata={"description": "False when Code 128 cannot carry it (beyond ASCII): "
                                                       "print the text alone."})
    width = fields.Integer(metadata={"description": "Code 128 drawing: width in modules, quiet zones included."})
    height = fields.Integer(metadata={"description": "Height in the same modules."})
    path = fields.String(metadata={"description": "SVG path data of the bars, in modules (viewBox 0 0 width height)."})


class SheetWindowSchema(Schema):
    start = Timestamp()
    end = Timestamp()


class SheetStopSchema(Schema):
    sequence = fields.Integer()
    kind = fields.String(metadata={"description": "`pickup` (a return's or a pair's collection: the place, windows and "
                                                  "person are the sender's) or `delivery`."})
    status = fields.String()
    order_id = fields.Integer()
    order_ref = fields.String()
    recipient_name = fields.String(metadata={"description": "Who the driver meets there (the sender at a pickup)."})
    recipient_phone = fields.String()
    address = fields.String()
    time_windows = fields.List(fields.Nested(SheetWindowSchema))
    eta = Timestamp(allow_none=True, metadata={"description": "The latest ETA, or the planned arrival."})
    parcel_count = fields.Integer()
    weight_kg = fields.Float()
    barcodes = fields.List(fields.Nested(SheetBarcodeSchema))
    notes = fields.String()
    delivery_instructions = fields.String()
    cod_amount_cents = fields.Integer()
    requires_id_check = fields.Boolean()
    min_age = fields.Integer(allow_none=True)


class SheetPartySchema(Schema):
    name = fields.String()
    phone = fields.String()


class SheetVehicleSchema(Schema):
    name = fields.String()
    plate = fields.String()


class SheetDepotSchema(Schema):
    name = fields.String()
    address = fields.String()


class RouteSheetSchema(Schema):
    route_id = fields.Integer()
    date = Day()
    status = fields.String()
    organization = fields.String()
    currency = fields.String()
    timezone = fields.String(metadata={"description": "The depot's zone: times print in it."})
    depot = fields.Nested(SheetDepotSchema, allow_none=True)
    driver = fields.Nested(SheetPartySchema, allow_none=True)
    vehicle = fields.Nested(SheetVehicleSchema, allow_none=True)
    planned_start = Timestamp(allow_none=True)
    planned_end = Timestamp(allow_none=True)
    planned_distance_m = fields.Integer()
    planned_duration_s = fields.Integer()
    stop_count = fields.Integer()
    parcel_count = fields.Integer()
    cod_total_cents = fields.Integer()
    stops = fields.List(fields.Nested(SheetStopSchema))
    printed_at = Timestamp()
