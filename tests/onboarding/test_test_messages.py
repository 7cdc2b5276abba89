"""A test message to yourself (setup checklist) and a webhook's "Send test": staff messages not tied to an order,
sent through the real outbox and providers (local stand-ins of Twilio, an SMTP server, a push service, and an
integration's endpoint that checks our signatures)."""
from __future__ import annotations

import json

import pytest

from tests.notify.conftest import NOTIFY_TEST_CONFIG
from tests.notify.helpers import deliver, make_due, outbox, set_org
from tests.notify.standins import PushServiceStandIn, SmtpStandIn, TwilioStandIn
from tests.notify.test_webhooks_and_api import Receiver
from tests.conftest import base_config
from tests.support import commit

SID, TOKEN = "AC" + "2" * 32, "twilio-test-token"
ADMIN_PHONE = "+15145550777"


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return base_config(database_url, tmp_path / "instance", **NOTIFY_TEST_CONFIG)


@pytest.fixture
def twilio(app):
    with TwilioStandIn(SID, TOKEN) as standin:
        app.config.update(SMS_PROVIDER="twilio", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                          TWILIO_FROM="+15005550006", TWILIO_BASE_URL=standin.url)
        yield standin


def _give_admin_a_phone(app, org, language="en"):
    from sqlalchemy import select

    from backend.auth.models import User
    from backend.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == org.emails["admin"]))
        user.phone, user.language = ADMIN_PHONE, language
        commit()


def _checklist_item(admin) -> bool:
    items = admin.get("/api/v1/setup/checklist").get_json()["items"]
    return {item["key"]: item["done"] for item in items}["test_message"]


