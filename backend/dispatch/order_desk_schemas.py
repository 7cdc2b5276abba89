"""What the order desk's API takes and gives."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.orders.schemas import OrderQuerySchema, OrderSchema
from backend.api import QuerySchema
from backend.validators import Id


class DeskQuery(OrderQuerySchema):
    driver_id = Id(load_default=None, metadata={"description": "Orders on a route of this driver."})


class AssignmentSchema(Schema):
    route_id = fields.Integer()
    date = fields.Date()
    sequence = fields.Integer()
    driver_id = fields.Integer(allow_none=True)
    driver_name = fields.String(allow_none=True)


class DeskOrderSchema(OrderSchema):
    assignment = fields.Nested(AssignmentSchema, allow_none=True,
                               metadata={"description": "The latest route holding the order, if any."})


class SelectionActionSchema(Schema):
    order_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    action = fields.String(required=True, validate=validate.OneOf(["cancel", "set_date"]))
    delivery_date = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _date_when_needed(self, data, **kwargs):
        if data.get("action") == "set_date" and not data.get("delivery_date"):
            raise ValidationError("Choose the new delivery day.", "delivery_date")


class SelectionItemSchema(Schema):
    id = fields.Integer()
    external_ref = fields.String()
    ok = fields.Boolean()
    status = fields.String()
    code = fields.String(metadata={"description": "Why it did not change (on_route, illegal_transition, not_found)."})
    message = fields.String()


class SelectionResultSchema(Schema):
    changed = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(SelectionItemSchema))


class AddressQuery(QuerySchema):
    q = fields.String(required=True, validate=validate.Length(min=3, max=500))


class AddressResultSchema(Schema):
    found = fields.Boolean()
    lat = fields.Float()
    lon = fields.Float()
    display_name = fields.String()
    source = fields.String(metadata={"enum": ["corrected", "geocoder"]})


class ColumnMatchingSchema(Schema):
    columns = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                          values=fields.String(validate=validate.Length(min=1, max=40)), required=True,
                          validate=validate.Length(max=200),
                          metadata={"description": "Your header -> our column (see GET .../template.csv)."})


class ColumnMatchingOutSchema(Schema):
    columns = fields.Dict(keys=fields.String(), values=fields.String())
    known = fields.List(fields.String(), metadata={"description": "Our columns, in the template's order."})
    required = fields.List(fields.String())
