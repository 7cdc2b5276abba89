"""Practice mode: a sandbox copy of a real (or demo) day where new staff learn on the real screens.

A practice organization (Organization.is_practice) gets a copy of the source's depots, vehicles and
drivers (fresh logins: fictitious 555 phone numbers, new PINs and passwords) and the day's orders
with fresh references and tracking tokens, all back to `created`. Customers are copied without their
contact details (a fictitious 555 number, no email) and the notification pipeline suppresses
everything a practice organization sends: nothing from practice reaches a real customer. The
simulator (`flask simulate`) can then drive the practice drivers' routes.
"""
from __future__ import annotations

import secrets
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import Organization, Role
from backend.database import utcnow
from backend.errors import Conflict, InvalidInput, NotFound
from backend.extensions import db
from backend.fleet import service as fleet_service
from backend.fleet.models import Depot, Driver, Vehicle
from backend.orders import bulk as orders_bulk
from backend.orders.models import Order
from backend.unit_of_work import transactional

practice_group = AppGroup("practice", help="Practice mode: a sandbox copy of a day for training.")

_COPIED_DEPOT = ("name", "address", "lat", "lon", "timezone", "opening_hours", "active")
_COPIED_VEHICLE = ("name", "plate", "profile", "capacity_weight_kg", "capacity_volume_l", "capacity_parcels",
                   "co2_g_per_km", "features", "cost_fixed_cents", "cost_per_hour_cents", "cost_per_km_cents", "active")
_COPIED_DRIVER = ("shift_start", "shift_end", "start_lat", "start_lon", "end_lat", "end_lon", "skills", "active")


def _fictitious_phone() -> str:
    # Area code 555 is not assigned in North America: the number belongs to no real customer or driver.
    return f"+1555{secrets.randbelow(10**7):07d}"


def _unique_phone() -> str:
    from backend.auth.models import User

    while True:
        phone = _fictitious_phone()
        if db.session.scalar(select(User.id).where(User.phone == phone)) is None:
            return phone


def _practice_slug(base: str) -> str:
    return f"practice-{base[:40]}-{secrets.token_hex(3)}"


def _order_input(order: Order, depot_ids: dict[int, int], prefix: str) -> dict:
    recipient = order.recipient
    data = {
        "external_ref": f"{prefix}{order.external_ref}"[:100], "address": order.address, "lat": order.lat,
        "lon": order.lon, "depot_id": depot_ids.get(order.depot_id), "delivery_date": order.delivery_date.isoformat() if order.delivery_date else None,
        "time_windows": [{"start": w.start_at.isoformat(), "end": w.end_at.isoformat()} for w in order.time_windows],
        "recipient": {"name": recipient.name if recipient else "Practice customer", "phone": _fictitious_phone(),
                      "language": recipient.language if recipient else "en"},
        "service_time_s": order.service_time_s, "weight_kg": order.weight_kg, "volume_l": order.volume_l,
        "parcels": [f"{prefix}{p.barcode}"[:100] for p in order.parcels], "priority": order.priority,
        "required_skills": list(order.required_skills or []), "notes": order.notes,
        "delivery_instructions": order.delivery_instructions, "cod_amount_cents": order.cod_amount_cents,
        "requires_id_check": order.requires_id_check, "min_age": order.min_age,
    }
    return {key: value for key, value in data.items() if value is not None}


