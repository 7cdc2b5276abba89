"""Test helpers: organizations with one user per role, and API clients that log in for real."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

PASSWORD = "correct horse battery"
PIN = "4321"
TZ = ZoneInfo("America/Montreal")


class Api:
    """A Flask test client that logs in through the API and sends the CSRF token on writes."""

    def __init__(self, app, headers: dict | None = None):
        self.app = app
        self.client = app.test_client()
        self.headers = dict(headers or {})
        self.csrf = None

    def login(self, login: str, password: str):
        response = self.client.post("/api/v1/auth/login", json={"login": login, "password": password})
        if response.status_code == 200:
            self.csrf = response.get_json()["csrf_token"]
        return response

    def _headers(self, method: str, extra: dict | None) -> dict:
        headers = dict(self.headers)
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, *, headers=None, **kwargs):
        return self.client.open(path, method=method, headers=self._headers(method, headers), **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


@dataclass
class OrgFixture:
    app: object
    org_id: int
    slug: str
    depot_id: int
    vehicle_id: int
    driver_id: int
    other_driver_id: int
    emails: dict = field(default_factory=dict)
    driver_phone: str = ""
    other_driver_phone: str = ""
    api_key: str = ""

    def as_role(self, role: str) -> Api:
        api = Api(self.app)
        if role == "anonymous":
            return api
        if role == "api_key":
            api.headers["Authorization"] = f"Bearer {self.api_key}"
            return api
        if role == "driver":
            response = api.login(self.driver_phone, PIN)
        elif role == "other_driver":
            response = api.login(self.other_driver_phone, PIN)
        else:
            response = api.login(self.emails[role], PASSWORD)
        assert response.status_code == 200, response.get_json()
        return api


def commit() -> None:
    """A test arranging its data commits it the way the app does: in a unit of work (the app refuses
    commits made outside one, see backend/unit_of_work.py)."""
    from backend.unit_of_work import unit_of_work

    with unit_of_work():
        pass


def make_org(app, slug: str = "acme", phone_base: int = 5145550100) -> OrgFixture:
    from backend.auth import service as auth_service
    from backend.auth.models import Role
    from backend.fleet import service as fleet_service

    with app.app_context():
        org = auth_service.create_organization(f"{slug.title()} Deliveries", slug)
        emails = {"admin": f"admin@{slug}.test", "dispatcher": f"dispatch@{slug}.test"}
        auth_service.build_user(org.id, name="Admin", role=Role.admin, email=emails["admin"], password=PASSWORD)
        auth_service.build_user(org.id, name="Dispatcher", role=Role.dispatcher, email=emails["dispatcher"],
                                password=PASSWORD)
        commit()
        depot = fleet_service.create_depot(org.id, {"name": "Main depot", "address": "1 Depot St", "lat": 45.5017,
                                                    "lon": -73.6893, "timezone": "America/Montreal"})
        vehicle = fleet_service.create_vehicle(org.id, {"name": "Van 1", "capacity_weight_kg": 1000,
                                                        "capacity_volume_l": 8000, "capacity_parcels": 100})
        phones = [f"+1{phone_base}", f"+1{phone_base + 1}"]
        driver = fleet_service.create_driver(org.id, {"name": "Driver One", "phone": phones[0], "pin": PIN,
                                                      "depot_id": depot.id, "default_vehicle_id": vehicle.id})
        other = fleet_service.create_driver(org.id, {"name": "Driver Two", "phone": phones[1], "pin": PIN,
                                                     "depot_id": depot.id})
        _, secret = auth_service.create_api_key(org.id, "integration", Role.dispatcher, None)
        return OrgFixture(app=app, org_id=org.id, slug=slug, depot_id=depot.id, vehicle_id=vehicle.id,
                          driver_id=driver.id, other_driver_id=other.id, emails=emails, driver_phone=phones[0],
                          other_driver_phone=phones[1], api_key=secret)


def tomorrow() -> date:
    return datetime.now(TZ).date() + timedelta(days=1)


def order_payload(ref: str = "ORD-1", **overrides) -> dict:
    day = tomorrow()
    start = datetime.combine(day, time(9, 0), TZ)
    payload = {
        "external_ref": ref, "address": "4500 Rue Saint-Denis, Montréal, QC", "lat": 45.5262, "lon": -73.5853,
        "time_windows": [{"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}],
        "recipient": {"name": "Camille Tremblay", "phone": "+15145550999", "language": "fr"},
        "parcels": ["PKG-1", "PKG-2"], "weight_kg": 3.5, "service_time_s": 180,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def org(app) -> OrgFixture:
    return make_org(app, "acme", 5145550100)


@pytest.fixture
def other_org(app) -> OrgFixture:
    return make_org(app, "globex", 5145550200)


@pytest.fixture
def dispatcher(org) -> Api:
    return org.as_role("dispatcher")


@pytest.fixture
def admin(org) -> Api:
    return org.as_role("admin")


__all__ = ["Api", "OrgFixture", "make_org", "order_payload", "tomorrow", "org", "other_org", "dispatcher", "admin",
           "PASSWORD", "PIN", "TZ"]
