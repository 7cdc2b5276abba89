"""Proof of delivery: the files drivers capture and who may see them."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from backend.auth.principal import Principal
from backend.database import utcnow
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.green import offload
from backend.pod import images
from backend.pod.models import DeliveryProof, ProofFile
from backend.pod.storage import configured_storage
from backend.unit_of_work import transactional

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


@transactional
def store_upload(principal: Principal, *, data: bytes, kind: str, idempotency_key: str,
                 captured_at: datetime | None, lat: float | None, lon: float | None, max_bytes: int) -> tuple[ProofFile, bool]:
    """Keep a photo or signature, re-encoded (pod/images.py); the same idempotency key again returns the
    first file (no second copy)."""
    existing = db.session.scalar(select(ProofFile).where(ProofFile.driver_id == principal.driver_id,
                                                        ProofFile.idempotency_key == idempotency_key))
    if existing is not None:
        return existing, False
    if not data:
        raise InvalidInput("The file is empty.", fields={"file": ["Empty."]})
    if len(data) > max_bytes:
        raise InvalidInput(f"The file is larger than {max_bytes // 1024} KB; compress it on the phone.",
                           fields={"file": ["Too large."]}, status=413, code="too_large")
    # Only what the decoder draws is kept (no polyglot tail, no EXIF); decoding is CPU work: off the hub.
    data, content_type = offload(images.reencode, data)
    file_id = uuid.uuid4().hex
    key = f"org{principal.org_id}/{utcnow():%Y/%m/%d}/{file_id}.{EXTENSIONS[content_type]}"
    configured_storage().put(key, data, content_type)
    proof_file = ProofFile(id=file_id, org_id=principal.org_id, driver_id=principal.driver_id,
                           idempotency_key=idempotency_key, kind=kind, content_type=content_type, size_bytes=len(data),
                           storage_key=key, captured_at=captured_at, lat=lat, lon=lon)
    db.session.add(proof_file)
    return proof_file, True


def driver_files(principal: Principal, file_ids: list[str]) -> list[ProofFile]:
    """Files named in an action must be this driver's own uploads."""
    if not file_ids:
        return []
    files = list(db.session.scalars(select(ProofFile).where(ProofFile.id.in_(file_ids),
                                                            ProofFile.driver_id == principal.driver_id)))
    if len(files) != len(set(file_ids)):
        raise InvalidInput("Unknown photo or signature; upload it first.", fields={"photo_ids": ["Unknown file."]})
    return files


def proofs_for_order(org_id: int, order_id: int) -> list[DeliveryProof]:
    return list(db.session.scalars(select(DeliveryProof).where(DeliveryProof.org_id == org_id,
                                                               DeliveryProof.order_id == order_id)
                                   .order_by(DeliveryProof.at)))


def read_file(org_id: int, file_id: str, *, order_id: int | None = None) -> tuple[ProofFile, bytes]:
    """A proof file, for its organization's staff — or for the tracking link of the order it belongs to."""
    statement = select(ProofFile).where(ProofFile.org_id == org_id, ProofFile.id == file_id)
    if order_id is not None:
        statement = statement.where(ProofFile.order_id == order_id)
    proof_file = db.session.scalar(statement)
    if proof_file is None:
        raise NotFound("No such file.")
    return proof_file, configured_storage().get(proof_file.storage_key)
