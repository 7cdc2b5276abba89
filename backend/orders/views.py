from flask import Blueprint, Response, request

from sqlalchemy import select

from backend.api import CSV_ANSWER, endpoint, page_of, paginate
from backend.api.preconditions import ETagged
from backend.auth.principal import STAFF, current_org_id, current_principal
from backend.errors import InvalidInput
from backend.extensions import db
from backend.jobs import service as jobs_service
from backend.jobs.schemas import JobSchema
from backend.orders import bulk, csv_io, recipients, schemas, service
from backend.orders.models import Order

bp = Blueprint("orders", __name__, url_prefix="/api/v1")


def _current_order_etag(order_id: int, **_) -> str | None:
    """The order's tag under a row lock (PostgreSQL): the If-Match check and the write see one state."""
    order = db.session.scalar(select(Order).where(Order.org_id == current_org_id(), Order.id == order_id)
                              .with_for_update(of=Order))
    return schemas.order_etag(order) if order is not None else None


ORDER_ETAG = ETagged(of=lambda result: schemas.order_etag(result) if isinstance(result, Order) else None,
                     current=_current_order_etag)


@endpoint(bp, "/orders", roles=STAFF, query=schemas.OrderQuerySchema, response=page_of(schemas.OrderSchema),
          summary="List orders with filters (status, delivery_date, depot_id, external_ref, q) and pagination.")
def list_orders(query):
    page, per_page = query.pop("page"), query.pop("per_page")
    return paginate(service.list_statement(current_org_id(), **query), page, per_page)


@endpoint(bp, "/orders", "POST", roles=STAFF, body=schemas.OrderInSchema, response=schemas.OrderSchema, status=201,
          idempotent=True,
          etag=ORDER_ETAG,
          summary="Create an order; the same external_ref again returns the existing order (200).",
          responses={200: "The order with this external_ref already existed."})
def create_order(body):
    order, created = service.create_order(current_org_id(), body, current_principal())
    return order, (201 if created else 200)


@endpoint(bp, "/orders/bulk", "POST", roles=STAFF, body=schemas.BulkOrdersSchema, response=schemas.BulkResultSchema,
          idempotent=True,
          summary="Create many orders: all or nothing unless skip_invalid; existing references are kept.")
def create_orders_bulk(body):
    summary = bulk.create_many(current_org_id(), body["orders"], current_principal(), skip_invalid=body["skip_invalid"])
    if not summary["imported"]:
        invalid = {str(r["index"]): r["errors"] for r in summary["results"] if r["status"] == "invalid"}
        raise InvalidInput(f"{len(invalid)} of {len(body['orders'])} orders are invalid; nothing was created.",
                           fields=invalid)
    return summary


@endpoint(bp, "/orders/import", "POST", roles=STAFF, query=schemas.ImportQuery, response=JobSchema, status=202,
          idempotent=True,
          raw_body=True, content_types=("text/csv", "multipart/form-data"),
          summary="Import a CSV of orders as a background job. dry_run (default true) only reports every bad "
                  "row by line and column; a real run imports nothing while a row is bad unless skip_invalid.")
def import_orders(query):
    raw = csv_io.uploaded_file(request)
    principal = current_principal()
    job = jobs_service.enqueue(current_org_id(), "orders.import", dict(query), created_by_id=principal.user_id,
                               files={"csv": raw})
    return jobs_service.job_payload(job)


@endpoint(bp, "/orders/export.csv", roles=STAFF, query=schemas.ExportQuery, raw_body=True,
          summary="Export orders matching the filters as CSV.", responses={200: "text/csv"}, produces=CSV_ANSWER)
def export_orders(query):
    query.pop("page"), query.pop("per_page")
    orders = db.session.scalars(service.list_statement(current_org_id(), **query).limit(100_000)).unique().all()
    return Response(csv_io.export(orders), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=orders.csv"})


@endpoint(bp, "/orders/<int:order_id>", roles=STAFF, response=schemas.OrderSchema, etag=ORDER_ETAG,
          summary="Get an order.")
def get_order(order_id):
    return service.get_order(current_org_id(), order_id)


@endpoint(bp, "/orders/<int:order_id>", "PATCH", roles=STAFF, body=schemas.OrderUpdateSchema, etag=ORDER_ETAG,
          response=schemas.OrderSchema, summary="Change an order's details (before the driver is on the way).")
def update_order(order_id, body):
    return service.update_order(current_org_id(), order_id, body, current_principal())


@endpoint(bp, "/orders/<int:order_id>/pin", "PUT", roles=STAFF, body=schemas.PinSchema, response=schemas.OrderSchema,
          etag=ORDER_ETAG,
          summary="Correct where the order's address is; remembered for the next order at this address.")
def correct_pin(order_id, body):
    return service.correct_pin(current_org_id(), order_id, body["lat"], body["lon"], current_principal())


@endpoint(bp, "/orders/<int:order_id>/cancel", "POST", roles=STAFF, body=schemas.CancelSchema, etag=ORDER_ETAG,
          idempotent=True,
          response=schemas.OrderSchema, summary="Cancel an order (any state before delivered).")
def cancel_order(order_id, body):
    return service.cancel_order(current_org_id(), order_id, body["reason"], current_principal())


@endpoint(bp, "/orders/<int:order_id>/reschedule", "POST", roles=STAFF, response=schemas.OrderSchema, etag=ORDER_ETAG,
          idempotent=True,
          summary="Put a failed order back to be planned again.")
def reschedule_order(order_id):
    return service.reschedule_order(current_org_id(), order_id, current_principal())


@endpoint(bp, "/orders/<int:order_id>/events", roles=STAFF, response=schemas.OrderEventSchema(many=True),
          summary="The order's event log, oldest first.")
def order_events(order_id):
    return service.events(current_org_id(), order_id)


@endpoint(bp, "/recipients", roles=STAFF, query=schemas.RecipientQuery, response=page_of(schemas.RecipientSchema),
          summary="List recipients.")
def list_recipients(query):
    return paginate(recipients.recipients_statement(current_org_id(), query["q"]), query["page"], query["per_page"])


@endpoint(bp, "/recipients", "POST", roles=STAFF, body=schemas.RecipientSchema, response=schemas.RecipientSchema,
          idempotent=True,
          status=201, summary="Create a recipient.")
def create_recipient(body):
    return recipients.create_recipient(current_org_id(), body)


@endpoint(bp, "/recipients/<int:recipient_id>", roles=STAFF, response=schemas.RecipientSchema,
          summary="Get a recipient.")
def get_recipient(recipient_id):
    return recipients.get_recipient(current_org_id(), recipient_id)


@endpoint(bp, "/recipients/<int:recipient_id>", "PATCH", roles=STAFF, body=schemas.RecipientSchema(partial=True),
          response=schemas.RecipientSchema, summary="Change a recipient (name, contact, language, opt-outs).")
def update_recipient(recipient_id, body):
    return recipients.update_recipient(current_org_id(), recipient_id, body)
