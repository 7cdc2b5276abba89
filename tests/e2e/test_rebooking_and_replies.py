"""A customer rebooks on their phone after a failed attempt and the dispatcher's console shows it; a customer's
SMS reply, POSTed as Twilio does (form-encoded, signed), reaches the order's conversation in the console,
where the dispatcher answers. Real server, real chromium (the tracking page at 390x844)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import DemoServer
from tests.e2e.test_dispatch_console import desk  # noqa: F401  (the dispatcher's browser)
from tests.servers import ServerProcess

pytestmark = pytest.mark.browser

TWILIO_TOKEN = "e2e-twilio-token"
PHONE_390 = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def server(published_demo_db, tmp_path):
    """The demo day on the real server, with a Twilio auth token so that signed webhooks are accepted."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING", "TWILIO_AUTH_TOKEN": TWILIO_TOKEN}
    with ServerProcess(env) as process:
        yield DemoServer(process, database)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def first_stop(server: DemoServer) -> tuple[requests.Session, dict, dict]:
    driver = server.driver_session()
    route = driver.get(f"{server.url}/api/v1/driver/route", timeout=10).json()
    stop = sorted(route["stops"], key=lambda s: s["sequence"])[0]
    return driver, route, stop


def act(server, driver, route, kind, stop=None, **data):
    body = {"idempotency_key": uuid.uuid4().hex, "type": kind, "route_id": route["id"],
            "at": datetime.now(timezone.utc).isoformat(), "data": data}
    if stop is not None:
        body["stop_id"] = stop["id"]
    response = driver.post(f"{server.url}/api/v1/driver/actions", json=body, timeout=20)
    assert response.status_code == 200, response.text


