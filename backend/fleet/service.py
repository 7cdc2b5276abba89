"""Depots, vehicles and drivers of one organization."""
from __future__ import annotations

from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import Role
from backend.errors import InvalidInput, NotFound
from backend.extensions import db
from backend.fleet.models import Depot, Driver, Vehicle
from backend.unit_of_work import transactional

_MODELS = {"depot": Depot, "vehicle": Vehicle, "driver": Driver}


def _get(model, org_id: int, object_id: int, label: str):
    found = db.session.scalar(select(model).where(model.org_id == org_id, model.id == object_id))
    if found is None:
        raise NotFound(f"No such {label}.")
    return found


def get_depot(org_id: int, depot_id: int) -> Depot:
    return _get(Depot, org_id, depot_id, "depot")


def get_vehicle(org_id: int, vehicle_id: int) -> Vehicle:
    return _get(Vehicle, org_id, vehicle_id, "vehicle")


def get_driver(org_id: int, driver_id: int) -> Driver:
    return _get(Driver, org_id, driver_id, "driver")


def driver_id_for_user(user_id: int) -> int | None:
    return db.session.scalar(select(Driver.id).where(Driver.user_id == user_id))


def default_depot(org_id: int) -> Depot | None:
    return db.session.scalar(select(Depot).where(Depot.org_id == org_id, Depot.active.is_(True)).order_by(Depot.id))


def _check_references(org_id: int, data: dict) -> None:
    """Foreign ids given by a client must belong to the same organization."""
    if data.get("depot_id") is not None:
        try:
            get_depot(org_id, data["depot_id"])
        except NotFound:
            raise InvalidInput("No such depot.", fields={"depot_id": ["No such depot."]})
    if data.get("default_vehicle_id") is not None:
        try:
            get_vehicle(org_id, data["default_vehicle_id"])
        except NotFound:
            raise InvalidInput("No such vehicle.", fields={"default_vehicle_id": ["No such vehicle."]})


def list_statement(model, org_id: int, active: bool | None = None):
    statement = select(model).where(model.org_id == org_id).order_by(model.id)
    if active is not None:
        statement = statement.where(model.active.is_(active))
    return statement


def add_depot(org_id: int, data: dict) -> Depot:
    depot = Depot(org_id=org_id, **data)
    db.session.add(depot)
    db.session.flush()
    return depot


def add_vehicle(org_id: int, data: dict) -> Vehicle:
    _check_references(org_id, data)
    vehicle = Vehicle(org_id=org_id, **data)
    db.session.add(vehicle)
    db.session.flush()
    return vehicle


def add_driver(org_id: int, data: dict) -> Driver:
    """A driver is a user with the driver role plus their working profile, created together."""
    _check_references(org_id, data)
    user = auth_service.build_user(
        org_id, name=data.pop("name"), role=Role.driver, email=data.pop("email", None),
        phone=data.get("phone"), password=data.pop("password", None), pin=data.pop("pin", None),
        language=data.pop("language", "en"))
    db.session.flush()
    driver = Driver(org_id=org_id, user_id=user.id, **data)
    db.session.add(driver)
    return driver


create_depot = transactional(add_depot)
create_vehicle = transactional(add_vehicle)
create_driver = transactional(add_driver)


@transactional
def update(kind: str, org_id: int, object_id: int, data: dict):
    model = _MODELS[kind]
    found = _get(model, org_id, object_id, kind)
    _check_references(org_id, data)
    merged_shift = (data.get("shift_start", getattr(found, "shift_start", None)),
                    data.get("shift_end", getattr(found, "shift_end", None)))
    if kind == "driver" and all(merged_shift) and merged_shift[0] >= merged_shift[1]:
        raise InvalidInput("The shift must end after it starts.", fields={"shift_end": ["Must be after shift_start."]})
    for name, value in data.items():
        setattr(found, name, value)
    return found
