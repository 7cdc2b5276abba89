"""Print and export: a route's sheet (the page /print/routes/<id> draws it) and an order's receipt as PDF."""
from __future__ import annotations

from flask import Blueprint

from backend.api import PDF_ANSWER, endpoint, pdf_download
from backend.auth.principal import DRIVER, STAFF, current_principal
from backend.dispatch import route_sheet
from backend.dispatch.route_sheet_schemas import RouteSheetSchema
from backend.notify import receipts
from backend.orders import service as orders_service

bp = Blueprint("print", __name__, url_prefix="/api/v1")


@endpoint(bp, "/routes/<int:route_id>/sheet", roles=STAFF + DRIVER, response=RouteSheetSchema,
          summary="A route's sheet to print: driver, vehicle, and each stop in order with address, window, ETA, "
                  "recipient and phone, notes and each parcel's Code 128 barcode (drivers: their own routes).")
def sheet(route_id):
    return route_sheet.route_sheet(current_principal(), route_id)


@endpoint(bp, "/orders/<int:order_id>/receipt.pdf", roles=STAFF, raw_body=True, produces=PDF_ANSWER,
          summary="The proof-of-delivery receipt of a delivered order (PDF, in the customer's language): "
                  "recipient, time, address, driver, signature and photos, under the organization's name and logo.",
          responses={409: "The order is not delivered (code `not_delivered`)."})
def order_receipt(order_id):
    order = orders_service.get_order(current_principal().org_id, order_id)
    return pdf_download(receipts.receipt(order), receipts.file_name(order))
