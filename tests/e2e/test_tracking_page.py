"""The customer's tracking page (/t/<token>) in a real (headless) chromium at phone size, against the real
server, its Socket.IO hub and its embedded worker (which recomputes ETAs after the driver's fixes).

The demo day is seeded once (conftest's published_demo_db); the driver's side is played through the API
and a python-socketio client, as the driver's phone would.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
import socketio

from tests.dispatch.test_driver_actions import JPEG
from tests.e2e.conftest import DemoServer
from tests.servers import ServerProcess

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# Far from every demo stop (no geofence arrival) but in town, so ETAs stay plausible.
FIX_A = {"lat": 45.5600, "lon": -73.5500}
FIX_B = {"lat": 45.5650, "lon": -73.5450}


@pytest.fixture
def live_server(published_demo_db, tmp_path):
    """The real server on a fresh copy of the demo day, with its embedded worker so that ETAs are
    recomputed (at once: ETA_REFRESH_S=0) after each fix and pushed to the tracking pages."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "1", "ETA_REFRESH_S": "0", "LOG_LEVEL": "WARNING"}
    with ServerProcess(env) as server:
        yield DemoServer(server, database)


class DriverDay:
    """The demo driver's route today, played through the API as the driver's phone would."""

    def __init__(self, server: DemoServer):
        self.server = server
        self.driver = server.driver_session()
        self.staff = server.dispatcher_session()
        self.route = self.driver.get(f"{server.url}/api/v1/driver/route", timeout=10).json()
        self.stops = sorted(self.route["stops"], key=lambda stop: stop["sequence"])
        self.socket = None

    def token(self, stop: dict, language: str = "en") -> str:
        """The stop's tracking link, its recipient speaking `language` (the page follows the recipient's
        profile before the browser, so each test states the language it reads)."""
        order = self.staff.get(f"{self.server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()
        changed = self.staff.patch(f"{self.server.url}/api/v1/recipients/{order['recipient']['id']}",
                                   json={"language": language}, timeout=10)
        assert changed.status_code == 200, changed.text
        return order["tracking_token"]

    def act(self, kind: str, stop: dict | None = None, **data) -> dict:
        body = {"idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": self.route["id"],
                "at": datetime.now(timezone.utc).isoformat(), "data": data}
        if stop is not None:
            body["stop_id"] = stop["id"]
        response = self.driver.post(f"{self.server.url}/api/v1/driver/actions", json=body, timeout=20)
        assert response.status_code == 200, response.text
        return response.json()

    def start(self) -> None:
        self.act("route.start")

    def send_fix(self, point: dict, *, age_s: float = 0) -> None:
        """One GPS fix over the driver's socket (the phone's live channel)."""
        if self.socket is None:
            self.socket = socketio.Client(reconnection=False)
            cookie = "; ".join(f"{c.name}={c.value}" for c in self.driver.cookies)
            self.socket.connect(self.server.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
        at = datetime.now(timezone.utc) - timedelta(seconds=age_s)
        answer = self.socket.call("location.update", {**point, "accuracy": 5, "heading": 90, "speed": 8,
                                                      "at": at.isoformat()}, timeout=10)
        assert answer == {"ok": True}, answer

    def upload(self, kind: str) -> str:
        response = self.driver.post(f"{self.server.url}/api/v1/driver/uploads",
                                    files={"file": ("p.jpg", JPEG, "image/jpeg")},
                                    data={"kind": kind, "idempotency_key": uuid.uuid4().hex,
                                          "captured_at": datetime.now(timezone.utc).isoformat()}, timeout=20)
        assert response.status_code in (200, 201), response.text
        return response.json()["id"]

    def deliver(self, stop: dict, recipient: str) -> None:
        """Delivered with a photo and a signature, satisfying whatever the demo order asks (cash, ID, age)."""
        order = stop["order"]
        self.act("stop.complete", stop, recipient_name=recipient, photo_ids=[self.upload("photo")],
                 signature_id=self.upload("signature"), cod_collected_cents=order.get("cod_amount_cents") or None,
                 id_checked=True, age_verified=True)

    def close(self) -> None:
        if self.socket is not None:
            self.socket.disconnect()


@pytest.fixture
def day(live_server):
    driver_day = DriverDay(live_server)
    assert len(driver_day.stops) >= 3, "the demo driver should have at least three stops today"
    yield driver_day
    driver_day.close()


@pytest.fixture
def open_tracking(playwright_browser, live_server):
    """Opens /t/<token> in its own phone-sized context (one per customer), failing on uncaught page errors."""
    contexts, errors = [], []

    def open_page(token: str, *, locale: str = "en-CA", permissions: list | None = None,
                  init_script: str | None = None):
        context = playwright_browser.new_context(base_url=live_server.url, locale=locale, permissions=permissions or [],
                                                 service_workers="allow", **PHONE)
        context.set_default_timeout(15000)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"/t/{token}")
        page.get_by_test_id("headline").or_(page.get_by_test_id("link-error")).wait_for()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def tracking_view(server: DemoServer, token: str) -> dict:
    response = requests.get(f"{server.url}/api/v1/track/{token}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def local_hhmm(iso: str, zone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def wait_until_live(*pages) -> None:
    """Until each page's socket is in its order's room: a fix sent before that is not for it to see."""
    for page in pages:
        page.locator("main[data-live=on]").wait_for(state="attached")


def driver_marker(page):
    return page.locator("#map .driver-marker")


def test_the_page_shows_the_window_in_the_depots_zone_and_the_eta(day, live_server, open_tracking):
    token = day.token(day.stops[0])
    view = tracking_view(live_server, token)
    window = view["time_windows"][0]

    page = open_tracking(token)

    shown = page.get_by_test_id("window").inner_text()
    expected = f"{local_hhmm(window['start'], view['timezone'])}–{local_hhmm(window['end'], view['timezone'])}"
    assert expected in shown, shown
    assert page.get_by_test_id("eta").inner_text().strip() == local_hhmm(view["eta"], view["timezone"])
    assert view["address"] in page.get_by_test_id("address").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing wider than the phone"
    # Nothing of the driver before the route starts, and no map library downloaded for nothing.
    assert page.get_by_test_id("map").count() == 0
    assert page.evaluate("!!window.L") is False


def test_a_french_speaking_recipient_gets_the_page_in_french_whatever_the_browser(day, open_tracking):
    page = open_tracking(day.token(day.stops[0], language="fr"), locale="en-CA")

    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.get_by_text("Plage de livraison").first.is_visible()
    assert page.get_by_role("button", name="Envoyer au livreur").is_visible()


@pytest.mark.parametrize(("language", "window", "send", "step"), [
    ("es", "Franja de entrega", "Enviar al repartidor", "Pedido recibido"),
    ("pt", "Janela de entrega", "Enviar ao entregador", "Pedido recebido"),
    ("de", "Lieferzeitfenster", "An den Fahrer senden", "Bestellung eingegangen"),
])
def test_spanish_portuguese_and_german_recipients_read_the_whole_page_in_their_language(
        day, open_tracking, tmp_path, language, window, send, step):
    page = open_tracking(day.token(day.stops[0], language=language), locale="en-CA")

    assert page.evaluate("document.documentElement.lang") == language
    assert page.get_by_text(window).first.is_visible()
    assert page.get_by_role("button", name=send).is_visible()
    assert page.get_by_text(step).first.is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / f"tracking-{language}.png"), full_page=True)
    # Not a word of English left (the English page's words, looked for in this one).
    shown = page.inner_text("main")
    for english in ("Delivery window", "Send to the driver", "Order received", "Progress", "Address", "Your driver"):
        assert english not in shown, f"{english!r} in the {language} page"


