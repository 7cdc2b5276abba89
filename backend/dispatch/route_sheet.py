"""The route sheet (manifest) a driver carries or a dispatcher files: one route's stops in driving order.

What a person needs on paper when the phone is flat: who drives what, from which depot, and for each stop
the address, window, ETA, recipient and phone, notes, cash to collect and checks to make, and each parcel's
barcode so it can still be scanned at the van. The page (`/print/routes/<id>`) draws it; this module
gathers it and draws the barcodes (backend/orders/barcodes.py).
"""
from __future__ import annotations

from flask import current_app

from backend.auth.models import Organization
from backend.auth.principal import Principal
from backend.database import utcnow
from backend.dispatch import service
from backend.dispatch.models import Route, Stop
from backend.extensions import db
from backend.orders.enums import StopKind
from backend.orders.barcodes import code128

def _barcode(value: str) -> dict:
    drawn = code128(value)
    if drawn is None:
        return {"value": value, "drawable": False}
    return {"value": value, "drawable": True, "width": drawn.width, "height": drawn.height, "path": drawn.path}


def _stop(stop: Stop) -> dict:
    """A stop as the sheet prints it: the end of the order it serves (a pickup's place, windows and person are
    the sender's), with cash and checks where the parcel is handed over."""
    order = stop.order
    end = stop.end
    person = end.person
    handing_over = stop.kind is StopKind.delivery
    parcels = [_barcode(parcel.barcode) for parcel in order.parcels]
    return {
        "sequence": stop.sequence,
        "kind": stop.kind.value,
        "status": stop.status.value,
        "order_id": order.id,
        "order_ref": order.external_ref,
        "recipient_name": person.name if person else "",
        "recipient_phone": (person.phone or "") if person else "",
        "address": end.address,
        "time_windows": [{"start": window.start_at, "end": window.end_at} for window in end.time_windows],
        "eta": stop.eta_at or stop.planned_arrival_at,
        "parcel_count": order.parcel_count,
        "weight_kg": order.weight_kg,
        # Parcels without barcodes of their own are scanned by the order's reference.
        "barcodes": parcels or [_barcode(order.external_ref)],
        "notes": order.notes or "",
        "delivery_instructions": end.instructions or "",
        "cod_amount_cents": order.cod_amount_cents if handing_over else 0,
        "requires_id_check": order.requires_id_check and handing_over,
        "min_age": order.min_age if handing_over else None,
    }


def route_sheet(principal: Principal, route_id: int) -> dict:
    """The sheet of one route: staff for any route of their organization, a driver for their own (404 else)."""
    route: Route = service.get_route(principal, route_id)
    org = db.session.get(Organization, principal.org_id)
    driver_user = route.driver.user if route.driver is not None else None
    stops = list(route.stops)
    return {
        "route_id": route.id,
        "date": route.date,
        "status": route.status.value,
        "organization": org.name if org else "",
        "currency": org.currency if org else "CAD",
        "timezone": route.depot.timezone if route.depot else current_app.config["TIMEZONE"],
        "depot": {"name": route.depot.name, "address": route.depot.address} if route.depot else None,
        "driver": {"name": driver_user.name, "phone": driver_user.phone or ""} if driver_user else None,
        "vehicle": {"name": route.vehicle.name, "plate": route.vehicle.plate or ""} if route.vehicle else None,
        "planned_start": route.planned_start_at,
        "planned_end": route.planned_end_at,
        "planned_distance_m": route.planned_distance_m,
        "planned_duration_s": route.planned_duration_s,
        "stop_count": len(stops),
        # A pickup-delivery pair stops twice for the same parcels: each order counts once.
        "parcel_count": sum({stop.order_id: stop.order.parcel_count for stop in stops}.values()),
        "cod_total_cents": sum(stop.order.cod_amount_cents for stop in stops if stop.kind is StopKind.delivery),
        "stops": [_stop(stop) for stop in stops],
        "printed_at": utcnow(),
    }
