"""Orders in bulk: the batch API, the CSV import, the demo and practice days check and create many orders.

Nothing is created while one order is bad, unless the caller skips bad ones; references already known
are reported as existing. Orders are checked and created a batch at a time, with a few queries per batch
(service.Lookups) rather than a few per order.
"""
from __future__ import annotations

from marshmallow import ValidationError

from backend.auth.principal import Principal
from backend.extensions import db
from backend.orders import lifecycle
from backend.orders.schemas import OrderInSchema
from backend.orders.service import Lookups, actor_of, check_order, prepare_order
from backend.unit_of_work import transactional

VALIDATION_BATCH = 500


class OrderValidator:
    """Checks orders a batch at a time: the schema, references repeated in the input, and the database
    checks with a few queries per batch (Lookups). `where(index)` names an input in messages ("item 3",
    "line 4")."""

    def __init__(self, org_id: int, where=lambda index: f"item {index}"):
        self.org_id = org_id
        self.where = where
        self.seen_refs: dict[str, int] = {}
        self.lookups = Lookups(org_id)
        whole = OrderInSchema()
        self._names = frozenset(whole.load_fields)
        self._required = frozenset(name for name, field in whole.load_fields.items() if field.required)
        self._defaults = {name: field.load_default for name, field in whole.load_fields.items()
                          if not field.required}
        self._schemas: dict[frozenset, OrderInSchema] = {}

    def _load(self, raw: dict) -> dict:
        """OrderInSchema().load(raw), faster: the schema is narrowed to the fields the input has (and the
        required ones) — marshmallow pays for every declared field, given or not — and the others take
        the schema's own load_default. The rows of a file share a few shapes, so a few schemas serve."""
        shape = frozenset(raw) & self._names
        schema = self._schemas.get(shape)
        if schema is None:
            schema = self._schemas[shape] = OrderInSchema(only=tuple(sorted(shape | self._required)))
        data = schema.load(raw)
        for name, default in self._defaults.items():
            if name not in data:
                data[name] = default() if callable(default) else default
        return data

    def check(self, raw_orders: list, first_index: int = 0) -> list[dict]:
        """Each result: {"index", "status": "valid" | "existing" | "invalid", "external_ref", "errors"?}, and
        private "_data"/"_checked" for the caller that goes on to create."""
        results, loaded = [], []
        for offset, raw in enumerate(raw_orders):
            index = first_index + offset
            result = {"index": index, "external_ref": raw.get("external_ref") if isinstance(raw, dict) else None}
            try:
                if not isinstance(raw, dict):
                    raise ValidationError({"_schema": ["Each order is a JSON object."]})
                data = self._load(raw)
                ref = data["external_ref"]
                if ref in self.seen_refs:
                    raise ValidationError({"external_ref": [f"Same reference as {self.where(self.seen_refs[ref])}."]})
                self.seen_refs[ref] = index
                loaded.append((result, data))
            except ValidationError as exc:
                result.update(status="invalid", errors=exc.messages)
            results.append(result)
        self.lookups.prefetch([data for _, data in loaded])
        for result, data in loaded:
            existing = self.lookups.existing.get(data["external_ref"])
            try:
                if existing is not None:
                    result.update(status="existing", id=existing)
                else:
                    result.update(status="valid", _data=data, _checked=check_order(self.org_id, data, self.lookups))
            except ValidationError as exc:
                result.update(status="invalid", errors=exc.messages)
        return results


def validate_many(org_id: int, raw_orders: list, *, on_progress=None) -> list[dict]:
    """Check every order (schema, duplicates in the batch, database checks) without writing anything."""
    validator = OrderValidator(org_id)
    results = []
    for start in range(0, len(raw_orders), VALIDATION_BATCH):
        results.extend(validator.check(raw_orders[start:start + VALIDATION_BATCH], start))
        if on_progress:
            done = min(start + VALIDATION_BATCH, len(raw_orders))
            on_progress(0.8 * done / max(len(raw_orders), 1), f"Checked {done} of {len(raw_orders)}")
    return results


def add_many(org_id: int, raw_orders: list, principal: Principal | None, *, skip_invalid: bool,
             dry_run: bool = False, source: str = "bulk", on_progress=None, results: list | None = None) -> dict:
    """Nothing is created while one order is bad, unless the caller skips bad ones. Existing refs are kept.

    `results` may carry a validation the caller already made (and amended) with validate_many().
    The caller's unit of work commits (with the geocoder answers learnt while checking, even when
    nothing is imported): `create_many` is the use case.
    """
    if results is None:
        results = validate_many(org_id, raw_orders, on_progress=on_progress)
    invalid = [r for r in results if r["status"] == "invalid"]
    if not dry_run and not (invalid and not skip_invalid):
        create_checked(org_id, [r for r in results if r["status"] == "valid"], principal, source)
    for result in results:
        result.pop("_data", None)
        result.pop("_checked", None)
    counts = {status: sum(1 for r in results if r["status"] == status)
              for status in ("created", "existing", "invalid", "valid")}
    return {"created": counts["created"], "existing": counts["existing"], "invalid": counts["invalid"],
            "valid": counts["valid"], "skipped": counts["invalid"] if skip_invalid and not dry_run else 0,
            "imported": not dry_run and not (invalid and not skip_invalid), "results": results}


create_many = transactional(add_many)


def create_checked(org_id: int, results: list[dict], principal: Principal | None, source: str,
                   on_progress=None) -> None:
    """Create the orders of checked results (validate_many's "valid" ones) in the caller's transaction, a
    batch at a time: one flush and one round of "created" events per batch rather than per order."""
    new_recipients = Lookups(org_id)
    actor = actor_of(principal)
    with db.session.no_autoflush:
        for start in range(0, len(results), VALIDATION_BATCH):
            batch = results[start:start + VALIDATION_BATCH]
            orders = [prepare_order(org_id, r["_data"], r["_checked"], new_recipients) for r in batch]
            db.session.flush()
            lifecycle.record_many(orders, "created", details={"source": source}, **actor)
            for result, order in zip(batch, orders):
                result.update(status="created", id=order.id)
            if on_progress:
                on_progress((start + len(batch)) / len(results), f"Created {start + len(batch)} of {len(results)}")
