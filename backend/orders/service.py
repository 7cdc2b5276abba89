"""Orders and recipients: creating (idempotently by external reference), changing, cancelling."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from marshmallow import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from backend.auth.principal import Principal
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Depot
from backend.geo import geocoding
from backend.orders import lifecycle
from backend.orders.enums import ActorType, GeocodeSource, OrderStatus, OrderType
from backend.orders.models import Order, OrderEvent, OrderPickupWindow, OrderTimeWindow, Parcel, Recipient
from backend.unit_of_work import transactional, unit_of_work

EDITABLE_STATUSES = {OrderStatus.created, OrderStatus.planned, OrderStatus.dispatched, OrderStatus.rescheduled}


def actor_of(principal: Principal | None) -> dict:
    if principal is None:
        return {"actor_type": ActorType.system, "actor_id": None}
    kind = ActorType.api_key if principal.kind == "api_key" else ActorType.user
    return {"actor_type": kind, "actor_id": principal.id}


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


# --- reading --------------------------------------------------------------------------------------

def get_order(org_id: int, order_id: int) -> Order:
    order = db.session.scalar(select(Order).where(Order.org_id == org_id, Order.id == order_id))
    if order is None:
        raise NotFound("No such order.")
    return order


def find_by_ref(org_id: int, external_ref: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.org_id == org_id, Order.external_ref == external_ref))


_SORT_COLUMNS = {"id": Order.id, "delivery_date": Order.delivery_date, "external_ref": Order.external_ref,
                 "created_at": Order.created_at, "status": Order.status}


def list_statement(org_id: int, *, status=None, delivery_date=None, date_from=None, date_to=None, depot_id=None,
                   external_ref=None, q=None, sort: str = "id"):
    """Orders matching the filters, in `sort` order (a column name, '-' first for descending; ties by id)."""
    column = _SORT_COLUMNS[sort.lstrip("-")]
    descending = sort.startswith("-")
    statement = select(Order).where(Order.org_id == org_id).order_by(
        column.desc() if descending else column.asc(), Order.id.desc() if descending else Order.id.asc())
    if status:
        statuses = status if isinstance(status, (list, tuple, set)) else [status]
        statement = statement.where(Order.status.in_(statuses))
    if delivery_date is not None:
        statement = statement.where(Order.delivery_date == delivery_date)
    if date_from is not None:
        statement = statement.where(Order.delivery_date >= date_from)
    if date_to is not None:
        statement = statement.where(Order.delivery_date <= date_to)
    if depot_id is not None:
        statement = statement.where(Order.depot_id == depot_id)
    if external_ref is not None:
        statement = statement.where(Order.external_ref == external_ref)
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        statement = statement.outerjoin(Recipient, Order.recipient_id == Recipient.id).where(
            or_(Order.external_ref.ilike(pattern), Order.address.ilike(pattern), Recipient.name.ilike(pattern),
                Recipient.phone.ilike(pattern)))
    return statement


def events(org_id: int, order_id: int) -> list[OrderEvent]:
    get_order(org_id, order_id)
    return list(db.session.scalars(select(OrderEvent).where(OrderEvent.org_id == org_id, OrderEvent.order_id == order_id)
                                    .order_by(OrderEvent.at, OrderEvent.id)))


# --- building -------------------------------------------------------------------------------------

def parse_window_time(text: str, tz: ZoneInfo, day: date | None = None) -> datetime:
    """ISO 8601 date-time; without an offset it is local to the depot. "HH:MM" needs the delivery day."""
    text = text.strip()
    try:
        if len(text) <= 5 and ":" in text:
            if day is None:
                raise ValueError
            value = datetime.combine(day, time.fromisoformat(text))
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{text!r} is not a date-time (ISO 8601, e.g. 2026-11-25T09:00:00-05:00).")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)


def build_windows(raw_windows: list[dict], tz: ZoneInfo, day: date | None) -> list[tuple[datetime, datetime]]:
    windows, errors = [], {}
    for index, raw in enumerate(raw_windows):
        try:
            start = parse_window_time(raw["start"], tz, day)
            end = parse_window_time(raw["end"], tz, day)
        except ValidationError as exc:
            errors[index] = exc.messages
            continue
        if end < start:
            errors[index] = ["The window ends before it starts."]
        elif end == start:
            errors[index] = ["The window ends as soon as it starts: give it a length."]
        elif end - start > timedelta(days=2):
            errors[index] = ["A window is at most two days long."]
        else:
            windows.append((start, end))
    if errors:
        raise ValidationError({"time_windows": errors})
    windows.sort()
    for (a_start, a_end), (b_start, b_end) in zip(windows, windows[1:]):
        if b_start < a_end:
            raise ValidationError({"time_windows": ["Windows overlap."]})
    return windows


class Lookups:
    """What checking a batch of orders looks up, fetched a batch at a time instead of an order at a time:
    depots by id, the default depot, existing references, recipients by phone and by email."""

    def __init__(self, org_id: int):
        self.org_id = org_id
        self.depots: dict = {}
        self.existing: dict[str, int] = {}
        self.by_phone: dict[str, Recipient] = {}
        self.by_email: dict[str, Recipient] = {}
        self._windows: dict = {}

    def windows(self, raw_windows: list[dict], tz: ZoneInfo, day: date | None) -> list[tuple[datetime, datetime]]:
        """build_windows, remembered: the rows of an import repeat the same few windows."""
        key = (tuple((w.get("start"), w.get("end")) for w in raw_windows), tz.key, day)
        if key not in self._windows:
            self._windows[key] = build_windows(raw_windows, tz, day)  # a refusal raises, and is not remembered
        return list(self._windows[key])

    def depot(self, depot_id: int | None) -> Depot:
        if depot_id not in self.depots:
            self.depots[depot_id] = _depot_for(self.org_id, depot_id)
        return self.depots[depot_id]

    def prefetch(self, batch: list[dict]) -> None:
        """One query each for the batch's references, phones and emails."""
        refs = {data["external_ref"] for data in batch}
        phones = {(data.get("recipient") or {}).get("phone") for data in batch} - {None, ""}
        emails = {(data.get("recipient") or {}).get("email") for data in batch} - {None, ""}
        self.existing = dict(db.session.execute(select(Order.external_ref, Order.id).where(
            Order.org_id == self.org_id, Order.external_ref.in_(refs))).all()) if refs else {}
        self.by_phone, self.by_email = {}, {}
        if phones:
            for recipient in db.session.scalars(select(Recipient).where(Recipient.org_id == self.org_id,
                                                                        Recipient.phone.in_(phones))):
                self.by_phone.setdefault(recipient.phone, recipient)
        if emails:
            for recipient in db.session.scalars(select(Recipient).where(Recipient.org_id == self.org_id,
                                                                        Recipient.email.in_(emails))):
                self.by_email.setdefault(recipient.email, recipient)

    def recipient(self, data: dict | None) -> Recipient | None:
        if not data:
            return None
        found = self.by_phone.get(data.get("phone")) if data.get("phone") else None
        if found is None and data.get("email"):
            found = self.by_email.get(data["email"])
        return found


