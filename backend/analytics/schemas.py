"""What the analytics API takes and returns."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.analytics import kpis
from backend.analytics.models import SOURCE_BASELINE, SOURCE_OPERATIONS
from backend.api import QuerySchema
from backend.api.events import live_event
from backend.api.output_fields import Day, Timestamp
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


KPI_VALUES = {"description": "KPI name -> value (None when there is nothing to measure, e.g. no stop); see "
                             "/analytics/definitions for units and meaning."}
COMPONENTS = {"description": "The totals the KPIs are computed from (stops, attempted, distance_m, route_s, "
                             "cost_cents, ... and failure_reasons: reason -> count)."}


class KpiDefinitionSchema(Schema):
    name = fields.String()
    unit = fields.String()
    better = fields.String(metadata={"enum": ["higher", "lower"]})
    definition = fields.String()


class DefinitionsSchema(Schema):
    items = fields.List(fields.Nested(KpiDefinitionSchema))


class KpiValuesSchema(Schema):
    period = fields.String(metadata={"description": "First day of the day, ISO week or month."})
    kpis = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), metadata=KPI_VALUES)
    components = fields.Dict(keys=fields.String(), metadata=COMPONENTS)


class SeriesSchema(Schema):
    items = fields.List(fields.Nested(KpiValuesSchema))
    definitions = fields.List(fields.Nested(KpiDefinitionSchema))
    in_progress_routes = fields.Integer(metadata={"description": "Routes of the period still to finish: left out "
                                                                 "of the figures until they end (partial)."})


class GoalRefSchema(Schema):
    id = fields.Integer()
    comparison = fields.String(metadata={"enum": [">=", "<="]})
    target = fields.Float()
    depot_id = fields.Integer(allow_none=True)


class ScorecardItemSchema(Schema):
    kpi = fields.String()
    unit = fields.String()
    better = fields.String(metadata={"enum": ["higher", "lower"]})
    definition = fields.String()
    value = fields.Float(allow_none=True)
    previous = fields.Float(allow_none=True, metadata={"description": "The period before, of the same length."})
    trend = fields.Float(allow_none=True, metadata={"description": "value - previous."})
    improving = fields.Boolean(allow_none=True)
    goal = fields.Nested(GoalRefSchema, allow_none=True)
    meets_goal = fields.Boolean(allow_none=True)


class ScorecardSchema(Schema):
    start = Day(data_key="from", attribute="from")
    end = Day(data_key="to", attribute="to")
    period = fields.String(metadata={"enum": ["day", "week", "month"]})
    depot_id = fields.Integer(allow_none=True)
    kpis = fields.List(fields.Nested(ScorecardItemSchema))
    in_progress_routes = fields.Integer(metadata={"description": "Routes of the period still to finish: left out "
                                                                 "of the figures until they end (partial)."})


class BreakdownItemSchema(Schema):
    key = fields.Raw(allow_none=True, metadata={"description": "The driver, depot or vehicle id, the day, or the "
                                                               "failure reason.", "type": "string"})
    label = fields.String()
    kpis = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), metadata=KPI_VALUES)
    components = fields.Dict(keys=fields.String(), metadata=COMPONENTS)
    failed = fields.Integer(metadata={"description": "By reason only: failures with this reason."})
    share = fields.Float(allow_none=True, metadata={"description": "By reason only: share of all failures."})


class BreakdownSchema(Schema):
    by = fields.String(metadata={"enum": ["driver", "depot", "vehicle", "reason", "day"]})
    items = fields.List(fields.Nested(BreakdownItemSchema))
    in_progress_routes = fields.Integer(metadata={"description": "Routes of the period still to finish: left out "
                                                                 "of the figures until they end (partial)."})


class FailedDeliverySchema(Schema):
    day = Day()
    at = Timestamp(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    external_ref = fields.String()
    address = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    reason = fields.String()
    depot_id = fields.Integer(allow_none=True)
    driver_id = fields.Integer(allow_none=True)
    route_id = fields.Integer(allow_none=True)
    driver_label = fields.String(metadata={"description": "The driver's name in an imported history."})


class FailedDeliveriesSchema(Schema):
    items = fields.List(fields.Nested(FailedDeliverySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class PlanVsActualSchema(Schema):
    day = Day()
    route_id = fields.Integer(allow_none=True)
    driver_id = fields.Integer(allow_none=True)
    driver_label = fields.String()
    depot_id = fields.Integer(allow_none=True)
    vehicle_id = fields.Integer(allow_none=True)
    stops = fields.Integer()
    attempted = fields.Integer()
    planned_distance_m = fields.Integer()
    distance_m = fields.Integer()
    distance_delta_m = fields.Integer()
    planned_duration_s = fields.Integer()
    duration_s = fields.Integer()
    duration_delta_s = fields.Integer()
    sequenced_stops = fields.Integer()
    out_of_sequence = fields.Integer()
    out_of_sequence_rate = fields.Float(allow_none=True)
    cost_cents = fields.Integer()
    co2_g = fields.Integer()


class PlanVsActualListSchema(Schema):
    items = fields.List(fields.Nested(PlanVsActualSchema))
    in_progress_routes = fields.Integer(metadata={"description": "Routes of the period still to finish: left out "
                                                                 "of the figures until they end (partial)."})


class RatingCommentSchema(Schema):
    order_id = fields.Integer()
    score = fields.Integer()
    comment = fields.String()
    driver_id = fields.Integer(allow_none=True)
    at = Timestamp()


class RatingsSummarySchema(Schema):
    available = fields.Boolean()
    count = fields.Integer()
    mean = fields.Float(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "Score 1..5 -> number of ratings."})
    comments = fields.List(fields.Nested(RatingCommentSchema))


class ChannelCountsSchema(Schema):
    total = fields.Integer()
    sent = fields.Integer()
    delivered = fields.Integer()
    failed = fields.Integer()
    suppressed = fields.Integer()
    sms_segments = fields.Integer()
    sms_cost_cents = fields.Integer()


class NotificationsSummarySchema(Schema):
    available = fields.Boolean()
    channels = fields.Dict(keys=fields.String(), values=fields.Nested(ChannelCountsSchema),
                           metadata={"description": "Channel (sms, email, push, webhook) -> counts."})
    sms_cost_available = fields.Boolean()


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


class RefreshBody(Schema):
    start = fields.Date(data_key="from", required=True, validate=_DATE_RANGE)
    end = fields.Date(data_key="to", required=True, validate=_DATE_RANGE)


class RefreshResultSchema(Schema):
    refreshed = fields.List(Day())


class HistoryImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True)
    skip_invalid = fields.Boolean(load_default=False)
    name = fields.String(load_default="", validate=validate.Length(max=200))


class JobRefSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()


class PracticeBodySchema(Schema):
    # Only the caller's own organization is copied: no other organization can be named here.
    day = fields.Date(validate=_DATE_RANGE)
    demo_orders = fields.Integer(load_default=40, validate=validate.Range(min=1, max=500))


class PracticeSchema(Schema):
    """A practice organization's fresh logins: shown once, to the admin who opened it."""

    org_id = fields.Integer()
    slug = fields.String()
    is_practice = fields.Boolean()
    depot_id = fields.Integer(metadata={"description": "The demo depot, when the practice day is the demo's."})
    day = Day()
    orders = fields.Integer(metadata={"description": "Orders copied into the practice day."})
    admin = fields.String()
    dispatcher = fields.String()
    password = fields.String()
    drivers = fields.List(fields.String(), metadata={"description": "The practice drivers' (fictitious) phones."})
    driver_pin = fields.String()


class KpiAlertEventSchema(Schema):
    """`alert` (kind kpi_behind_goal) to dispatchers: a KPI missed its goal for the goal's number of days."""

    kind = fields.Constant("kpi_behind_goal", metadata={"type": "string", "enum": ["kpi_behind_goal"]})
    alert_id = fields.Integer(attribute="id")
    goal_id = fields.Integer()
    kpi = fields.String()
    depot_id = fields.Integer(allow_none=True)
    day = Day()
    days_behind = fields.Integer()
    value = fields.Float(allow_none=True)
    target = fields.Float()
    message = fields.String()


live_event("alert", KpiAlertEventSchema, audience="dispatchers",
           description="A KPI is behind its goal (also listed under /analytics/alerts).")
