"""`flask simulate`: virtual drivers work the published routes of a day, like the real app would.

Each virtual driver logs in (a session minted by this operator tool, which has the database),
connects over Socket.IO, starts its route, drives each leg at a realistic, noisy speed sending a fix
every few seconds, dwells at each stop, and completes it — or, now and then, fails it with a reason.
`--speed` makes time pass faster on the road (distances are covered quicker, dwell is shorter) while
every timestamp stays real, so the server sees a plausible day compressed. On a virtual clock
(LASTMILE_VIRTUAL_CLOCK, backend/clock.py) the speed is the clock's rate and every timestamp is virtual, the
server reading the same clock: a whole day, shift start included, runs in about a minute.
"""
from __future__ import annotations

import asyncio
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from backend import clock
from backend.geo.sphere import distance_m

FAILURE_REASONS = ("not_home", "not_home", "no_access", "refused", "wrong_address", "damaged")


def mint_session_cookie(app, user, *, commit: bool = True) -> tuple[str, str]:
    """A session cookie and CSRF token for a user, signed with the app's secret (operator tooling only).

    Opens a real server-side session, like a login does (inside an app context)."""
    from backend.auth import service as auth_service
    from backend.unit_of_work import unit_of_work

    if commit:
        with unit_of_work():
            record = auth_service.open_session(user)
    else:  # the caller's unit of work commits it
        record = auth_service.open_session(user)
    values = auth_service.session_cookie_values(user, record)
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({**values, "_permanent": True})
    return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={value}", values["csrf"]


def now_iso() -> str:
    return clock.now().isoformat()


async def wait_for_shift(planned_start: str | None, speed: float) -> None:
    """On a virtual clock a driver does not start before the route's planned start (a day rehearsed from
    before the shift); on the real one a demo starts at once, whatever the hour."""
    if not planned_start or clock.virtual() is None:
        return
    ahead = (datetime.fromisoformat(planned_start.replace("Z", "+00:00")) - clock.now()).total_seconds()
    if ahead > 0:
        await asyncio.sleep(ahead / speed)


@dataclass
class Stats:
    fixes: int = 0
    delivered: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)


class VirtualDriver:
    def __init__(self, base_url: str, cookie: str, csrf: str, *, rng: random.Random, speed: float, interval_s: float,
                 fail_rate: float, stats: Stats, name: str = "", day: str | None = None):
        self.base_url, self.cookie, self.csrf = base_url.rstrip("/"), cookie, csrf
        self.rng, self.speed, self.interval_s, self.fail_rate = rng, speed, interval_s, fail_rate
        self.stats, self.name, self.day = stats, name, day
        self.route: dict | None = None
        self.position: tuple[float, float] | None = None

    async def _action(self, http, kind: str, stop_id: int | None = None, **data) -> dict:
        body = {"idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": self.route["id"], "at": now_iso(),
                "data": data}
        if stop_id is not None:
            body["stop_id"] = stop_id
        if self.position:
            body["lat"], body["lon"] = self.position
        async with http.post(f"{self.base_url}/api/v1/driver/actions", json=body) as response:
            answer = await response.json()
            if response.status >= 400:
                self.stats.errors.append(answer)
                return {}
            self.route = answer["route"]
            return answer

    async def _fix(self, sio, lat: float, lon: float, heading: float, speed_mps: float) -> None:
        self.position = (lat, lon)
        answer = await sio.call("location.update", {"lat": lat, "lon": lon, "accuracy": self.rng.uniform(4, 15),
                                                    "heading": heading, "speed": speed_mps, "at": now_iso()},
                                timeout=30)
        if answer and answer.get("ok"):
            self.stats.fixes += 1

    async def _drive_to(self, sio, lat: float, lon: float) -> None:
        start_lat, start_lon = self.position
        distance = distance_m(start_lat, start_lon, lat, lon) * 1.3
        speed_mps = self.rng.uniform(6.0, 11.0)  # 22-40 km/h in town, stops and lights included
        travel_s = distance / speed_mps / self.speed
        heading = (math.degrees(math.atan2(lon - start_lon, lat - start_lat)) + 360) % 360
        steps = max(1, int(travel_s / self.interval_s))
        for step in range(1, steps + 1):
            await asyncio.sleep(travel_s / steps)
            fraction = step / steps
            await self._fix(sio, start_lat + (lat - start_lat) * fraction, start_lon + (lon - start_lon) * fraction,
                            heading, speed_mps)

    async def run(self) -> None:
        import aiohttp
        import socketio

        headers = {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}
        async with aiohttp.ClientSession(headers=headers) as http:
            # The day named, not the server's "today": a rehearsed evening may run past midnight.
            query = f"?date={self.day}" if self.day else ""
            async with http.get(f"{self.base_url}/api/v1/driver/route{query}") as response:
                if response.status != 200:
                    self.stats.errors.append(await response.json())
                    return
                self.route = await response.json()
            sio = socketio.AsyncClient(reconnection=True)
            sio.on("route.updated", lambda data: setattr(self, "route", data["route"]))
            await sio.connect(self.base_url, headers={"Cookie": self.cookie}, transports=["websocket"])
            try:
                depot = self.route["depot"]
                self.position = (depot["lat"], depot["lon"])
                if self.route["status"] == "published":
                    await wait_for_shift(self.route.get("planned_start_at"), self.speed)
                    await self._action(http, "route.start")
                while True:
                    pending = sorted((s for s in self.route["stops"] if s["status"] in ("pending", "arrived")),
                                     key=lambda s: s["sequence"])
                    if not pending:
                        break
                    stop = pending[0]
                    order = stop["order"]
                    if stop["status"] == "pending":
                        await self._drive_to(sio, order["lat"], order["lon"])
                        await self._action(http, "stop.arrive", stop["id"])
                    await asyncio.sleep(order["service_time_s"] * self.rng.uniform(0.6, 1.6) / self.speed)
                    if self.rng.random() < self.fail_rate:
                        await self._action(http, "stop.fail", stop["id"], reason=self.rng.choice(FAILURE_REASONS),
                                           note="simulated")
                        self.stats.failed += 1
                    else:
                        extra = {}
                        if order.get("cod_amount_cents"):
                            extra["cod_collected_cents"] = order["cod_amount_cents"]
                        if order.get("requires_id_check"):
                            extra["id_checked"] = True
                        if order.get("min_age"):
                            extra["age_verified"] = True
                        await self._action(http, "stop.complete", stop["id"],
                                           recipient_name=(order.get("recipient") or {}).get("name", "Recipient"),
                                           **extra)
                        self.stats.delivered += 1
                await self._drive_to(sio, depot["lat"], depot["lon"])
                await self._action(http, "route.end")
            finally:
                await sio.disconnect()


async def simulate(base_url: str, sessions: list[tuple[str, str, str]], *, speed: float, interval_s: float,
                   fail_rate: float, seed: int, on_tick=None, day: str | None = None) -> Stats:
    """Run one virtual driver per (cookie, csrf, name) until every route has ended."""
    stats = Stats()
    drivers = [VirtualDriver(base_url, cookie, csrf, rng=random.Random(seed + index), speed=speed,
                             interval_s=interval_s, fail_rate=fail_rate, stats=stats, name=name, day=day)
               for index, (cookie, csrf, name) in enumerate(sessions)]
    tasks = [asyncio.create_task(driver.run()) for driver in drivers]
    while not all(task.done() for task in tasks):
        await asyncio.sleep(1)
        if on_tick:
            on_tick(stats, sum(task.done() for task in tasks), len(tasks))
    for task in tasks:
        if task.exception():
            stats.errors.append(repr(task.exception()))
    return stats