def _depot_for(org_id: int, depot_id: int | None) -> Depot:
    if depot_id is not None:
        try:
            return fleet_service.get_depot(org_id, depot_id)
        except NotFound:
            raise ValidationError({"depot_id": ["No such depot."]})
    depot = fleet_service.default_depot(org_id)
    if depot is None:
        raise ValidationError({"depot_id": ["The organization has no depot yet; create one first."]})
    return depot


def _find_recipient(org_id: int, data: dict | None, recipient_id: int | None) -> Recipient | None:
    """The same person (by phone, else email) is one recipient, so their opt-outs follow them."""
    if recipient_id is not None:
        found = db.session.scalar(select(Recipient).where(Recipient.org_id == org_id, Recipient.id == recipient_id))
        if found is None:
            raise ValidationError({"recipient_id": ["No such recipient."]})
        return found
    if not data:
        return None
    found = None
    if data.get("phone"):
        found = db.session.scalar(select(Recipient).where(Recipient.org_id == org_id, Recipient.phone == data["phone"]))
    if found is None and data.get("email"):
        found = db.session.scalar(select(Recipient).where(Recipient.org_id == org_id, Recipient.email == data["email"]))
    return found


def _recipient_for(org_id: int, data: dict | None, found: Recipient | None) -> Recipient | None:
    if not data:
        return found
    if found is None:
        found = Recipient(org_id=org_id, **data)
        db.session.add(found)
    else:
        found.name = data["name"]
        found.language = data.get("language", found.language)
        found.email = data.get("email") or found.email
        found.phone = data.get("phone") or found.phone
    return found


