"""The order desk's API: the console's list of every order (with its driver), its export, bulk changes."""
from __future__ import annotations

from flask import Blueprint, Response, stream_with_context

from backend.api import endpoint, page_of
from backend.auth.principal import STAFF, current_principal
from backend.dispatch import order_desk
from backend.dispatch.order_desk_schemas import (AddressQuery, AddressResultSchema, ColumnMatchingOutSchema,
                                                 ColumnMatchingSchema, DeskOrderSchema, DeskQuery,
                                                 SelectionActionSchema, SelectionResultSchema)
from backend.orders import import_mapping

bp = Blueprint("order_desk", __name__, url_prefix="/api/v1")


@endpoint(bp, "/dispatch/orders", roles=STAFF, query=DeskQuery, response=page_of(DeskOrderSchema),
          summary="Every order, filtered (date range, statuses, driver, text) and sorted, a page at a time, "
                  "each with the route and driver it is on.")
def desk_orders(query):
    page, per_page = query.pop("page"), query.pop("per_page")
    return order_desk.search(current_principal(), page, per_page, **query)


@endpoint(bp, "/dispatch/orders/export.csv", roles=STAFF, query=DeskQuery, raw_body=True,
          summary="The orders matching the same filters as CSV (cells escaped against formula injection).",
          responses={200: "text/csv"})
def desk_export(query):
    query.pop("page"), query.pop("per_page")
    lines = order_desk.export_lines(current_principal(), **query)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=orders.csv"})


@endpoint(bp, "/dispatch/orders/actions", "POST", roles=STAFF, body=SelectionActionSchema,
          response=SelectionResultSchema, idempotent=True,
          summary="Cancel, or give a new delivery day to, a selection of orders; each order that cannot "
                  "change is reported with the reason while the others change.")
def desk_action(body):
    return order_desk.apply_to_selection(current_principal(), body["order_ids"], body["action"],
                                         day=body.get("delivery_date"), reason=body["reason"])


@endpoint(bp, "/dispatch/address-search", roles=STAFF, query=AddressQuery, response=AddressResultSchema,
          summary="Where an address is (the organization's corrected pins, then the geocoder); 409 when no "
                  "geocoder is configured.")
def address_search(query):
    return order_desk.search_address(current_principal(), query["q"])


def _matching(columns: dict) -> dict:
    return {"columns": columns, "known": import_mapping.COLUMNS, "required": sorted(import_mapping.REQUIRED_COLUMNS)}


@endpoint(bp, "/orders/import/columns", roles=STAFF, response=ColumnMatchingOutSchema,
          summary="The organization's saved matching of its CSV header names to ours, and our columns.")
def import_columns():
    return _matching(import_mapping.saved(current_principal().org_id))


@endpoint(bp, "/orders/import/columns", "PUT", roles=STAFF, body=ColumnMatchingSchema,
          response=ColumnMatchingOutSchema, idempotent=True,
          summary="Save how the organization's CSV header names match ours; every later import reads them so.")
def save_import_columns(body):
    return _matching(import_mapping.save(current_principal().org_id, body["columns"]))


@endpoint(bp, "/orders/import/template.csv", roles=STAFF, raw_body=True, responses={200: "text/csv"},
          summary="A CSV template: every column the import reads and two example rows.")
def import_template():
    return Response(import_mapping.template(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=orders-template.csv"})
