"""Proof of delivery as the console shows it: what the driver recorded at the door, and where."""
from __future__ import annotations

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.database import isoformat_or_none
from backend.dispatch.models import Stop
from backend.extensions import db
from backend.geo.sphere import distance_m
from backend.orders import service as orders_service


def for_order(principal: Principal, order_id: int) -> list[dict]:
    """What the driver recorded at the door, with where it was captured and how far from the address."""
    from backend.pod import service as pod_service
    from backend.pod.models import ProofFile

    order = orders_service.get_order(principal.org_id, order_id)
    result = []
    for proof in pod_service.proofs_for_order(principal.org_id, order.id):
        file_ids = list(proof.photo_ids or []) + ([proof.signature_id] if proof.signature_id else [])
        files = {f.id: f for f in db.session.scalars(select(ProofFile).where(
            ProofFile.org_id == principal.org_id, ProofFile.id.in_(file_ids)))} if file_ids else {}

        def file_view(file_id):
            found = files.get(file_id)
            if found is None:
                return None
            return {"id": found.id, "kind": found.kind, "content_type": found.content_type,
                    "size_bytes": found.size_bytes, "url": f"/api/v1/files/{found.id}",
                    "captured_at": isoformat_or_none(found.captured_at), "lat": found.lat, "lon": found.lon}

        distance = None
        if proof.lat is not None and proof.lon is not None:
            stop = db.session.get(Stop, proof.stop_id) if proof.stop_id else None
            end = stop.end if stop is not None else order
            distance = round(distance_m(proof.lat, proof.lon, end.lat, end.lon))
        result.append({
            "id": proof.id, "stop_id": proof.stop_id, "driver_id": proof.driver_id, "outcome": proof.outcome,
            "failure_reason": proof.failure_reason, "recipient_name": proof.recipient_name, "note": proof.note,
            "at": isoformat_or_none(proof.at), "lat": proof.lat, "lon": proof.lon, "distance_from_address_m": distance,
            "photos": [v for v in (file_view(i) for i in proof.photo_ids or []) if v],
            "signature": file_view(proof.signature_id) if proof.signature_id else None,
            "scanned_barcodes": proof.scanned_barcodes or [], "cod_collected_cents": proof.cod_collected_cents,
            "id_checked": proof.id_checked, "age_verified": proof.age_verified})
    return result
