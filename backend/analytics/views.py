"""/api/v1/analytics: the data behind every chart, as JSON or CSV (?format=csv or a .csv path) for BI tools.

Admins and dispatchers only; every query is scoped to the caller's organization.
"""
from __future__ import annotations

from datetime import date

import csv
import io
import json

from flask import Blueprint, Response, request

from backend.analytics import kpis, reports, schemas, service
from backend.api import CSV_ANSWER, PageQuery, endpoint, page_of, paginate
from backend.auth.principal import ADMIN, STAFF, current_org_id, current_principal
from backend.csv_cells import safe_cell
from backend.errors import InvalidInput
from backend.jobs import service as jobs_service
from backend.jobs.schemas import JobSchema
from backend.orders import csv_io

bp = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics")
CSV_NOTE = {200: "JSON, or text/csv with format=csv"}


def _filters(query: dict) -> dict:
    return {key: query[key] for key in ("depot_id", "driver_id", "vehicle_id", "source", "import_id") if key in query}


def _cell(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else safe_cell(value)


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

def chart(path: str, query_schema, build, *, summary: str, csv_summary: str, response=None) -> None:
    """A chart's JSON endpoint and its CSV twin (`<path>.csv`, for BI tools) over one builder."""
    name = path.strip("/").replace("-", "_")

    def as_json(query):
        return build(query)

    def as_csv(query):
        return build(query, as_csv=True)

    as_json.__name__, as_csv.__name__ = name, f"{name}_csv"
    endpoint(bp, path, roles=STAFF, query=query_schema, response=response, responses=CSV_NOTE,
             summary=summary)(as_json)
    endpoint(bp, f"{path}.csv", roles=STAFF, query=query_schema, raw_body=True, responses=CSV_NOTE,
             summary=csv_summary, produces=CSV_ANSWER)(as_csv)



# --- KPI series ---------------------------------------------------------------------------------

def _series(query, as_csv=False):
    items = reports.series(current_org_id(), query["start"], query["end"], query["grain"], **_filters(query))
    return _respond(items, {"items": items, "definitions": kpis.definitions(), **_partial(query)}, query, "kpis",
                    as_csv)


def _partial(query, start=None, end=None) -> dict:
    """How many routes of the period are still to finish (left out of the figures: they are partial)."""
    return {"in_progress_routes": reports.in_progress_routes(
        current_org_id(), start or query["start"], end or query["end"], **_filters(query))}


chart("/kpis", schemas.SeriesQuery, _series, response=schemas.SeriesSchema,
      summary="Every KPI per day, week or month, with the components it is computed from.",
      csv_summary="Every KPI per day, week or month, as CSV.")


@endpoint(bp, "/definitions", roles=STAFF, response=schemas.DefinitionsSchema,
          summary="What every KPI means (its definition, unit, which way is better).")
def kpi_definitions():
    return {"items": kpis.definitions()}


# --- scorecard: every KPI against its goal and trend -----------------------------------------------------

def _scorecard(query, as_csv=False):
    from backend.database import utcnow

    end = query.get("end") or utcnow().date()
    card = service.scorecard(current_org_id(), end, period=query["period"], depot_id=query.get("depot_id"),
                             source=query["source"])
    filters = {"depot_id": query.get("depot_id"), "source": query["source"]}
    card["in_progress_routes"] = reports.in_progress_routes(current_org_id(), date.fromisoformat(card["from"]),
                                                            date.fromisoformat(card["to"]), **filters)
    return _respond(card["kpis"], card, query, "scorecard", as_csv)


chart("/scorecard", schemas.ScorecardQuery, _scorecard, response=schemas.ScorecardSchema,
      summary="Every KPI over the last day, week or month against its goal and the period before (trend).",
      csv_summary="The scorecard as CSV.")


# --- breakdowns ---------------------------------------------------------------------------------

def _breakdown(query, as_csv=False):
    items = reports.breakdown(current_org_id(), query["start"], query["end"], query["by"], **_filters(query))
    return _respond(items, {"by": query["by"], "items": items, **_partial(query)}, query,
                    f"breakdown-{query['by']}", as_csv)


chart("/breakdown", schemas.BreakdownQuery, _breakdown, response=schemas.BreakdownSchema,
      summary="KPIs per driver, depot, vehicle or day; failures per reason.",
      csv_summary="A breakdown as CSV.")


# --- failed deliveries (map) ----------------------------------------------------------------------

def _failures(query, as_csv=False):
    filters = {k: v for k, v in _filters(query).items() if k in ("depot_id", "driver_id", "source")}
    page = reports.failed_deliveries(current_org_id(), query["start"], query["end"], page=query["page"],
                                     per_page=query["per_page"], reason=query.get("reason"), **filters)
    return _respond(page["items"], page, query, "failed-deliveries", as_csv)


chart("/failed-deliveries", schemas.FailuresQuery, _failures, response=schemas.FailedDeliveriesSchema,
      summary="Failed attempts with coordinates and reason, for a map.",
      csv_summary="Failed attempts as CSV.")


# --- plan against actual ---------------------------------------------------------------------------

def _routes(query, as_csv=False):
    items = reports.plan_vs_actual(current_org_id(), query["start"], query["end"], **_filters(query))
    return _respond(items, {"items": items, **_partial(query)}, query, "plan-vs-actual", as_csv)


chart("/plan-vs-actual", schemas.PeriodQuery, _routes, response=schemas.PlanVsActualListSchema,
      summary="Per route: planned against driven distance and duration, and sequence changes.",
      csv_summary="Plan against actual as CSV.")


# --- customers: ratings and notifications ------------------------------------------------------------

def _ratings(query, as_csv=False):
    data = reports.ratings(current_org_id(), query["start"], query["end"], depot_id=query.get("depot_id"),
                           driver_id=query.get("driver_id"))
    rows = [{"score": score, "count": count} for score, count in data["distribution"].items()]
    return _respond(rows, data, query, "ratings", as_csv)


chart("/ratings", schemas.PeriodQuery, _ratings, response=schemas.RatingsSummarySchema,
      summary="Customer ratings of the period's orders: mean, distribution and comments.",
      csv_summary="The rating distribution as CSV.")


def _notifications(query, as_csv=False):
    data = reports.notifications(current_org_id(), query["start"], query["end"], depot_id=query.get("depot_id"))
    rows = [{"channel": channel, **counts} for channel, counts in sorted(data["channels"].items())]
    return _respond(rows, data, query, "notifications", as_csv,
                    ("channel", "total", "sent", "delivered", "failed", "suppressed", "sms_segments", "sms_cost_cents"))


chart("/notifications", schemas.PeriodQuery, _notifications, response=schemas.NotificationsSummarySchema,
      summary="Notifications per channel for the period's orders: sent, delivered, failed.",
      csv_summary="Notifications per channel as CSV.")


# --- goals and alerts --------------------------------------------------------------------------------

@endpoint(bp, "/goals", roles=STAFF, response=schemas.GoalSchema(many=True), summary="The organization's KPI goals.")
def list_goals():
    return service.list_goals(current_org_id())


@endpoint(bp, "/goals", "POST", roles=ADMIN, body=schemas.GoalSchema, response=schemas.GoalSchema, status=201,
          idempotent=True,
          summary="Set a goal for a KPI (the organization's, or a depot's).")
def create_goal(body):
    return service.create_goal(current_org_id(), body)


@endpoint(bp, "/goals/<int:goal_id>", "PATCH", roles=ADMIN, body=schemas.GoalSchema(partial=True),
          response=schemas.GoalSchema, summary="Change a goal.")
def update_goal(goal_id, body):
    return service.update_goal(current_org_id(), goal_id, body)


@endpoint(bp, "/goals/<int:goal_id>", "DELETE", roles=ADMIN, status=204, summary="Remove a goal.")
def delete_goal(goal_id):
    service.delete_goal(current_org_id(), goal_id)


@endpoint(bp, "/alerts", roles=STAFF, query=PageQuery, response=page_of(schemas.AlertSchema),
          summary="KPI alerts: goals missed for their set number of days in a row, newest first.")
def list_alerts(query):
    return paginate(service.alerts_statement(current_org_id()), query["page"], query["per_page"])


@endpoint(bp, "/rollups/refresh", "POST", roles=ADMIN, body=schemas.RefreshBody, response=schemas.RefreshResultSchema,
          summary="Recompute the stored daily roll-ups of a period (at most 31 days), e.g. after a correction.")
def refresh_rollups(body):
    if body["end"] < body["start"] or (body["end"] - body["start"]).days > 30:
        raise InvalidInput("Give a period of 1 to 31 days.", fields={"to": ["Out of range."]})
    refreshed = service.refresh_period(current_org_id(), body["start"], body["end"])
    return {"refreshed": [day.isoformat() for day in refreshed]}


# --- assessment: history import and savings replay -------------------------------------------------------

@endpoint(bp, "/history/import", "POST", roles=STAFF, query=schemas.HistoryImportQuery, response=JobSchema, status=202,
          idempotent=True,
          raw_body=True, content_types=("text/csv", "multipart/form-data"),
          summary="Import past deliveries (the 'before' baseline) from a CSV as a job. dry_run (default true) only "
                  "reports every bad row by line and column; a real run imports nothing while a row is bad "
                  "unless skip_invalid.")
def import_history(query):
    raw = csv_io.uploaded_file(request)
    job = jobs_service.enqueue(current_org_id(), "analytics.history_import", dict(query),
                               created_by_id=current_principal().user_id, files={"csv": raw})
    return jobs_service.job_payload(job)


@endpoint(bp, "/history/imports", roles=STAFF, query=PageQuery, response=page_of(schemas.HistoryImportSchema),
          summary="Imported histories, newest first.")
def list_history_imports(query):
    from backend.analytics import importer

    return paginate(importer.imports_statement(current_org_id()), query["page"], query["per_page"])


@endpoint(bp, "/replay", "POST", roles=STAFF, body=schemas.ReplayBodySchema, response=JobSchema, status=202,
          idempotent=True,
          summary="Re-plan each imported day with the optimizer (a job) and report what it would have saved.")
def start_replay(body):
    from backend.analytics import importer

    importer.get_import(current_org_id(), body["import_id"])
    job = jobs_service.enqueue(current_org_id(), "analytics.replay", body, created_by_id=current_principal().user_id)
    return jobs_service.job_payload(job)


# --- practice mode -----------------------------------------------------------------------------------

@endpoint(bp, "/practice", "POST", roles=ADMIN, body=schemas.PracticeBodySchema, response=schemas.PracticeSchema,
          status=201,
          summary="Open a practice copy of one of this organization's days (or a demo day) in a new practice "
                  "organization, with fresh logins; nothing there reaches a real customer.")
def start_practice(body):
    from backend import practice

    principal = current_principal()
    return practice.start_for_org(principal.org_id, day=body.get("day"), demo_orders=body["demo_orders"])
