"""/api/v1/analytics: the data behind every chart, as JSON or CSV (?format=csv or a .csv path) for BI tools.

Admins and dispatchers only; every query is scoped to the caller's organization.
"""
from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, request
from marshmallow import Schema, fields, validate

from backend.analytics import kpis, schemas, service
from backend.api import PageQuery, endpoint, page_of, paginate
from backend.auth.principal import ADMIN, STAFF, current_principal
from backend.errors import InvalidInput
from backend.jobs import service as jobs_service
from backend.jobs.views import JobSchema
from backend.orders import csv_io

bp = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics")
CSV_NOTE = {200: "JSON, or text/csv with format=csv"}


def _org() -> int:
    return current_principal().org_id


def _filters(query: dict) -> dict:
    return {key: query[key] for key in ("depot_id", "driver_id", "vehicle_id", "source", "import_id") if key in query}


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else value


def csv_response(rows: list[dict], name: str, columns: tuple = ()) -> Response:
    """Flat rows as CSV; nested dicts (kpis, components) become prefixed columns."""
    flat = []
    for row in rows:
        item = {}
        for key, value in row.items():
            if isinstance(value, dict) and key in ("kpis", "components", "goal"):
                for inner, inner_value in value.items():
                    item[inner if key == "kpis" else f"{key}.{inner}"] = _cell(inner_value)
            else:
                item[key] = _cell(value)
        flat.append(item)
    header: list[str] = list(columns)
    for item in flat:
        header.extend(k for k in item if k not in header)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or ["empty"])
    writer.writeheader()
    writer.writerows(flat)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _respond(rows: list[dict], body: dict, query: dict, name: str, as_csv: bool = False, columns: tuple = ()):
    if as_csv or query.get("format") == "csv":
        return csv_response(rows, name, columns)
    return body


# --- KPI series ---------------------------------------------------------------------------------

def _series(query, as_csv=False):
    items = service.series(_org(), query["start"], query["end"], query["grain"], **_filters(query))
    return _respond(items, {"items": items, "definitions": kpis.definitions()}, query, "kpis", as_csv)


@endpoint(bp, "/kpis", roles=STAFF, query=schemas.SeriesQuery, response=schemas.SeriesSchema, responses=CSV_NOTE,
          summary="Every KPI per day, week or month, with the components it is computed from.")
def kpi_series(query):
    return _series(query)


@endpoint(bp, "/kpis.csv", roles=STAFF, query=schemas.SeriesQuery, raw_body=True, responses=CSV_NOTE,
          summary="Every KPI per day, week or month, as CSV.")
def kpi_series_csv(query):
    return _series(query, as_csv=True)


@endpoint(bp, "/definitions", roles=STAFF, summary="What every KPI means (its definition, unit, which way is better).")
def kpi_definitions():
    return {"items": kpis.definitions()}


# --- scorecard: every KPI against its goal and trend -----------------------------------------------------

def _scorecard(query, as_csv=False):
    from backend.database import utcnow

    end = query.get("end") or utcnow().date()
    card = service.scorecard(_org(), end, period=query["period"], depot_id=query.get("depot_id"),
                             source=query["source"])
    return _respond(card["kpis"], card, query, "scorecard", as_csv)


@endpoint(bp, "/scorecard", roles=STAFF, query=schemas.ScorecardQuery, responses=CSV_NOTE,
          summary="Every KPI over the last day, week or month against its goal and the period before (trend).")
def scorecard(query):
    return _scorecard(query)


@endpoint(bp, "/scorecard.csv", roles=STAFF, query=schemas.ScorecardQuery, raw_body=True, responses=CSV_NOTE,
          summary="The scorecard as CSV.")
def scorecard_csv(query):
    return _scorecard(query, as_csv=True)


# --- breakdowns ---------------------------------------------------------------------------------

def _breakdown(query, as_csv=False):
    items = service.breakdown(_org(), query["start"], query["end"], query["by"], **_filters(query))
    return _respond(items, {"by": query["by"], "items": items}, query, f"breakdown-{query['by']}", as_csv)


@endpoint(bp, "/breakdown", roles=STAFF, query=schemas.BreakdownQuery, responses=CSV_NOTE,
          summary="KPIs per driver, depot, vehicle or day; failures per reason.")