def _locate(org_id: int, data: dict, field_of=lambda name: name) -> tuple[float, float, GeocodeSource]:
    """The address's coordinates, given or geocoded; `field_of` names the fields in a refusal."""
    if data.get("lat") is not None:
        return data["lat"], data["lon"], GeocodeSource.given
    try:
        pin = geocoding.geocode(org_id, data["address"])
    except geocoding.GeocoderUnavailable as exc:
        raise ValidationError({field_of("address"): [f"The geocoder is unavailable ({exc}); give lat and lon."]})
    if pin is None:
        if geocoding.configured_geocoder() is None:
            raise ValidationError({field_of("lat"): ["Coordinates are required (no geocoder is configured)."]})
        raise ValidationError({field_of("address"): ["The geocoder could not find this address; give lat and lon."]})
    source = GeocodeSource.corrected if pin.source == "corrected" else GeocodeSource.geocoder
    return pin.lat, pin.lon, source


@dataclass
class CheckedPickup:
    """The pickup end of a return or a pair, checked."""

    address: str
    lat: float
    lon: float
    windows: list
    service_time_s: int
    instructions: str
    contact: dict | None
    sender: Recipient | None


def _pickup_field(name: str) -> str:
    return f"pickup.{name}"


def check_pickup(org_id: int, pickup: dict, tz: ZoneInfo, day: date | None,
                 delivery_windows: list[tuple[datetime, datetime]]) -> CheckedPickup:
    """The pickup end: its windows (read like the delivery's), its place, its contact. A pickup whose windows
    close after the delivery's would have the parcel collected after it is due: refused."""
    try:
        windows = build_windows(pickup.get("time_windows") or [], tz, day)
    except ValidationError as exc:
        raise ValidationError({"pickup.time_windows": exc.messages.get("time_windows", exc.messages)})
    if windows and delivery_windows and windows[-1][1] > delivery_windows[-1][1]:
        raise ValidationError({"pickup.time_windows": [
            "The pickup window closes after the delivery window: the parcel must be collected before it is due."]})
    if windows and delivery_windows and windows[0][0] >= delivery_windows[-1][1]:
        raise ValidationError({"pickup.time_windows": ["The pickup window opens after the delivery window closes."]})
    lat, lon, _source = _locate(org_id, pickup, _pickup_field)
    contact = pickup.get("contact")
    return CheckedPickup(pickup["address"], lat, lon, windows, pickup.get("service_time_s", 300),
                         pickup.get("instructions", ""), contact, _find_recipient(org_id, contact, None))


@dataclass
class CheckedOrder:
    """What validating an order against the database found: reused when the order is built."""

    depot: Depot
    windows: list
    day: date | None
    lat: float
    lon: float
    source: GeocodeSource
    recipient: Recipient | None
    pickup: CheckedPickup | None = None


def check_order(org_id: int, data: dict, lookups: Lookups | None = None) -> CheckedOrder:
    """Everything that can reject a schema-valid order (depot, windows, location); adds nothing to the session.

    A return goes to its depot: its delivery end is the depot's address, with no window of its own."""
    depot = lookups.depot(data.get("depot_id")) if lookups else _depot_for(org_id, data.get("depot_id"))
    tz = ZoneInfo(depot.timezone)
    day = data.get("delivery_date")
    raw_windows = data.get("time_windows") or []
    windows = lookups.windows(raw_windows, tz, day) if lookups else build_windows(raw_windows, tz, day)
    pickup = check_pickup(org_id, data["pickup"], tz, day, windows) if data.get("pickup") else None
    if day is None and windows:
        day = windows[0][0].astimezone(tz).date()
    if day is None and pickup is not None and pickup.windows:
        day = pickup.windows[0][0].astimezone(tz).date()
    if data.get("type") == OrderType.return_.value:
        lat, lon, source = depot.lat, depot.lon, GeocodeSource.given
    else:
        lat, lon, source = _locate(org_id, data)
    if lookups is not None and data.get("recipient_id") is None:
        recipient = lookups.recipient(data.get("recipient"))
    else:
        recipient = _find_recipient(org_id, data.get("recipient"), data.get("recipient_id"))
    return CheckedOrder(depot, windows, day, lat, lon, source, recipient, pickup)


