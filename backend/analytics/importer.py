"""Importing last month's deliveries as the "before" baseline.

One past delivery attempt a row, a header row naming the columns (case-insensitive, extra columns
ignored). Like the order import: every bad row is reported as {line, field, message} (line 1 is the
header), a dry run imports nothing, and a real run imports nothing while a row is bad unless the
caller skips bad rows. Rows go to the history tables, never to the operational ones.

Times without an offset are local to the organization's (first active) depot; a window may be given
as HH:MM on the row's date.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select

from backend.analytics import kpis
from backend.analytics.facts import depot_rows
from backend.analytics.models import (GRAIN_ROUTE, SOURCE_BASELINE, DailyRollup, FailedDelivery, HistoryDelivery,
                                      HistoryImport)
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Depot, Vehicle
from backend.orders import csv_io
from backend.orders.csv_io import CsvFormatError
from backend.orders.enums import FailureReason
from backend.orders.service import parse_window_time
from backend.unit_of_work import transactional

COLUMNS = ["date", "external_ref", "address", "lat", "lon", "window_start", "window_end", "delivered_at", "driver",
           "vehicle", "outcome", "failure_reason", "planned_sequence", "service_time_s"]
REQUIRED_COLUMNS = {"date", "driver", "outcome", "delivered_at"}
OUTCOMES = {"delivered": "delivered", "ok": "delivered", "success": "delivered", "failed": "failed",
            "fail": "failed", "not delivered": "failed"}
MAX_ROWS = 200_000


def read_rows(raw: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line, row)]) with the order import's reader; a place is an address or coordinates."""
    header, rows = csv_io.read_rows(raw, required=REQUIRED_COLUMNS, expected=COLUMNS, max_rows=MAX_ROWS,
                                    limit_name="a history file's limit")
    if not ({"address", "lat"} & set(header)):
        raise CsvFormatError(f"Missing column(s): address or lat/lon. Expected columns: {', '.join(COLUMNS)}.")
    return header, rows


def parse_row(org_id: int, row: dict, tz: ZoneInfo) -> tuple[dict, list[tuple[str, str]]]:
    """One CSV row -> a HistoryDelivery's values, or (field, message) errors."""
    from backend.geo import geocoding

    errors: list[tuple[str, str]] = []
    data: dict = {"external_ref": row.get("external_ref", "")[:100], "address": row.get("address", "")[:500],
                  "driver": row.get("driver", "")[:200], "vehicle": row.get("vehicle", "")[:120]}
    day = None
    try:
        day = date.fromisoformat(row.get("date", ""))
        if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            raise ValueError
        data["day"] = day
    except ValueError:
        errors.append(("date", f"{row.get('date', '')!r} is not a date (YYYY-MM-DD)."))
    if not data["driver"]:
        errors.append(("driver", "Name the driver."))
    outcome = OUTCOMES.get(row.get("outcome", "").lower())
    if outcome is None:
        errors.append(("outcome", "Use delivered or failed."))
    data["outcome"] = outcome
    reason = row.get("failure_reason", "").lower() or None
    if outcome == "failed":
        if reason and reason not in FailureReason.__members__:
            errors.append(("failure_reason", f"One of: {', '.join(FailureReason.__members__)}."))
        data["failure_reason"] = reason or "other"
    for column, low, high in (("lat", -90, 90), ("lon", -180, 180)):
        text = row.get(column, "")
        if text:
            try:
                value = float(text.replace(",", "."))
                if not low <= value <= high:
                    raise ValueError
                data[column] = value
            except ValueError:
                errors.append((column, f"{text!r} is not a {('latitude' if column == 'lat' else 'longitude')}."))
    if ("lat" in data) != ("lon" in data):
        errors.append(("lon" if "lat" in data else "lat", "Give both lat and lon."))
    if "lat" not in data and not errors:
        if not data["address"]:
            errors.append(("address", "Give an address or lat and lon."))
        else:
            try:
                pin = geocoding.geocode(org_id, data["address"])
            except geocoding.GeocoderUnavailable as exc:
                pin = None
                errors.append(("address", f"The geocoder is unavailable ({exc}); give lat and lon."))
            if pin is not None:
                data["lat"], data["lon"] = pin.lat, pin.lon
            elif not any(column == "address" for column, _ in errors):
                errors.append(("lat", "Coordinates are required: the address could not be located."))
    for column, target in (("window_start", "window_start"), ("window_end", "window_end"),
                           ("delivered_at", "attempted_at")):
        text = row.get(column, "")
        if not text:
            if column == "delivered_at":
                errors.append((column, "Required: when the delivery was made or attempted."))
            continue
        try:
            data[target] = parse_window_time(text, tz, day)
        except ValidationError as exc:
            errors.append((column, exc.messages[0] if isinstance(exc.messages, list) else str(exc.messages)))
        except OverflowError:
            errors.append((column, "Out of range."))
    if bool(data.get("window_start")) != bool(data.get("window_end")):
        errors.append(("window_end", "Give both ends of the window."))
    elif data.get("window_start") and data["window_end"] <= data["window_start"]:
        errors.append(("window_end", "The window must end after it starts."))
    for column in ("planned_sequence", "service_time_s"):
        text = row.get(column, "")
        if text:
            try:
                value = int(text)
                if not 0 <= value <= 100_000:
                    raise ValueError
                data[column] = value
            except ValueError:
                errors.append((column, f"{text!r} is not a whole number from 0 to 100000."))
    return data, errors