def test_unknown_and_expired_links_each_get_a_clear_page(day, live_server, open_tracking):
    unknown = open_tracking("NoSuchTokenNoSuchToken1234")
    assert unknown.get_by_test_id("link-error").get_attribute("data-kind") == "not_found"
    assert unknown.get_by_role("heading", name="Link not found").is_visible()

    day.start()
    delivered = day.stops[0]
    day.deliver(delivered, "Camille")
    token = day.token(delivered)
    # The link lives TRACKING_LINK_DAYS after delivery: move the delivery into the past rather than wait.
    with sqlite3.connect(live_server.database) as db:
        moved = db.execute("UPDATE order_events SET at = '2020-01-01 12:00:00.000000' WHERE order_id = ? "
                           "AND to_status = 'delivered'", (delivered["order"]["id"],)).rowcount
    assert moved == 1
    assert requests.get(f"{live_server.url}/api/v1/track/{token}", timeout=10).status_code == 410

    expired = open_tracking(token)
    assert expired.get_by_test_id("link-error").get_attribute("data-kind") == "expired"
    assert expired.get_by_role("heading", name="Link expired").is_visible()
    assert delivered["order"]["address"] not in expired.inner_text("main")


def test_only_the_next_customer_sees_the_driver_and_it_moves_with_each_fix(day, live_server, open_tracking):
    next_stop, later_stop = day.stops[0], day.stops[1]
    day.start()
    next_page = open_tracking(day.token(next_stop))
    later_page = open_tracking(day.token(later_stop))
    wait_until_live(next_page, later_page)

    day.send_fix(FIX_A)
    marker = driver_marker(next_page)
    marker.wait_for()
    next_page.wait_for_function("lat => document.querySelector('#map .driver-marker')?.dataset.lat === lat",
                                arg=str(FIX_A["lat"]))
    day.send_fix(FIX_B)
    next_page.wait_for_function("lat => document.querySelector('#map .driver-marker')?.dataset.lat === lat",
                                arg=str(FIX_B["lat"]))
    assert marker.get_attribute("data-lon") == str(FIX_B["lon"])
    # The map stands on its own when the tile server is unreachable (no internet here): the marker is drawn.
    assert marker.is_visible()

    # The later customer got the same two fixes' worth of time and saw nothing of the driver, nor of
    # the next customer's order.
    later_page.wait_for_timeout(500)
    assert driver_marker(later_page).count() == 0 and later_page.get_by_test_id("map").count() == 0
    later_text = later_page.inner_text("main")
    assert later_stop["order"]["address"] in later_text
    assert next_stop["order"]["address"] not in later_text