def prepare_order(org_id: int, data: dict, checked: CheckedOrder | None = None,
                  new_recipients: Lookups | None = None) -> Order:
    """Turn validated input into an Order added to the session (not committed); raises ValidationError.

    `new_recipients` remembers the recipients a batch creates before it is flushed, so one person
    appearing twice in a batch is one recipient."""
    checked = checked or check_order(org_id, data)
    if new_recipients is not None:
        found = checked.recipient or new_recipients.recipient(data.get("recipient"))
    else:  # a recipient first seen earlier in the same batch exists by now (each order is flushed)
        found = checked.recipient or _find_recipient(org_id, data.get("recipient"), None)
    recipient = _recipient_for(org_id, data.get("recipient"), found)
    if new_recipients is not None and recipient is not None:
        if recipient.phone:
            new_recipients.by_phone.setdefault(recipient.phone, recipient)
        if recipient.email:
            new_recipients.by_email.setdefault(recipient.email, recipient)
    barcodes = data.get("parcels") or []
    parcel_count = data.get("parcel_count")
    if parcel_count is None:
        parcel_count = len(barcodes) or 1
    order_type = OrderType(data.get("type") or OrderType.delivery.value)
    address = checked.depot.address or checked.depot.name if order_type is OrderType.return_ else data["address"]
    order = Order(
        org_id=org_id, external_ref=data["external_ref"], type=order_type, depot_id=checked.depot.id,
        recipient=recipient, address=address, lat=checked.lat, lon=checked.lon, geocode_source=checked.source,
        delivery_date=checked.day, service_time_s=data.get("service_time_s", 300),
        weight_kg=data.get("weight_kg", 0), volume_l=data.get("volume_l", 0),
        parcel_count=max(parcel_count, len(barcodes)), priority=data.get("priority", 0),
        required_skills=data.get("required_skills") or [], notes=data.get("notes", ""),
        delivery_instructions=data.get("delivery_instructions", ""),
        cod_amount_cents=data.get("cod_amount_cents", 0), requires_id_check=data.get("requires_id_check", False),
        min_age=data.get("min_age"), status=OrderStatus.created, tracking_token=new_tracking_token())
    order.time_windows = [OrderTimeWindow(start_at=s, end_at=e) for s, e in checked.windows]
    order.parcels = [Parcel(org_id=org_id, barcode=code) for code in barcodes]
    if checked.pickup is not None:
        _set_pickup(org_id, order, checked.pickup, new_recipients)
    db.session.add(order)
    return order


def _set_pickup(org_id: int, order: Order, pickup: CheckedPickup, new_recipients: Lookups | None = None) -> None:
    found = pickup.sender or (new_recipients.recipient(pickup.contact) if new_recipients is not None else None)
    sender = _recipient_for(org_id, pickup.contact, found)
    if new_recipients is not None and sender is not None:
        if sender.phone:
            new_recipients.by_phone.setdefault(sender.phone, sender)
        if sender.email:
            new_recipients.by_email.setdefault(sender.email, sender)
    order.sender = sender
    order.pickup_address, order.pickup_lat, order.pickup_lon = pickup.address, pickup.lat, pickup.lon
    order.pickup_service_time_s, order.pickup_instructions = pickup.service_time_s, pickup.instructions
    order.pickup_windows = [OrderPickupWindow(start_at=s, end_at=e) for s, e in pickup.windows]


def _log_created(order: Order, principal: Principal | None, source: str) -> None:
    db.session.flush()
    lifecycle.record(order, "created", details={"source": source}, **actor_of(principal))


def create_order(org_id: int, data: dict, principal: Principal | None) -> tuple[Order, bool]:
    """Create an order, or return the existing one with the same external reference (idempotent)."""
    existing = find_by_ref(org_id, data["external_ref"])
    if existing is not None:
        return existing, False
    try:
        with unit_of_work():
            order = prepare_order(org_id, data)
            _log_created(order, principal, "api")
    except IntegrityError:
        # A concurrent request created the same reference first: theirs is the order.
        existing = find_by_ref(org_id, data["external_ref"])
        if existing is None:
            raise
        return existing, False
    return order, True


# --- changing -------------------------------------------------------------------------------------