@transactional
def import_history(org_id: int, raw: bytes, *, name: str = "", dry_run: bool = True, skip_invalid: bool = False,
                   created_by_id: int | None = None, on_progress=None) -> dict:
    """Check (and unless dry_run, store) a history file, then roll it up as a baseline, in one transaction.
    A file refused whole raises CsvFormatError (the job fails with its message)."""
    header, rows = read_rows(raw)
    depot = fleet_service.default_depot(org_id)
    if depot is None:
        raise InvalidInput("Create a depot first: history times and distances are read from it.",
                           fields={"depot_id": ["No depot."]})
    tz = ZoneInfo(depot.timezone)
    parsed, line_errors = [], []
    for index, (line, row) in enumerate(rows):
        data, errors = parse_row(org_id, row, tz)
        parsed.append((line, data, errors))
        line_errors.extend({"line": line, "field": column, "message": message} for column, message in errors)
        if on_progress and index % 200 == 0:
            on_progress(0.6 * index / max(1, len(rows)), f"Checked {index} of {len(rows)} rows")
    valid = [(line, data) for line, data, errors in parsed if not errors]
    summary = {"rows": len(rows), "valid": len(valid), "invalid": len(rows) - len(valid), "errors": line_errors[:1000],
               "error_count": len(line_errors), "unknown_columns": sorted(set(header) - set(COLUMNS)),
               "preview": [{"line": line, "status": "invalid" if errors else "valid",
                            "day": data.get("day").isoformat() if data.get("day") else None,
                            "driver": data.get("driver"), "outcome": data.get("outcome")}
                           for line, data, errors in parsed[:200]],
               "days": sorted({data["day"].isoformat() for _, data in valid}), "imported": False, "dry_run": dry_run}
    if dry_run or not valid or (line_errors and not skip_invalid):
        db.session.rollback()  # geocoding may have cached addresses; a dry run keeps nothing of its own
        return summary
    days = [data["day"] for _, data in valid]
    record = HistoryImport(org_id=org_id, name=name, created_by_id=created_by_id, rows=len(valid),
                           first_day=min(days), last_day=max(days))
    db.session.add(record)
    db.session.flush()
    db.session.execute(HistoryDelivery.__table__.insert(), [
        {"org_id": org_id, "import_id": record.id, "line": line, "window_start": None, "window_end": None,
         "failure_reason": None, "planned_sequence": None, "service_time_s": 300, "note": "", **data}
        for line, data in valid])
    if on_progress:
        on_progress(0.7, "Computing the baseline KPIs")
    rollups, failures = baseline_rows(org_id, record.id, depot, [data for _, data in valid])
    rollups += depot_rows(rollups)
    if rollups:
        db.session.execute(DailyRollup.__table__.insert(), rollups)
    if failures:
        db.session.execute(FailedDelivery.__table__.insert(), failures)
    summary.update(imported=True, import_id=record.id, imported_rows=len(valid))
    return summary


def _vehicles_by_name(org_id: int) -> tuple[dict, Vehicle | None]:
    vehicles = list(db.session.scalars(select(Vehicle).where(Vehicle.org_id == org_id).order_by(Vehicle.id)))
    by_name = {v.name.lower(): v for v in vehicles}
    default = next((v for v in vehicles if v.active), None)
    return by_name, default


