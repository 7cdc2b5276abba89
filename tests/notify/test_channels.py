"""Channels against local stand-ins of the real providers: Twilio, a push service, an SMTP server."""
import base64
import hashlib
import hmac
import json

import pytest

from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, deliver, move, outbox, set_org, wait_until
from tests.notify.standins import PushServiceStandIn, SmtpStandIn, TwilioStandIn
from tests.support import commit

SID, TOKEN = "AC" + "1" * 32, "twilio-test-token"


@pytest.fixture
def twilio(app):
    with TwilioStandIn(SID, TOKEN) as standin:
        app.config.update(SMS_PROVIDER="twilio", TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN,
                          TWILIO_FROM="+15005550006", TWILIO_BASE_URL=standin.url)
        yield standin


def twilio_signature(url: str, params: dict) -> str:
    """Twilio's documented scheme, written out independently of the code under test."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()).decode()


# --- SMS through Twilio ----------------------------------------------------------------------------

def test_twilio_adapter_speaks_the_messages_api(app, dispatcher, twilio):
    order = create_order(dispatcher, language="en")
    move(app, order["id"], S.planned, S.dispatched)
    assert deliver(app)["sent"] == 1
    [sent] = twilio.accepted
    [row] = outbox(app)
    assert sent["To"] == "+15145550999" and sent["From"] == "+15005550006" and sent["Body"] == row["body"]
    assert sent["StatusCallback"] == "https://track.example.test/api/v1/notify/twilio/status"
    assert row["provider_ref"] == sent["sid"] and row["status"].value == "sent"


def test_sms_survive_a_provider_outage_and_nobody_gets_one_twice(app, dispatcher, twilio, job_worker):
    twilio.down_for = 5
    orders = [create_order(dispatcher, ref=f"ORD-{i}", phone=f"+1514555{i:04d}") for i in range(3)]
    for order in orders:
        move(app, order["id"], S.planned, S.dispatched)
    wait_until(lambda: all(r["status"].value == "sent" for r in outbox(app)) and len(outbox(app)) == 3, timeout=30)
    assert twilio.down_for == 0
    rows = outbox(app)
    assert sorted(a["To"] for a in twilio.accepted) == sorted(o["recipient"]["phone"] for o in orders)
    assert {a["sid"] for a in twilio.accepted} == {r["provider_ref"] for r in rows}
    assert sum(r["attempts"] for r in rows) == 3 + 5
    # Workers keep running: nothing is sent again.
    deliver(app)
    assert len(twilio.accepted) == 3


def test_a_number_twilio_rejects_fails_at_once(app, dispatcher, twilio):
    from backend.extensions import db
    from backend.orders.models import Recipient

    order = create_order(dispatcher)
    with app.app_context():
        db.session.get(Recipient, order["recipient"]["id"]).phone = "5145550999"  # not E.164: Twilio says 400
        commit()
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    [row] = outbox(app)
    assert row["status"].value == "failed" and row["response_code"] == 400 and row["attempts"] == 1


def test_status_callbacks_are_verified_and_update_the_message(app, dispatcher, twilio):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    sid = twilio.accepted[0]["sid"]
    url = "https://track.example.test/api/v1/notify/twilio/status"
    client = app.test_client()

    def callback(params, signature=None):
        return client.post("/api/v1/notify/twilio/status", data=params,
                           headers={"X-Twilio-Signature": signature or twilio_signature(url, params)})

    forged = callback({"MessageSid": sid, "MessageStatus": "delivered"}, signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "bad_signature"
    assert outbox(app)[0]["status"].value == "sent"
    tampered = {"MessageSid": sid, "MessageStatus": "failed"}
    response = client.post("/api/v1/notify/twilio/status", data=tampered, headers={
        "X-Twilio-Signature": twilio_signature(url, {"MessageSid": sid, "MessageStatus": "delivered"})})
    assert response.status_code == 403
    assert callback({"MessageSid": sid, "MessageStatus": "sent", "AccountSid": SID}).status_code == 204
    assert outbox(app)[0]["provider_status"] == "sent"
    assert callback({"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": SID}).status_code == 204
    [row] = outbox(app)
    assert row["status"].value == "delivered" and row["delivered_at"] is not None
    # A late "sent" after "delivered" (callbacks can cross) changes nothing.
    callback({"MessageSid": sid, "MessageStatus": "sent"})
    assert outbox(app)[0]["status"].value == "delivered"
    # The dispatcher sees it.
    shown = dispatcher.get(f"/api/v1/orders/{order['id']}/notifications").get_json()
    assert [(n["channel"], n["status"]) for n in shown] == [("sms", "delivered")]


def _inbound(app, params):
    url = "https://track.example.test/api/v1/notify/twilio/inbound"
    return app.test_client().post("/api/v1/notify/twilio/inbound", data=params,
                                  headers={"X-Twilio-Signature": twilio_signature(url, params)})


def test_stop_start_and_help(app, dispatcher, twilio):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    recipient_id = order["recipient"]["id"]
    stop = _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": " stop ", "MessageSid": "SM1"})
    assert stop.status_code == 200 and stop.mimetype == "application/xml"
    assert "<Response><Message>You will receive no more" in stop.get_data(as_text=True)
    assert dispatcher.get(f"/api/v1/recipients/{recipient_id}").get_json()["opt_out_sms"] is True
    # The message waiting for them is not sent.
    [row] = outbox(app)
    assert row["status"].value == "cancelled"
    move(app, order["id"], S.out_for_delivery)
    assert len(outbox(app)) == 1
    start = _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "START", "MessageSid": "SM2"})
    assert "Delivery texts are back on" in start.get_data(as_text=True)
    assert dispatcher.get(f"/api/v1/recipients/{recipient_id}").get_json()["opt_out_sms"] is False
    helped = _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "help", "MessageSid": "SM3"})
    assert "Reply STOP" in helped.get_data(as_text=True)
    unsigned = app.test_client().post("/api/v1/notify/twilio/inbound", data={"From": "+15145550999", "Body": "STOP"})
    assert unsigned.status_code == 403
    assert dispatcher.get(f"/api/v1/recipients/{recipient_id}").get_json()["opt_out_sms"] is False


def test_other_replies_reach_the_dispatchers_of_the_organization_that_texted(app, org, other_org, dispatcher, twilio):
    from backend.extensions import socketio
    from backend.realtime import rooms

    order = create_order(dispatcher)
    # The same person is also a recipient at another organization that never texted them.
    create_order(other_org.as_role("dispatcher"), ref="G-1")
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    mine, theirs = socketio.test_client(app), socketio.test_client(app)
    # Joined by hand: Flask-SocketIO binds `@socketio.on` handlers to the first app's server only, and the
    # test session built other apps first. Who may join which room is tested with the namespaces.
    for client, room in ((mine, rooms.dispatch(org.org_id)), (theirs, rooms.dispatch(other_org.org_id))):
        socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/"), room)
    reply = _inbound(app, {"From": "+15145550999", "To": "+15005550006", "Body": "Please leave it at the back door",
                           "MessageSid": "SM9"})
    assert reply.status_code == 200 and "<Message>" not in reply.get_data(as_text=True)
    alerts = [m for m in mine.get_received() if m["name"] == "alert"]
    assert len(alerts) == 1
    alert = alerts[0]["args"][0]
    assert alert["kind"] == "customer_reply" and alert["order_id"] == order["id"] and alert["external_ref"] == "ORD-1"
    assert alert["body"] == "Please leave it at the back door"
    assert [m for m in theirs.get_received() if m["name"] == "alert"] == []
    stored = dispatcher.get("/api/v1/notify/inbound").get_json()
    assert stored["total"] == 1 and stored["items"][0]["order_id"] == order["id"]
    assert other_org.as_role("dispatcher").get("/api/v1/notify/inbound").get_json()["total"] == 0
    mine.disconnect(), theirs.disconnect()


# --- web push -------------------------------------------------------------------------------------

def test_web_push_end_to_end_through_a_push_service(app, dispatcher):
    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push:
        order = create_order(dispatcher, language="en")
        subscription, _ = push.subscribe("phone-1")
        response = app.test_client().post(f"/api/v1/track/{order['tracking_token']}/push-subscription",
                                          json=subscription)
        assert response.status_code == 201
        move(app, order["id"], S.planned, S.dispatched)
        counts = deliver(app)
        assert counts["sent"] == 2, (counts, push.rejections)
        [row] = outbox(app, channel="push")
        [received] = push.delivered
        sent = json.loads(received["text"])
        assert sent["body"] == row["body"] and sent["title"] == row["subject"] and "9:00 AM" in sent["body"]
        assert sent["url"].endswith(order["tracking_token"])
        assert received["ttl"] == "86400" and len(received["topic"]) <= 32
        assert push.rejections == []


def test_the_vapid_key_is_made_once_and_kept(app):
    first = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    second = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    assert first == second and len(base64.urlsafe_b64decode(first + "=")) == 65
    runner = app.test_cli_runner()
    result = runner.invoke(args=["push", "init"])
    assert result.exit_code == 0 and result.output.strip() == first


def test_a_subscription_the_push_service_says_is_gone_is_removed(app, dispatcher):
    from backend.extensions import db
    from backend.notify.models import PushSubscription
    from sqlalchemy import func, select

    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push:
        order = create_order(dispatcher, phone=None)
        subscription, _ = push.subscribe("old-phone")
        app.test_client().post(f"/api/v1/track/{order['tracking_token']}/push-subscription", json=subscription)
        push.status_for["/push/old-phone"] = 410
        move(app, order["id"], S.planned, S.dispatched)
        deliver(app)
        [row] = outbox(app)
        assert row["status"].value == "failed" and row["response_code"] == 410
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
        move(app, order["id"], S.out_for_delivery)
        assert len(outbox(app)) == 1


def test_staff_subscribe_their_browser_with_their_session(app, org, dispatcher):
    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push:
        subscription, _ = push.subscribe("dispatch-laptop")
        assert dispatcher.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
        assert org.as_role("driver").post("/api/v1/push/subscriptions", json=subscription).status_code == 201
        assert org.as_role("anonymous").post("/api/v1/push/subscriptions", json=subscription).status_code == 401
        assert org.as_role("api_key").post("/api/v1/push/subscriptions", json=subscription).status_code == 403
        bad = dict(subscription, keys={"p256dh": "x" * 87, "auth": subscription["keys"]["auth"]})
        assert dispatcher.post("/api/v1/push/subscriptions", json=bad).status_code == 422
        assert dispatcher.delete("/api/v1/push/subscriptions", json={"endpoint": subscription["endpoint"]}).status_code == 204
        assert dispatcher.delete("/api/v1/push/subscriptions", json={"endpoint": subscription["endpoint"]}).status_code == 404


# --- email ----------------------------------------------------------------------------------------

def test_email_goes_through_smtp(app, dispatcher):
    with SmtpStandIn(refuse_recipients={"nobody@example.test"}) as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_FROM="Acme <deliveries@acme.test>")
        order = create_order(dispatcher, phone=None, email="camille@example.test", language="fr")
        refused = create_order(dispatcher, ref="ORD-2", phone=None, email="nobody@example.test", name="Nobody")
        move(app, order["id"], S.planned, S.dispatched)
        move(app, refused["id"], S.planned, S.dispatched)
        deliver(app)
        [mail] = smtp.messages
        row = outbox(app, order_id=order["id"])[0]
        assert mail["envelope"]["to"] == ["camille@example.test"]
        assert mail["message"]["Subject"] == row["subject"] == "Votre livraison Acme Deliveries est planifiée"
        assert mail["message"].get_content().strip() == row["body"]
        assert mail["message"]["Message-ID"] == f"<lastmile-{row['id']}@acme.test>"
        assert row["status"].value == "sent"
        failed = outbox(app, order_id=refused["id"])[0]
        assert failed["status"].value == "failed" and failed["response_code"] == 550


def test_an_unreachable_smtp_server_is_retried(app, dispatcher):
    with SmtpStandIn() as smtp:
        port = smtp.port
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)  # nobody listens there now
    order = create_order(dispatcher, phone=None, email="camille@example.test")
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    [row] = outbox(app)
    assert row["status"].value == "pending" and "SMTP server unavailable" in row["last_error"]


# --- practice organizations -------------------------------------------------------------------------

def test_a_practice_organization_never_reaches_anyone(app, org, dispatcher, admin, twilio, job_worker):
    from tests.standins import StandIn

    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push, SmtpStandIn() as smtp, \
            StandIn(lambda record: (200, {}, None)) as hook_receiver:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        set_org(app, org.org_id, is_practice=True)
        assert admin.post("/api/v1/webhooks", json={"url": hook_receiver.url + "/hook",
                                                    "event_types": ["*"]}).status_code == 201
        order = create_order(dispatcher, email="camille@example.test")
        subscription, _ = push.subscribe("trainee-phone")
        app.test_client().post(f"/api/v1/track/{order['tracking_token']}/push-subscription", json=subscription)
        move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered)
        rows = outbox(app)
        assert {r["channel"].value for r in rows} == {"sms", "push", "email", "webhook"}
        # The worker runs (it was woken after each commit); a pass here makes sure.
        deliver(app)
        assert all(r["status"].value == "suppressed" for r in outbox(app))
        assert twilio.requests == [] and push.requests == [] and smtp.messages == [] and hook_receiver.requests == []
        shown = dispatcher.get(f"/api/v1/orders/{order['id']}/notifications").get_json()
        assert shown and {n["status"] for n in shown} == {"suppressed"}


def test_an_organization_turned_practice_before_sending_sends_nothing(app, org, dispatcher, twilio):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    assert outbox(app)[0]["status"].value == "pending"
    set_org(app, org.org_id, is_practice=True)
    deliver(app)
    assert outbox(app)[0]["status"].value == "suppressed" and twilio.requests == []


def test_workers_racing_for_the_same_rows_send_each_message_once(app, dispatcher, twilio):
    """Four workers drain at once (real threads, real database): every message goes out exactly once."""
    import threading

    for i in range(12):
        order = create_order(dispatcher, ref=f"R-{i}", phone=f"+1438555{i:04d}")
        move(app, order["id"], S.planned, S.dispatched)
    app.config["NOTIFY_BATCH_SIZE"] = 5
    errors = []

    def worker():
        try:
            while deliver(app)["claimed"]:
                pass
        except Exception as exc:  # surfaced below: a worker must never crash on a lost race
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = outbox(app)
    assert len(rows) == 12 and {r["status"].value for r in rows} == {"sent"}
    assert sorted(a["To"] for a in twilio.accepted) == sorted(r["destination"] for r in rows)
    assert {r["attempts"] for r in rows} == {1}


def test_a_driver_gets_pushes_on_the_browser_they_subscribed(app, org):
    from backend.extensions import db
    from backend.notify import service

    driver = org.as_role("driver")
    public_key = app.test_client().get("/api/v1/push/vapid-public-key").get_json()["public_key"]
    with PushServiceStandIn(public_key) as push:
        subscription, _ = push.subscribe("driver-phone")
        assert driver.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
        user_id = driver.get("/api/v1/auth/me").get_json()["user"]["id"]
        with app.app_context():
            for _ in range(2):  # the same fact twice
                service.queue_user_push(org.org_id, user_id, "route_published", "Route ready",
                                        "Your route for tomorrow has 12 stops.", "route:1:published", url="/driver")
                commit()
            db.session.remove()
        deliver(app)
        assert [json.loads(d["text"])["body"] for d in push.delivered] == ["Your route for tomorrow has 12 stops."]
