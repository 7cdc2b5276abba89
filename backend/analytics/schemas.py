"""What the analytics API takes and returns."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.analytics import kpis
from backend.analytics.models import SOURCE_BASELINE, SOURCE_OPERATIONS
from backend.api import QuerySchema
from backend.validators import MAX_ID

# Dates far outside any operation are refused up front: date arithmetic on them would overflow.
_DATE_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))
_ID = validate.Range(min=1, max=MAX_ID)


class PeriodQuery(QuerySchema):
    start = fields.Date(data_key="from", required=True, validate=_DATE_RANGE)
    end = fields.Date(data_key="to", required=True, validate=_DATE_RANGE)
    depot_id = fields.Integer(validate=_ID)
    driver_id = fields.Integer(validate=_ID)
    vehicle_id = fields.Integer(validate=_ID)
    source = fields.String(load_default=SOURCE_OPERATIONS, validate=validate.OneOf([SOURCE_OPERATIONS, SOURCE_BASELINE]))
    import_id = fields.Integer(validate=_ID)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("The period ends before it starts.", "to")


class SeriesQuery(PeriodQuery):
    grain = fields.String(load_default="day", validate=validate.OneOf(["day", "week", "month"]))


class BreakdownQuery(PeriodQuery):
    by = fields.String(required=True, validate=validate.OneOf(["driver", "depot", "vehicle", "reason", "day"]))


class FailuresQuery(PeriodQuery):
    reason = fields.String(validate=validate.Length(max=20))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class ScorecardQuery(QuerySchema):
    end = fields.Date(data_key="to", validate=_DATE_RANGE)
    period = fields.String(load_default="week", validate=validate.OneOf(["day", "week", "month"]))
    depot_id = fields.Integer(validate=_ID)
    source = fields.String(load_default=SOURCE_OPERATIONS, validate=validate.OneOf([SOURCE_OPERATIONS, SOURCE_BASELINE]))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class KpiValuesSchema(Schema):
    period = fields.String()
    kpis = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    components = fields.Dict()


class SeriesSchema(Schema):
    items = fields.List(fields.Nested(KpiValuesSchema))
    definitions = fields.List(fields.Dict())


class GoalSchema(Schema):
    id = fields.Integer(dump_only=True)
    kpi = fields.String(required=True, validate=validate.OneOf(list(kpis.KPIS)))
    depot_id = fields.Integer(allow_none=True, validate=_ID)
    comparison = fields.String(validate=validate.OneOf([">=", "<="]))
    target = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-1e12, max=1e12))
    period = fields.String(load_default="week", validate=validate.OneOf(["day", "week", "month"]))
    alert_after_days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=90))
    active = fields.Boolean(load_default=True)
    created_at = fields.DateTime(dump_only=True)


class AlertSchema(Schema):
    id = fields.Integer()
    goal_id = fields.Integer()
    kpi = fields.String()
    depot_id = fields.Integer(allow_none=True)
    day = fields.Date()
    days_behind = fields.Integer()
    value = fields.Float(allow_none=True)
    target = fields.Float()
    message = fields.String()
    created_at = fields.DateTime()


class HistoryImportBodySchema(Schema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=20_000_000))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    dry_run = fields.Boolean(load_default=True)
    skip_invalid = fields.Boolean(load_default=False)


class HistoryImportSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    rows = fields.Integer()
    first_day = fields.Date(allow_none=True)
    last_day = fields.Date(allow_none=True)
    created_at = fields.DateTime()


class ReplayBodySchema(Schema):
    import_id = fields.Integer(required=True, validate=_ID)
    depot_id = fields.Integer(validate=_ID)
    time_limit_s = fields.Float(load_default=5.0, allow_nan=False, validate=validate.Range(min=0.5, max=300))
    max_days = fields.Integer(load_default=62, validate=validate.Range(min=1, max=400))


class JobRefSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()


class PracticeBodySchema(Schema):
    # Only the caller's own organization is copied: no other organization can be named here.
    day = fields.Date(validate=_DATE_RANGE)
    demo_orders = fields.Integer(load_default=40, validate=validate.Range(min=1, max=500))