def driven_distance_m(depot: Depot, points: list[tuple[float, float]], profile: str = "van") -> int:
    """What a history route drove, in the optimizer's own travel model: depot -> every attempt in the
    order it happened -> depot, along the routing matrix (road network or straight line x detour)."""
    from backend import outbound
    from backend.routing.matrix import provider_from_options
    from backend.dispatch.problems import base_options

    if not points:
        return 0
    locations = [[depot.lon, depot.lat]] + [[lon, lat] for lat, lon in points] + [[depot.lon, depot.lat]]
    policy = outbound.Policy.from_config(current_app.config)
    distances = provider_from_options(base_options(), policy).matrices(locations, profile).distances
    return int(sum(int(distances[i][i + 1]) for i in range(len(locations) - 1)))


def baseline_rows(org_id: int, import_id: int, depot: Depot, deliveries: list[dict]) -> tuple[list[dict], list[dict]]:
    """The same KPI components as our own operation, for each driver-day of the history.

    The history has one time per attempt, so a route-day is worked from its first attempt to its last,
    service and waiting are unknown (0), an attempt is a first attempt unless the same external_ref
    failed earlier in the file, and the distance is driven_distance_m. Costs and CO2 are those of the
    vehicle named on the row (by name), else of the fleet's first active vehicle."""
    vehicles, default_vehicle = _vehicles_by_name(org_id)
    failed_at: dict[str, list] = defaultdict(list)
    for data in deliveries:
        if data["outcome"] == "failed" and data.get("external_ref"):
            failed_at[data["external_ref"]].append(data["attempted_at"])
    groups: dict[tuple, list] = defaultdict(list)
    for data in deliveries:
        groups[(data["day"], data["driver"])].append(data)
    rollups, failures = [], []
    for (day, driver), items in sorted(groups.items()):
        items.sort(key=lambda d: d["attempted_at"])
        vehicle = vehicles.get((items[0].get("vehicle") or "").lower()) or default_vehicle
        facts = []
        for data in items:
            windows = [(data["window_start"], data["window_end"])] if data.get("window_start") else []
            earlier = [at for at in failed_at.get(data.get("external_ref") or "", []) if at < data["attempted_at"]]
            facts.append(kpis.StopFact(planned_sequence=data.get("planned_sequence"), outcome=data["outcome"],
                                       arrived_at=data["attempted_at"], departed_at=data["attempted_at"],
                                       windows=windows, reason=data.get("failure_reason"), first_attempt=not earlier))
            if data["outcome"] == "failed":
                failures.append({"org_id": org_id, "source": SOURCE_BASELINE, "import_id": import_id, "day": day,
                                 "at": data["attempted_at"], "order_id": None,
                                 "external_ref": data.get("external_ref", ""), "depot_id": depot.id, "driver_id": None,
                                 "route_id": None, "driver_label": driver, "address": data.get("address", ""),
                                 "lat": data["lat"], "lon": data["lon"], "reason": data.get("failure_reason") or "other"})
        distance = driven_distance_m(depot, [(d["lat"], d["lon"]) for d in items], vehicle.profile if vehicle else "van")
        route = kpis.RouteFact(started_at=items[0]["attempted_at"], ended_at=items[-1]["attempted_at"],
                               breadcrumb_distance_m=distance,
                               cost_fixed_cents=vehicle.cost_fixed_cents if vehicle else 0,
                               cost_per_hour_cents=vehicle.cost_per_hour_cents if vehicle else 0,
                               cost_per_km_cents=vehicle.cost_per_km_cents if vehicle else 0,
                               co2_g_per_km=vehicle.co2_g_per_km if vehicle else 0)
        components = kpis.route_day_components(route, facts)
        rollups.append({"org_id": org_id, "source": SOURCE_BASELINE, "grain": GRAIN_ROUTE, "import_id": import_id,
                        "day": day,
                        "depot_id": depot.id, "driver_id": None, "vehicle_id": vehicle.id if vehicle else None,
                        "route_id": None, "driver_label": driver, **components})
    return rollups, failures


def imports_statement(org_id: int):
    return select(HistoryImport).where(HistoryImport.org_id == org_id).order_by(HistoryImport.id.desc())


def get_import(org_id: int, import_id: int) -> HistoryImport:
    record = db.session.scalar(select(HistoryImport).where(HistoryImport.org_id == org_id,
                                                           HistoryImport.id == import_id))
    if record is None:
        raise NotFound("No such history import.")
    return record


def deliveries_by_day(org_id: int, import_id: int) -> dict[date, list[HistoryDelivery]]:
    days: dict[date, list] = defaultdict(list)
    for row in db.session.scalars(select(HistoryDelivery).where(HistoryDelivery.org_id == org_id,
                                                                HistoryDelivery.import_id == import_id)
                                  .order_by(HistoryDelivery.day, HistoryDelivery.attempted_at)):
        days[row.day].append(row)
    return days