def breakdown(query):
    return _breakdown(query)


@endpoint(bp, "/breakdown.csv", roles=STAFF, query=schemas.BreakdownQuery, raw_body=True, responses=CSV_NOTE,
          summary="A breakdown as CSV.")
def breakdown_csv(query):
    return _breakdown(query, as_csv=True)


# --- failed deliveries (map) ----------------------------------------------------------------------

def _failures(query, as_csv=False):
    filters = {k: v for k, v in _filters(query).items() if k in ("depot_id", "driver_id", "source")}
    page = service.failed_deliveries(_org(), query["start"], query["end"], page=query["page"],
                                     per_page=query["per_page"], reason=query.get("reason"), **filters)
    return _respond(page["items"], page, query, "failed-deliveries", as_csv)


@endpoint(bp, "/failed-deliveries", roles=STAFF, query=schemas.FailuresQuery, responses=CSV_NOTE,
          summary="Failed attempts with coordinates and reason, for a map.")
def failed_deliveries(query):
    return _failures(query)


@endpoint(bp, "/failed-deliveries.csv", roles=STAFF, query=schemas.FailuresQuery, raw_body=True, responses=CSV_NOTE,
          summary="Failed attempts as CSV.")
def failed_deliveries_csv(query):
    return _failures(query, as_csv=True)


# --- plan against actual ---------------------------------------------------------------------------

def _routes(query, as_csv=False):
    items = service.plan_vs_actual(_org(), query["start"], query["end"], **_filters(query))
    return _respond(items, {"items": items}, query, "plan-vs-actual", as_csv)


@endpoint(bp, "/plan-vs-actual", roles=STAFF, query=schemas.PeriodQuery, responses=CSV_NOTE,
          summary="Per route: planned against driven distance and duration, and sequence changes.")
def plan_vs_actual(query):
    return _routes(query)


@endpoint(bp, "/plan-vs-actual.csv", roles=STAFF, query=schemas.PeriodQuery, raw_body=True, responses=CSV_NOTE,
          summary="Plan against actual as CSV.")
def plan_vs_actual_csv(query):
    return _routes(query, as_csv=True)


# --- customers: ratings and notifications ------------------------------------------------------------

def _ratings(query, as_csv=False):
    data = service.ratings(_org(), query["start"], query["end"], depot_id=query.get("depot_id"),
                           driver_id=query.get("driver_id"))
    rows = [{"score": score, "count": count} for score, count in data["distribution"].items()]
    return _respond(rows, data, query, "ratings", as_csv)


@endpoint(bp, "/ratings", roles=STAFF, query=schemas.PeriodQuery, responses=CSV_NOTE,
          summary="Customer ratings of the period's orders: mean, distribution and comments.")
def ratings(query):
    return _ratings(query)


@endpoint(bp, "/ratings.csv", roles=STAFF, query=schemas.PeriodQuery, raw_body=True, responses=CSV_NOTE,
          summary="The rating distribution as CSV.")
def ratings_csv(query):
    return _ratings(query, as_csv=True)


def _notifications(query, as_csv=False):
    data = service.notifications(_org(), query["start"], query["end"], depot_id=query.get("depot_id"))
    rows = [{"channel": channel, **counts} for channel, counts in sorted(data["channels"].items())]
    return _respond(rows, data, query, "notifications", as_csv,
                    ("channel", "total", "sent", "delivered", "failed", "suppressed", "sms_segments", "sms_cost_cents"))


@endpoint(bp, "/notifications", roles=STAFF, query=schemas.PeriodQuery, responses=CSV_NOTE,
          summary="Notifications per channel for the period's orders: sent, delivered, failed.")
def notifications(query):
    return _notifications(query)


@endpoint(bp, "/notifications.csv", roles=STAFF, query=schemas.PeriodQuery, raw_body=True, responses=CSV_NOTE,
          summary="Notifications per channel as CSV.")
def notifications_csv(query):
    return _notifications(query, as_csv=True)


# --- goals and alerts --------------------------------------------------------------------------------

@endpoint(bp, "/goals", roles=STAFF, response=schemas.GoalSchema(many=True), summary="The organization's KPI goals.")
def list_goals():
    return service.list_goals(_org())


