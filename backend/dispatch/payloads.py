"""Named builders of what clients receive about routes: the API and the socket events share them."""
from __future__ import annotations

from backend.dispatch.models import Route, Stop
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle


def _iso(moment):
    return moment.isoformat() if moment else None


def order_for_driver(order) -> dict:
    """What a driver needs at the door, and nothing else (no tracking token, no other customers)."""
    recipient = order.recipient
    return {
        "id": order.id, "external_ref": order.external_ref, "status": order.status.value, "address": order.address,
        "lat": order.lat, "lon": order.lon,
        "time_windows": [{"start": _iso(w.start_at), "end": _iso(w.end_at)} for w in order.time_windows],
        "service_time_s": order.service_time_s, "parcel_count": order.parcel_count,
        "parcels": [{"barcode": p.barcode, "loaded_at": _iso(p.loaded_at), "delivered_at": _iso(p.delivered_at)}
                    for p in order.parcels],
        "notes": order.notes, "delivery_instructions": order.delivery_instructions,
        "recipient": {"name": recipient.name, "phone": recipient.phone} if recipient else None,
        "cod_amount_cents": order.cod_amount_cents, "requires_id_check": order.requires_id_check,
        "min_age": order.min_age, "weight_kg": order.weight_kg,
    }


def stop_payload(stop: Stop) -> dict:
    return {
        "id": stop.id, "route_id": stop.route_id, "sequence": stop.sequence, "status": stop.status.value,
        "planned_arrival_at": _iso(stop.planned_arrival_at), "planned_departure_at": _iso(stop.planned_departure_at),
        "eta_at": _iso(stop.eta_at), "actual_arrival_at": _iso(stop.actual_arrival_at),
        "actual_departure_at": _iso(stop.actual_departure_at), "order": order_for_driver(stop.order),
    }


def route_snapshot(route: Route) -> dict:
    """The whole route as one plain-JSON document, with the version a client catches up from."""
    depot = db.session.get(Depot, route.depot_id)
    vehicle = db.session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
    driver = db.session.get(Driver, route.driver_id) if route.driver_id else None
    return {
        "id": route.id, "date": route.date.isoformat(), "status": route.status.value, "version": route.version,
        "depot": {"id": depot.id, "name": depot.name, "lat": depot.lat, "lon": depot.lon, "timezone": depot.timezone},
        "vehicle": {"id": vehicle.id, "name": vehicle.name, "plate": vehicle.plate} if vehicle else None,
        "driver": {"id": driver.id, "name": driver.user.name, "phone": driver.phone or driver.user.phone} if driver else None,
        "planned_start_at": _iso(route.planned_start_at), "planned_end_at": _iso(route.planned_end_at),
        "planned_distance_m": route.planned_distance_m, "planned_duration_s": route.planned_duration_s,
        "started_at": _iso(route.started_at), "completed_at": _iso(route.completed_at),
        "on_break": route.break_started_at is not None,
        "stops": [stop_payload(stop) for stop in sorted(route.stops, key=lambda s: s.sequence)],
    }


def route_updated(route: Route, change: dict | None = None) -> dict:
    return {"route": route_snapshot(route), "change": change}
