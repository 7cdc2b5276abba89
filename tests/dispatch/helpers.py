import uuid
from datetime import datetime, time, timedelta, timezone

from tests.support import TZ, order_payload, tomorrow

STREETS = [(45.5262, -73.5853), (45.5300, -73.5700), (45.5150, -73.6000), (45.5400, -73.6100),
           (45.5000, -73.6200), (45.5450, -73.5800)]


def make_orders(api, count: int, prefix: str = "R", day=None, **overrides) -> list[int]:
    day = day or tomorrow()
    ids = []
    for index in range(count):
        lat, lon = STREETS[index % len(STREETS)]
        start = datetime.combine(day, time(9 + index % 6, 0), TZ)
        payload = order_payload(f"{prefix}-{index + 1}", lat=lat + index * 0.001, lon=lon,
                                address=f"{100 + index} Rue Ontario Est, Montréal",
                                time_windows=[{"start": start.isoformat(),
                                               "end": (start + timedelta(hours=2)).isoformat()}],
                                parcels=[f"{prefix}-{index + 1}-P1"], **overrides)
        response = api.post("/api/v1/orders", json=payload)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def make_route(api, org, order_ids, day=None, publish=False, driver_id=None) -> dict:
    day = day or tomorrow()
    response = api.post("/api/v1/routes", json={"date": day.isoformat(), "driver_id": driver_id or org.driver_id,
                                                "order_ids": order_ids})
    assert response.status_code == 201, response.get_json()
    route = response.get_json()
    if publish:
        response = api.post(f"/api/v1/routes/{route['id']}/publish")
        assert response.status_code == 200, response.get_json()
        route = response.get_json()
    return route


def action(api, route, kind, stop=None, at=None, key=None, **data):
    body = {"idempotency_key": key or uuid.uuid4().hex, "type": kind, "route_id": route["id"],
            "at": (at or datetime.now(timezone.utc)).isoformat(), "data": data}
    if stop is not None:
        body["stop_id"] = stop["id"]
    return api.post("/api/v1/driver/actions", json=body)