def test_the_customer_rebooks_a_failed_delivery_and_the_console_shows_it(server, desk, playwright_browser,  # noqa: F811
                                                                         shots):
    driver, route, stop = first_stop(server)
    act(server, driver, route, "route.start")
    act(server, driver, route, "stop.fail", stop, reason="not_home")
    staff = server.dispatcher_session()
    order = staff.get(f"{server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()
    staff.patch(f"{server.url}/api/v1/recipients/{order['recipient']['id']}", json={"language": "en"}, timeout=10)
    console = desk(server)
    console.get_by_role("tab", name="Live").click()

    context = playwright_browser.new_context(base_url=server.url, locale="en-CA", **PHONE_390)
    context.set_default_timeout(15000)
    errors = []
    phone = context.new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(f"/t/{order['tracking_token']}")
    phone.get_by_test_id("rebook-form").wait_for()
    phone.screenshot(path=str(shots / "rebook-1-failed.png"), full_page=True)
    days = phone.get_by_test_id("rebook-day").locator("label")
    assert days.count() >= 3
    days.nth(1).click()
    phone.get_by_test_id("rebook-window").locator("label").last.click()
    phone.get_by_label("Leave it at my door").check()
    phone.screenshot(path=str(shots / "rebook-2-chosen.png"), full_page=True)
    confirm = phone.get_by_role("button", name="Confirm:")
    assert "Confirm:" in confirm.inner_text()
    confirm.click()
    done = phone.get_by_test_id("rebook-done")
    done.wait_for()
    assert "We sent you a confirmation" in done.inner_text()
    assert phone.get_by_test_id("headline").get_attribute("data-status") == "rescheduled"
    phone.screenshot(path=str(shots / "rebook-3-done.png"), full_page=True)
    context.close()
    assert not errors, errors

    view = requests.get(f"{server.url}/api/v1/track/{order['tracking_token']}", timeout=10).json()
    # The drop-off comes first; what the demo order said before (it may say something) is kept after it.
    assert view["status"] == "rescheduled" and view["delivery_instructions"].startswith("Leave the parcel at the door.")
    assert view["delivery_instructions"].removeprefix("Leave the parcel at the door.").strip() == \
        (order["delivery_instructions"] or "").strip()
    # The dispatcher sees it live, opens it, and the customer's one confirmation is in the conversation.
    entry = console.get_by_test_id("feed").get_by_text("rebooked by the customer")
    entry.wait_for()
    assert order["external_ref"] in entry.inner_text()
    entry.click()
    detail = console.get_by_test_id("order-detail")
    detail.get_by_text("To plan again").first.wait_for()  # the status, in the console's words
    conversation = console.get_by_test_id("conversation")
    conversation.locator("li[data-direction=out]").filter(has_text="rebooked").wait_for()
    assert conversation.locator("li").filter(has_text="rebooked").count() == 1
    assert "To the customer (Rebooking confirmed)" in conversation.locator("li[data-direction=out]").last.inner_text()
    assert "waiting to be sent" in conversation.locator("li[data-direction=out]").last.inner_text()
    assert detail.get_by_test_id("proof").inner_text().startswith("Not delivered: nobody home")
    # The messages sent about it, in words: channel, what it says, to whom, and where it stands.
    notifications = detail.get_by_test_id("notifications")
    phone_number = order["recipient"]["phone"]
    # "since <when it was queued>", or "at <when quiet hours end>" when the test runs in the evening
    notifications.get_by_text(re.compile(
        rf"Text message: Rebooking confirmed, to {re.escape(phone_number)}, waiting to be sent (since|at) ")).wait_for()
    assert notifications.get_by_text("Text message: Delivery failed, to").count() == 1
    assert not re.search(r"\bsms\b|→|pending|rebooked|_", notifications.inner_text())  # no internal codes
    console.screenshot(path=str(shots / "rebook-4-console.png"))
    console.get_by_label("Language").select_option("fr")
    notifications.get_by_text(re.compile(
        rf"Texto : Report confirmé, à {re.escape(phone_number)}, en attente d'envoi (depuis|à) ")).wait_for()
    console.screenshot(path=str(shots / "rebook-5-console-fr.png"))


def twilio_signature(url: str, params: dict) -> str:
    """Twilio's documented scheme (URL + sorted name/value pairs, HMAC-SHA1, base64), written out here."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(TWILIO_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def test_a_customers_sms_reply_reaches_the_console_and_the_dispatcher_answers(server, desk, shots):  # noqa: F811
    _, _, stop = first_stop(server)
    staff = server.dispatcher_session()
    order = staff.get(f"{server.url}/api/v1/orders/{stop['order']['id']}", timeout=10).json()
    console = desk(server)
    console.get_by_role("tab", name="Live").click()

    url = f"{server.url}/api/v1/notify/twilio/inbound"
    form = {"From": order["recipient"]["phone"], "To": "+15005550006", "Body": "Please leave it with <b>Paul</b>",
            "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "1" * 32, "NumMedia": "0"}
    forged = requests.post(url, data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, timeout=10)
    assert forged.status_code == 403
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": twilio_signature(url, form)}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")

    entry = console.get_by_test_id("feed").get_by_text("Customer reply")
    entry.wait_for()
    assert "Please leave it with <b>Paul</b>" in entry.inner_text()  # shown as text, never as markup
    entry.click()
    conversation = console.get_by_test_id("conversation")
    conversation.locator("li[data-direction=in]").filter(has_text="leave it with").wait_for()
    conversation.get_by_label("Answer by text").fill("Noted, Paul will get it this afternoon.")
    conversation.get_by_role("button", name="Send text").click()
    answer = conversation.locator("li[data-direction=out]").filter(has_text="Paul will get it")
    answer.wait_for()
    texts = conversation.locator("li").all_inner_texts()
    assert texts.index(next(t for t in texts if "leave it with" in t)) < texts.index(
        next(t for t in texts if "Paul will get it" in t))
    console.screenshot(path=str(shots / "reply-console.png"))
    thread = staff.get(f"{server.url}/api/v1/orders/{order['id']}/conversation", timeout=10).json()
    assert [m["direction"] for m in thread["messages"]][-2:] == ["in", "out"]
    assert thread["messages"][-1]["kind"] == "dispatcher_reply"