@transactional
def copy_day(source_org_id: int, day: date) -> dict:
    """Open a practice organization holding a copy of `day` of the source organization, in one transaction."""
    source = db.session.get(Organization, source_org_id)
    if source is None:
        raise NotFound("No such organization.")
    orders = list(db.session.scalars(select(Order).where(Order.org_id == source_org_id, Order.delivery_date == day)
                                      .order_by(Order.id)))
    if not orders:
        raise InvalidInput(f"{source.name} has no order on {day.isoformat()}.", fields={"day": ["No order that day."]})
    slug = _practice_slug(source.slug)
    org = auth_service.create_organization(f"Practice — {source.name}", slug, is_practice=True,
                                           currency=source.currency)
    password = secrets.token_urlsafe(9)
    domain = f"{slug}.practice.test"
    admin = auth_service.build_user(org.id, name="Practice admin", role=Role.admin, email=f"admin@{domain}",
                                    password=password)
    dispatcher = auth_service.build_user(org.id, name="Practice dispatcher", role=Role.dispatcher,
                                         email=f"dispatch@{domain}", password=password)
    db.session.flush()
    depot_ids, vehicle_ids = {}, {}
    for depot in db.session.scalars(select(Depot).where(Depot.org_id == source_org_id).order_by(Depot.id)):
        copy = Depot(org_id=org.id, **{name: getattr(depot, name) for name in _COPIED_DEPOT})
        db.session.add(copy)
        db.session.flush()
        depot_ids[depot.id] = copy.id
    for vehicle in db.session.scalars(select(Vehicle).where(Vehicle.org_id == source_org_id).order_by(Vehicle.id)):
        copy = Vehicle(org_id=org.id, depot_id=depot_ids.get(vehicle.depot_id),
                       **{name: getattr(vehicle, name) for name in _COPIED_VEHICLE})
        db.session.add(copy)
        db.session.flush()
        vehicle_ids[vehicle.id] = copy.id
    pin = f"{secrets.randbelow(10**4):04d}"
    drivers = []
    for driver in db.session.scalars(select(Driver).where(Driver.org_id == source_org_id, Driver.active.is_(True))
                                     .order_by(Driver.id)):
        phone = _unique_phone()
        fleet_service.add_driver(org.id, {"name": driver.user.name, "phone": phone, "pin": pin,
                                             "depot_id": depot_ids.get(driver.depot_id),
                                             "default_vehicle_id": vehicle_ids.get(driver.default_vehicle_id),
                                             **{name: getattr(driver, name) for name in _COPIED_DRIVER}})
        drivers.append(phone)
    db.session.flush()
    prefix = "P-"
    summary = orders_bulk.add_many(org.id, [_order_input(o, depot_ids, prefix) for o in orders], None,
                                      skip_invalid=True, source="practice")
    return {"org_id": org.id, "slug": slug, "is_practice": True, "day": day.isoformat(),
            "orders": summary["created"], "admin": admin.email, "dispatcher": dispatcher.email,
            "password": password, "drivers": drivers, "driver_pin": pin}


def demo_day(day: date | None = None, orders: int = 40) -> dict:
    """A practice organization holding the demo city's day (when there is no real day to copy)."""
    from backend import demo

    for attempt in range(10):
        slug = _practice_slug("demo")
        try:
            result = demo.load(day=day, orders=orders, drivers=4, slug=slug, is_practice=True,
                               name="Practice — Lastmile demo")
        except Conflict:
            # The demo derives its drivers' phone numbers from the slug: another practice day may hold them.
            # The demo is one transaction, so nothing of the refused attempt is left behind.
            continue
        result.update(slug=slug, is_practice=True)
        return result
    raise Conflict("Could not find free phone numbers for the practice drivers; try again.")


def start_for_org(org_id: int, *, day: date | None = None, demo_orders: int = 40) -> dict:
    """The admin endpoint: a copy of the caller's own day (today by default), or a demo day if that day
    has no order. A practice organization cannot start practice from itself."""
    org = db.session.get(Organization, org_id)
    if org.is_practice:
        raise Conflict("This is already a practice organization.", code="already_practice")
    day = day or utcnow().date()
    has_orders = db.session.scalar(select(Order.id).where(Order.org_id == org_id, Order.delivery_date == day).limit(1))
    return copy_day(org_id, day) if has_orders else demo_day(day, demo_orders)


@practice_group.command("start")
@click.option("--from-org", "from_org", default=None, help="Slug of the organization whose day is copied "
                                                           "(default: a demo day).")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="The day to copy (default today).")
@click.option("--orders", default=40, show_default=True, help="Orders of a demo day.")
def practice_start(from_org, day, orders):
    """Open a practice organization and print its logins."""
    chosen = day.date() if day else utcnow().date()
    if from_org:
        source = db.session.scalar(select(Organization).where(Organization.slug == from_org))
        if source is None:
            raise click.UsageError(f"No organization with slug {from_org!r}.")
        result = copy_day(source.id, chosen)
    else:
        result = demo_day(chosen, orders)
    click.echo(f"Practice organization {result['slug']} (is_practice): {result['orders']} orders for {result['day']}.")
    click.echo(f"  admin       {result['admin']:<40} {result['password']}")
    click.echo(f"  dispatcher  {result['dispatcher']:<40} {result['password']}")
    for phone in result["drivers"]:
        click.echo(f"  driver      {phone:<40} PIN {result['driver_pin']}")
    click.echo("Run `flask simulate --date {}` to let virtual drivers work the published routes.".format(result["day"]))


def init_cli(app) -> None:
    app.cli.add_command(practice_group)