def test_the_driver_marker_goes_once_this_stop_is_no_longer_next(day, open_tracking):
    first = day.stops[0]
    day.start()
    page = open_tracking(day.token(first))
    wait_until_live(page)
    day.send_fix(FIX_A)
    driver_marker(page).wait_for()

    day.deliver(first, "Camille")

    # Customers get no status events: while the driver is shown coming, the page re-reads its view
    # every 15 s, so the delivery shows within that, and the map and marker go.
    page.locator("[data-testid=headline][data-status=delivered]").wait_for(timeout=25000)
    assert page.get_by_test_id("map").count() == 0


def test_a_live_eta_change_updates_the_page_without_reload(day, live_server, open_tracking):
    stop = day.stops[1]
    token = day.token(stop)
    page = open_tracking(token)
    planned = page.get_by_test_id("eta").inner_text().strip()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    wait_until_live(page)

    day.start()
    # A fix from five minutes ago: the worker re-times the route from it and flags the position stale.
    day.send_fix(FIX_A, age_s=300)

    page.wait_for_function("planned => { const e = document.querySelector('[data-testid=eta]');"
                           " return e && !e.textContent.trim().startsWith(planned); }", arg=planned, timeout=20000)
    view = tracking_view(live_server, token)
    eta_text = page.get_by_test_id("eta").inner_text()
    assert local_hhmm(view["eta"], view["timezone"]) in eta_text
    assert "updating" in eta_text, "an ETA from an old position says it is being updated"
    assert page.evaluate("window.__sameDocument") is True
    # The status change that came with it (out for delivery) is shown too, by the refresh the event prompted.
    page.locator("[data-testid=headline][data-status=out_for_delivery]").wait_for()


def test_instructions_typed_on_the_page_reach_the_drivers_route_before_arrival(day, live_server, open_tracking):
    stop = day.stops[2]
    page = open_tracking(day.token(stop))
    text = f"Gate code 4321, leave at the side door ({uuid.uuid4().hex[:6]})"

    page.get_by_role("textbox", name="Delivery instructions").fill(text)
    page.get_by_role("button", name="Send to the driver").click()
    page.get_by_text("Saved. The driver will see it.").wait_for()

    route = day.driver.get(f"{live_server.url}/api/v1/driver/route", timeout=10).json()
    on_route = [s for s in route["stops"] if s["id"] == stop["id"]][0]
    assert on_route["status"] == "pending"
    assert on_route["order"]["delivery_instructions"] == text
    page.reload()
    assert page.get_by_role("textbox", name="Delivery instructions").input_value() == text