@endpoint(bp, "/goals", "POST", roles=ADMIN, body=schemas.GoalSchema, response=schemas.GoalSchema, status=201,
          summary="Set a goal for a KPI (the organization's, or a depot's).")
def create_goal(body):
    return service.create_goal(_org(), body)


@endpoint(bp, "/goals/<int:goal_id>", "PATCH", roles=ADMIN, body=schemas.GoalSchema(partial=True),
          response=schemas.GoalSchema, summary="Change a goal.")
def update_goal(goal_id, body):
    return service.update_goal(_org(), goal_id, body)


@endpoint(bp, "/goals/<int:goal_id>", "DELETE", roles=ADMIN, status=204, summary="Remove a goal.")
def delete_goal(goal_id):
    service.delete_goal(_org(), goal_id)


@endpoint(bp, "/alerts", roles=STAFF, query=PageQuery, response=page_of(schemas.AlertSchema),
          summary="KPI alerts: goals missed for their set number of days in a row, newest first.")
def list_alerts(query):
    return paginate(service.alerts_statement(_org()), query["page"], query["per_page"])


class RefreshBody(Schema):
    start = fields.Date(data_key="from", required=True, validate=schemas._DATE_RANGE)
    end = fields.Date(data_key="to", required=True, validate=schemas._DATE_RANGE)


@endpoint(bp, "/rollups/refresh", "POST", roles=ADMIN, body=RefreshBody,
          summary="Recompute the stored daily roll-ups of a period (at most 31 days), e.g. after a correction.")
def refresh_rollups(body):
    from datetime import timedelta

    if body["end"] < body["start"] or (body["end"] - body["start"]).days > 30:
        raise InvalidInput("Give a period of 1 to 31 days.", fields={"to": ["Out of range."]})
    day, refreshed = body["start"], []
    while day <= body["end"]:
        service.refresh_day(_org(), day)
        refreshed.append(day.isoformat())
        day += timedelta(days=1)
    return {"refreshed": refreshed}


# --- assessment: history import and savings replay -------------------------------------------------------

class HistoryImportQuery(Schema):
    dry_run = fields.Boolean(load_default=True)
    skip_invalid = fields.Boolean(load_default=False)
    name = fields.String(load_default="", validate=validate.Length(max=200))


@endpoint(bp, "/history/import", "POST", roles=STAFF, query=HistoryImportQuery, response=JobSchema, status=202,
          raw_body=True, content_types=("text/csv", "multipart/form-data"),
          summary="Import past deliveries (the 'before' baseline) from a CSV as a job. dry_run (default true) only "
                  "reports every bad row by line and column; a real run imports nothing while a row is bad "
                  "unless skip_invalid.")
def import_history(query):
    text = csv_io.uploaded_text(request)
    job = jobs_service.enqueue(_org(), "analytics.history_import", {"csv": text, **query},
                               created_by_id=current_principal().user_id)
    return jobs_service.job_payload(job)


@endpoint(bp, "/history/imports", roles=STAFF, query=PageQuery, response=page_of(schemas.HistoryImportSchema),
          summary="Imported histories, newest first.")
def list_history_imports(query):
    from backend.analytics import importer

    return paginate(importer.imports_statement(_org()), query["page"], query["per_page"])


@endpoint(bp, "/replay", "POST", roles=STAFF, body=schemas.ReplayBodySchema, response=JobSchema, status=202,
          summary="Re-plan each imported day with the optimizer (a job) and report what it would have saved.")
def start_replay(body):
    from backend.analytics import importer

    importer.get_import(_org(), body["import_id"])
    job = jobs_service.enqueue(_org(), "analytics.replay", body, created_by_id=current_principal().user_id)
    return jobs_service.job_payload(job)


# --- practice mode -----------------------------------------------------------------------------------

@endpoint(bp, "/practice", "POST", roles=ADMIN, body=schemas.PracticeBodySchema, status=201,
          summary="Open a practice copy of one of this organization's days (or a demo day) in a new practice "
                  "organization, with fresh logins; nothing there reaches a real customer.")
def start_practice(body):
    from backend import practice

    principal = current_principal()
    return practice.start_for_org(principal.org_id, day=body.get("day"), demo_orders=body["demo_orders"])