@transactional
def update_order(org_id: int, order_id: int, data: dict, principal: Principal) -> Order:
    """Details can change until the driver is on the way; after that only notes and instructions."""
    order = get_order(org_id, order_id)
    late_fields = {"notes", "delivery_instructions"}
    if order.status not in EDITABLE_STATUSES and set(data) - late_fields:
        raise Conflict(f"An order that is {order.status.value} can only have its notes changed.",
                       code="order_locked")
    depot = db.session.get(Depot, order.depot_id) if order.depot_id else fleet_service.default_depot(org_id)
    tz = ZoneInfo(depot.timezone) if depot else timezone.utc
    changed = sorted(data)
    if "pickup" in data:
        if order.type is OrderType.delivery:
            raise InvalidInput("A delivery has no pickup.", fields={"pickup": ["Not for a delivery."]})
        windows = build_windows(data["time_windows"], tz, data.get("delivery_date", order.delivery_date)) \
            if "time_windows" in data else [(w.start_at, w.end_at) for w in order.time_windows]
        try:
            pickup = check_pickup(org_id, data.pop("pickup"), tz, data.get("delivery_date", order.delivery_date),
                                  windows)
        except ValidationError as refused:
            raise InvalidInput("The pickup is not valid.", fields=refused.messages)
        _set_pickup(org_id, order, pickup)
    elif "time_windows" in data and order.type is OrderType.pickup_delivery and order.pickup_windows:
        windows = build_windows(data["time_windows"], tz, data.get("delivery_date", order.delivery_date))
        if windows and windows[-1][1] < order.pickup_windows[-1].end_at:
            raise InvalidInput("The pickup window would close after the delivery window.",
                               fields={"time_windows": ["Closes before the pickup window."]})
    if order.type is OrderType.return_ and ({"address", "lat", "lon", "time_windows"} & set(data)):
        raise InvalidInput("A return is brought back to its depot: change its pickup instead.",
                           fields={name: ["Not for a return."] for name in {"address", "lat", "lon", "time_windows"}
                                   & set(data)})
    if "time_windows" in data:
        windows = build_windows(data.pop("time_windows"), tz, data.get("delivery_date", order.delivery_date))
        order.time_windows = [OrderTimeWindow(start_at=s, end_at=e) for s, e in windows]
        if windows and "delivery_date" not in data:
            order.delivery_date = windows[0][0].astimezone(tz).date()
    if "recipient" in data:
        recipient_data = data.pop("recipient")
        order.recipient = _recipient_for(org_id, recipient_data, _find_recipient(org_id, recipient_data, None))
    if "parcels" in data:
        barcodes = data.pop("parcels")
        if len(set(barcodes)) != len(barcodes):
            raise InvalidInput("A barcode appears twice.", fields={"parcels": ["Duplicate barcode."]})
        kept = {p.barcode: p for p in order.parcels}
        order.parcels = [kept.get(code) or Parcel(org_id=org_id, barcode=code) for code in barcodes]
        order.parcel_count = max(order.parcel_count, len(barcodes))
    if "lat" in data:
        data["geocode_source"] = GeocodeSource.given
    for name, value in data.items():
        setattr(order, name, value)
    lifecycle.record(order, "updated", details={"fields": changed}, **actor_of(principal))
    return order


@transactional
def correct_pin(org_id: int, order_id: int, lat: float, lon: float, principal: Principal) -> Order:
    """A dispatcher moves the pin; the correction is remembered for this address in this organization."""
    order = get_order(org_id, order_id)
    old = {"lat": order.lat, "lon": order.lon}
    order.lat, order.lon, order.geocode_source = lat, lon, GeocodeSource.corrected
    geocoding.remember_correction(org_id, order.address, lat, lon, principal.user_id)
    lifecycle.record(order, "pin_corrected", details={"from": old, "to": {"lat": lat, "lon": lon}},
                     **actor_of(principal))
    return order


@transactional
def cancel_order(org_id: int, order_id: int, reason: str, principal: Principal) -> Order:
    order = get_order(org_id, order_id)
    lifecycle.transition(order, OrderStatus.cancelled, details={"note": reason} if reason else None,
                         **actor_of(principal))
    return order


@transactional
def reschedule_order(org_id: int, order_id: int, principal: Principal) -> Order:
    order = get_order(org_id, order_id)
    lifecycle.transition(order, OrderStatus.rescheduled, **actor_of(principal))
    return order