def test_after_delivery_the_proof_and_a_one_time_rating_appear(day, live_server, open_tracking):
    stop = day.stops[0]
    token = day.token(stop)
    day.start()
    day.deliver(stop, "Camille Roy")

    page = open_tracking(token)
    proof = page.get_by_test_id("pod")
    assert "Received by Camille Roy" in proof.inner_text()
    photo = proof.get_by_role("img", name="Delivery photo 1")
    signature = proof.get_by_role("img", name="Signature")
    for image in (photo, signature):
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.get_attribute("src").startswith(f"/api/v1/track/{token}/files/")
    # Closed orders take no more instructions; nothing to subscribe to either.
    assert page.get_by_role("button", name="Send to the driver").count() == 0
    assert page.get_by_test_id("push").count() == 0

    page.get_by_label("4 stars").check()
    page.get_by_label("Comment (optional)").fill("Quick and careful")
    page.get_by_role("button", name="Send rating").click()
    page.get_by_text("You rated this delivery 4/5").wait_for()

    page.reload()
    page.get_by_test_id("rating-done").wait_for()
    assert page.get_by_test_id("rating-form").count() == 0
    again = requests.post(f"{live_server.url}/api/v1/track/{token}/rating", json={"score": 1}, timeout=10)
    assert again.status_code == 409
    ratings = day.staff.get(f"{live_server.url}/api/v1/ratings", timeout=10).json()["items"]
    assert [(r["order_id"], r["score"], r["comment"]) for r in ratings] == [
        (stop["order"]["id"], 4, "Quick and careful")]


# Headless chromium here has no push service to subscribe with, so the page's PushManager hands back a
# stand-in subscription (the rest is real: permission, service worker, VAPID key, the API call).
FAKE_PUSH = """
PushManager.prototype.getSubscription = async function () { return null; };
PushManager.prototype.subscribe = async function (options) {
  window.__subscribedWithKeyBytes = options.applicationServerKey.byteLength;
  return { toJSON: () => ({ endpoint: 'https://push.invalid/send/e2e-test', keys: {
    p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    auth: 'tBHItJI5svbpez7KI4CCXg' } }) };
};
"""


def test_notifications_are_asked_for_on_a_press_and_the_service_worker_shows_a_push(day, live_server, open_tracking):
    token = day.token(day.stops[1])
    page = open_tracking(token, permissions=["notifications"], init_script=FAKE_PUSH)
    assert page.evaluate("navigator.serviceWorker.controller") is None, "no service worker before the customer asks"

    page.get_by_role("button", name="Get notified").click()
    page.get_by_text("Notifications are on for this delivery.").wait_for()

    assert page.evaluate("window.__subscribedWithKeyBytes") == 65, "subscribed with the server's P-256 VAPID key"
    with sqlite3.connect(live_server.database) as db:
        rows = db.execute("SELECT endpoint, order_id FROM push_subscriptions").fetchall()
    assert rows == [("https://push.invalid/send/e2e-test", day.stops[1]["order"]["id"])]

    # A push as the server sends it: the service worker shows it, naming the tracking page to open.
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    registration_id = registrations[0]["registrationId"]
    message = {"title": "Your driver is close", "body": "About 10 minutes away", "kind": "approaching",
               "url": f"http://localhost:5000/track/{token}"}
    cdp.send("ServiceWorker.deliverPushMessage", {"origin": live_server.url, "registrationId": registration_id,
                                                  "data": json.dumps(message)})
    page.wait_for_function("""async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.getNotifications()).length > 0; }""", polling=200)
    shown = page.evaluate("""async () => {
        const registration = await navigator.serviceWorker.ready;
        const shown = await registration.getNotifications();
        return shown.map(n => ({title: n.title, body: n.body, url: n.data.url})); }""")
    # The message names the page as the server wrote it (PUBLIC_BASE_URL/track/<token>); a tap opens it here.
    assert shown == [{"title": "Your driver is close", "body": "About 10 minutes away",
                      "url": f"{live_server.url}/t/{token}"}]