def test_a_test_text_reaches_the_admins_own_phone_and_ticks_the_checklist(app, org, admin, twilio):
    refused = admin.post("/api/v1/setup/test-messages", json={"channel": "sms"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "no_phone"
    assert refused.get_json()["fields"]["channel"], "the reason is given for the field"
    _give_admin_a_phone(app, org, language="fr")
    overview = admin.get("/api/v1/setup/test-messages").get_json()
    sms = {c["channel"]: c for c in overview["channels"]}["sms"]
    assert sms == {"channel": "sms", "ready": True, "reason": None, "destination": ADMIN_PHONE, "log_only": False}
    assert overview["reached"] is False and _checklist_item(admin) is False

    sent = admin.post("/api/v1/setup/test-messages", json={"channel": "sms"})
    assert sent.status_code == 202, sent.get_json()
    [row] = sent.get_json()["recent"]
    assert row["channel"] == "sms" and row["destination"] == ADMIN_PHONE and row["status"] == "pending"
    deliver(app)
    [accepted] = twilio.accepted
    assert accepted["To"] == ADMIN_PHONE and "essai de Lastmile (Acme Deliveries)" in accepted["Body"]
    overview = admin.get("/api/v1/setup/test-messages").get_json()
    assert overview["recent"][0]["status"] == "sent" and overview["reached"] is True
    assert _checklist_item(admin) is True
    # Not a customer message: dispatchers' message list does not show it (it names an admin's phone).
    assert org.as_role("dispatcher").get("/api/v1/notifications").get_json()["total"] == 0


def test_a_failed_test_says_why_and_does_not_tick_the_checklist(app, org, admin, twilio):
    _give_admin_a_phone(app, org)
    twilio.down_for = 100
    app.config.update(NOTIFY_MAX_ATTEMPTS=1)
    admin.post("/api/v1/setup/test-messages", json={"channel": "sms"})
    deliver(app)
    [row] = admin.get("/api/v1/setup/test-messages").get_json()["recent"]
    assert row["status"] == "failed" and "503" in row["last_error"]
    assert _checklist_item(admin) is False


def test_the_console_sms_provider_only_logs_so_it_does_not_count(app, org, admin):
    _give_admin_a_phone(app, org)
    assert app.config["SMS_PROVIDER"] == "console"
    sms = {c["channel"]: c for c in admin.get("/api/v1/setup/test-messages").get_json()["channels"]}["sms"]
    assert sms["ready"] is True and sms["log_only"] is True
    admin.post("/api/v1/setup/test-messages", json={"channel": "sms"})
    deliver(app)
    overview = admin.get("/api/v1/setup/test-messages").get_json()
    assert overview["recent"][0]["status"] == "sent" and overview["reached"] is False


def test_a_test_email_goes_through_smtp(app, org, admin):
    refused = admin.post("/api/v1/setup/test-messages", json={"channel": "email"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "not_configured"
    with SmtpStandIn() as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_FROM="Acme <deliveries@acme.test>")
        assert admin.post("/api/v1/setup/test-messages", json={"channel": "email"}).status_code == 202
        deliver(app)
        [mail] = smtp.messages
        assert mail["envelope"]["to"] == [org.emails["admin"]]
        assert mail["message"]["Subject"] == "Lastmile test message"
        assert "messages from your delivery platform reach you" in mail["message"].get_content()
    assert _checklist_item(admin) is True


def test_a_test_push_reaches_every_browser_the_admin_subscribed(app, org, admin):
    refused = admin.post("/api/v1/setup/test-messages", json={"channel": "push"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "no_browser"
    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push:
        for name in ("laptop", "phone"):
            subscription, _ = push.subscribe(name)
            assert admin.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
        answer = admin.post("/api/v1/setup/test-messages", json={"channel": "push"}).get_json()
        assert len(answer["recent"]) == 2
        deliver(app)
        assert len(push.delivered) == 2 and push.rejections == []
        assert json.loads(push.delivered[0]["text"])["title"] == "Lastmile test message"
    assert _checklist_item(admin) is True


def test_only_admins_with_a_session_send_tests_and_bad_channels_are_named(app, org, admin):
    assert org.as_role("dispatcher").post("/api/v1/setup/test-messages", json={"channel": "sms"}).status_code == 403
    assert org.as_role("dispatcher").get("/api/v1/setup/test-messages").status_code == 403
    assert org.as_role("anonymous").get("/api/v1/setup/test-messages").status_code == 401
    bad = admin.post("/api/v1/setup/test-messages", json={"channel": "pigeon"})
    assert bad.status_code == 422 and "channel" in bad.get_json()["fields"]


def test_a_practice_organization_writes_the_test_but_sends_nothing(app, org, admin, twilio):
    _give_admin_a_phone(app, org)
    set_org(app, org.org_id, is_practice=True)
    admin.post("/api/v1/setup/test-messages", json={"channel": "sms"})
    deliver(app)
    assert twilio.accepted == []
    assert admin.get("/api/v1/setup/test-messages").get_json()["recent"][0]["status"] == "suppressed"


def test_send_test_posts_a_signed_test_event_shown_in_the_delivery_log(app, org, admin, other_org):
    with Receiver() as receiver:
        hook = admin.post("/api/v1/webhooks", json={"url": receiver.url + "/in", "event_types": ["order.created"]})
        hook = hook.get_json()
        receiver.secret = hook["secret"]
        receiver.fail_next = 1
        app.config.update(NOTIFY_RETRY_BASE_S=60)  # the retry waits until the test lets time pass (make_due)
        answer = admin.post(f"/api/v1/webhooks/{hook['id']}/test")
        assert answer.status_code == 202, answer.get_json()
        assert answer.get_json()["event_type"] == "webhook.test" and answer.get_json()["status"] == "pending"
        deliver(app)  # the endpoint answers 500 once: retried like any event
        [row] = outbox(app, channel="webhook")
        assert row["status"].value == "pending" and row["response_code"] == 500
        make_due(app)
        deliver(app)
        assert receiver.bad_signatures == 0
        [received] = receiver.received
        assert received["event"] == "webhook.test" and received["body"]["type"] == "webhook.test"
        assert received["body"]["data"]["organization"] == "Acme Deliveries"
        log = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()
        assert log["total"] == 1 and log["items"][0]["event_type"] == "webhook.test"
        assert log["items"][0]["status"] == "sent" and log["items"][0]["attempts"] == 2

        assert org.as_role("dispatcher").post(f"/api/v1/webhooks/{hook['id']}/test").status_code == 403
        assert other_org.as_role("admin").post(f"/api/v1/webhooks/{hook['id']}/test").status_code == 404
        admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False})
        off = admin.post(f"/api/v1/webhooks/{hook['id']}/test")
        assert off.status_code == 409 and off.get_json()["code"] == "webhook_inactive"
