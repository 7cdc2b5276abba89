"""An order's proof-of-delivery receipt (PDF, drawn by backend/pod/receipt.py), gathered from what was recorded.

One document for every audience — dispatchers download it from the console, the customer from their tracking
link once delivered, and the "delivered" email carries it when the organization asks for it (the
organization setting `receipt_in_delivered_email`, off by default). So it holds only what the customer may
see: no GPS point, no driver's note, the driver by first name (as on the tracking page). It is written in
the customer's language, with times in the depot's zone. A return's receipt is a proof of collection: its
place and person are the pickup's (the customer who handed the parcel over).
"""
from __future__ import annotations

import base64
import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend.auth.models import Organization
from backend.database import utcnow
from backend.errors import Conflict
from backend.extensions import db
from backend.fleet.models import Driver
from backend.green import offload
from backend.notify.rendering import depot_timezone
from backend.notify.templates import DATES, language_of
from backend.orders.enums import OrderStatus, OrderType, StopKind
from backend.orders.models import Order, OrderEvent
from backend.pod import receipt as receipt_pdf
from backend.pod.models import DeliveryProof, ProofFile
from backend.pod.storage import configured_storage

log = logging.getLogger(__name__)
SETTING = "receipt_in_delivered_email"
DEFAULT_COLOUR = "#0b3d2e"
LOGO_DATA_URL = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=]+)$")


def wanted_in_email(org: Organization | None) -> bool:
    return bool(org is not None and (org.settings or {}).get(SETTING))


def written(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """A moment as the receipt's language writes a full date and time: "Monday, November 30, 2026 at 2:30 PM"."""
    local = moment.astimezone(tz)
    dates = DATES[language]
    clock = dates.time.format(clock=dates.clock(local))
    return receipt_pdf.labels(language)["when"].format(
        weekday=dates.days[local.weekday()], date=local.day, month=dates.months[local.month - 1], year=local.year,
        clock=clock)


def _delivered_proof(order: Order, outcome: str) -> DeliveryProof | None:
    return db.session.scalar(select(DeliveryProof).where(
        DeliveryProof.org_id == order.org_id, DeliveryProof.order_id == order.id, DeliveryProof.outcome == outcome)
        .order_by(DeliveryProof.at.desc()).limit(1))


def _delivered_at(order: Order, proof: DeliveryProof | None) -> datetime:
    if proof is not None:
        return proof.at
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.org_id == order.org_id,
                                                       OrderEvent.order_id == order.id,
                                                       OrderEvent.to_status == OrderStatus.delivered.value)
                              .order_by(OrderEvent.at.desc()).limit(1))
    return event.at if event is not None else order.updated_at


def _files(order: Order, ids: list[str]) -> dict[str, bytes]:
    """The proof's files by id; one missing from storage is left out (and logged), not the whole receipt."""
    if not ids:
        return {}
    found = {}
    storage = configured_storage()
    for proof_file in db.session.scalars(select(ProofFile).where(ProofFile.org_id == order.org_id,
                                                                 ProofFile.order_id == order.id,
                                                                 ProofFile.id.in_(ids))):
        try:
            found[proof_file.id] = storage.get(proof_file.storage_key)
        except (OSError, ValueError):
            log.exception("proof file %s is missing from storage", proof_file.id)
    return found


def _logo(org: Organization) -> bytes | None:
    match = LOGO_DATA_URL.match(((org.settings or {}).get("branding") or {}).get("logo") or "")
    return base64.b64decode(match.group(1)) if match else None


def content_for(order: Order) -> receipt_pdf.ReceiptContent:
    """What the receipt says; 409 `not_delivered` while the order is not delivered."""
    if order.status is not OrderStatus.delivered:
        raise Conflict("A receipt exists once the order is delivered.", code="not_delivered")
    org = db.session.get(Organization, order.org_id)
    # A return ends when it is collected at the customer's (its delivery is the depot's): that end is the receipt's.
    collection = order.type is OrderType.return_
    end = order.end(StopKind.pickup if collection else StopKind.delivery)
    person = end.person
    language = language_of(person.language if person else None)
    tz = depot_timezone(order)
    proof = _delivered_proof(order, "collected" if collection else "delivered")
    driver = db.session.get(Driver, proof.driver_id) if proof is not None and proof.driver_id else None
    driver_first_name = (driver.user.name.split() or [""])[0] if driver is not None and driver.user else ""
    photo_ids = list(proof.photo_ids or []) if proof is not None else []
    signature_id = proof.signature_id if proof is not None else None
    files = _files(order, photo_ids + ([signature_id] if signature_id else []))
    branding = (org.settings or {}).get("branding") or {}
    return receipt_pdf.ReceiptContent(
        language=language, org_name=org.name, brand_colour=branding.get("colour") or DEFAULT_COLOUR,
        order_ref=order.external_ref, recipient_name=person.name if person else "", collection=collection,
        received_by=proof.recipient_name if proof is not None else "", address=end.address,
        delivered_at=written(_delivered_at(order, proof), tz, language), issued_at=written(utcnow(), tz, language),
        driver_name=driver_first_name, currency=org.currency or "CAD",
        parcel_barcodes=[parcel.barcode for parcel in order.parcels], parcel_count=order.parcel_count,
        paid_cents=proof.cod_collected_cents if proof is not None else 0,
        id_checked=bool(proof and proof.id_checked), age_verified=bool(proof and proof.age_verified),
        logo_png=_logo(org), signature=files.get(signature_id) if signature_id else None,
        photos=[files[i] for i in photo_ids if i in files])


def file_name(order: Order) -> str:
    """receipt-<reference>.pdf, with what a file name cannot hold replaced."""
    reference = re.sub(r"[^A-Za-z0-9._-]+", "-", order.external_ref).strip("-.") or str(order.id)
    return f"receipt-{reference[:80]}.pdf"


def receipt(order: Order) -> bytes:
    """The PDF; drawing it is CPU work, off the web hub."""
    return offload(receipt_pdf.draw, content_for(order))
