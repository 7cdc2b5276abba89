"""Webhooks for integrations, the dispatcher's view of messages, and message templates."""
import hashlib
import hmac
import json
import threading
import time

import standardwebhooks

from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, deliver, move, outbox, wait_until
from tests.standins import StandIn


class Receiver(StandIn):
    """An integration's endpoint that checks our signatures the way our docs tell integrators to: with the
    Standard Webhooks library, and by hand with Lastmile's own header."""

    def __init__(self):
        self.secret = None
        self.fail_next = 0
        self.received: list[dict] = []
        self.attempt_ids: list[str] = []
        self.bad_signatures = 0
        self._lock = threading.Lock()
        super().__init__(self._handle)

    def _handle(self, record):
        headers = {k.lower(): v for k, v in record["headers"].items()}
        try:
            standardwebhooks.Webhook(self.secret).verify(record["body"], headers)
        except standardwebhooks.WebhookVerificationError:
            self.bad_signatures += 1
            return 400, {"error": "bad standard signature"}, None
        timestamp = headers.get("x-lastmile-timestamp", "")
        expected = "v1=" + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + record["body"],
                                    hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-lastmile-signature", ""), expected) or \
                abs(time.time() - int(timestamp or 0)) > 300:
            self.bad_signatures += 1
            return 400, {"error": "bad signature"}, None
        self.attempt_ids.append(headers["webhook-id"])
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, {"error": "down"}, None
            self.received.append({"event": headers.get("x-lastmile-event"), "delivery": headers.get("x-lastmile-delivery"),
                                  "body": json.loads(record["body"])})
        return 200, {"ok": True}, None


def test_webhook_crud_is_for_admins(app, org, admin, dispatcher, other_org):
    created = admin.post("/api/v1/webhooks", json={"url": "https://erp.example.test/hooks", "description": "ERP",
                                                   "event_types": ["order.status_changed", "order.created"]})
    assert created.status_code == 201
    hook = created.get_json()
    assert hook["secret"].startswith("whsec_") and hook["event_types"] == ["order.created", "order.status_changed"]
    assert "secret" not in admin.get(f"/api/v1/webhooks/{hook['id']}").get_json()
    assert [h["id"] for h in admin.get("/api/v1/webhooks").get_json()] == [hook["id"]]
    assert dispatcher.get("/api/v1/webhooks").status_code == 403
    assert org.as_role("driver").post("/api/v1/webhooks", json={"url": "https://x.test/h", "event_types": ["*"]}).status_code == 403
    assert other_org.as_role("admin").get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    bad = admin.post("/api/v1/webhooks", json={"url": "ftp://erp.example.test", "event_types": ["order.exploded"]})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"url", "event_types"}
    patched = admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False, "event_types": ["*"]})
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    rotated = admin.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret").get_json()
    assert rotated["secret"] != hook["secret"]
    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert admin.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404


def test_webhooks_are_signed_retried_and_logged(app, admin, dispatcher, job_worker):
    with Receiver() as receiver:
        hook = admin.post("/api/v1/webhooks", json={"url": receiver.url + "/lastmile",
                                                    "event_types": ["order.created", "order.status_changed"]}).get_json()
        receiver.secret = hook["secret"]
        receiver.fail_next = 2
        order = create_order(dispatcher, ref="ERP-77")
        move(app, order["id"], S.planned)
        wait_until(lambda: len(receiver.received) == 2 and all(r["status"].value == "sent"
                                                              for r in outbox(app, channel="webhook")), timeout=30)
        assert receiver.bad_signatures == 0
        by_event = {r["event"]: r for r in receiver.received}
        assert set(by_event) == {"order.created", "order.status_changed"}
        changed = by_event["order.status_changed"]["body"]
        assert changed["type"] == "order.status_changed" and changed["data"]["external_ref"] == "ERP-77"
        assert changed["data"]["event"]["to_status"] == "planned" and changed["data"]["status"] in ("planned",)
        assert len({r["delivery"] for r in receiver.received}) == 2
        # Retries carry the same webhook-id (receivers drop repeats by it): 2 failures + 2 deliveries, 2 ids.
        assert len(receiver.attempt_ids) == 4 and set(receiver.attempt_ids) == {r["delivery"] for r in receiver.received}
        log = admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries").get_json()
        assert log["total"] == 2 and {d["status"] for d in log["items"]} == {"sent"}
        assert sum(d["attempts"] for d in log["items"]) == 4
        assert {d["response_code"] for d in log["items"]} == {200}
        # Not subscribed: a pin correction is not sent.
        assert dispatcher.put(f"/api/v1/orders/{order['id']}/pin", json={"lat": 45.53, "lon": -73.58}).status_code == 200
        assert len(outbox(app, channel="webhook")) == 2


def test_a_webhook_answering_4xx_fails_without_retrying_and_disabled_hooks_get_nothing(app, admin, dispatcher):
    with StandIn(lambda r: (404, {"error": "gone"}, None)) as gone:
        hook = admin.post("/api/v1/webhooks", json={"url": gone.url + "/x", "event_types": ["*"]}).get_json()
        order = create_order(dispatcher)
        deliver(app)
        [row] = outbox(app, channel="webhook")
        assert row["status"].value == "failed" and row["response_code"] == 404 and row["attempts"] == 1
        admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False})
        move(app, order["id"], S.planned)
        assert len(outbox(app, channel="webhook")) == 1
        assert len(gone.requests) == 1


def test_dispatchers_see_every_message_and_its_status(app, org, dispatcher, other_org):
    first = create_order(dispatcher)
    second = create_order(dispatcher, ref="ORD-2", phone="+15145550777", name="Sam")
    move(app, first["id"], S.planned, S.dispatched, S.out_for_delivery)
    move(app, second["id"], S.planned, S.dispatched)
    deliver(app)
    mine = dispatcher.get(f"/api/v1/orders/{first['id']}/notifications")
    assert mine.status_code == 200
    assert [(n["kind"], n["channel"], n["status"]) for n in mine.get_json()] == [
        ("scheduled", "sms", "sent"), ("out_for_delivery", "sms", "sent")]
    assert org.as_role("driver").get(f"/api/v1/orders/{first['id']}/notifications").status_code == 403
    assert other_org.as_role("dispatcher").get(f"/api/v1/orders/{first['id']}/notifications").status_code == 404
    everything = dispatcher.get("/api/v1/notifications").get_json()
    assert everything["total"] == 3
    scheduled = dispatcher.get("/api/v1/notifications?kind=scheduled&status=sent&channel=sms").get_json()
    assert scheduled["total"] == 2 and {n["order_id"] for n in scheduled["items"]} == {first["id"], second["id"]}
    assert dispatcher.get(f"/api/v1/notifications?order_id={second['id']}").get_json()["total"] == 1
    assert dispatcher.get("/api/v1/notifications?since=2999-01-01T00:00:00Z").get_json()["total"] == 0
    assert dispatcher.get("/api/v1/notifications?kind=bogus").status_code == 422
    assert other_org.as_role("dispatcher").get("/api/v1/notifications").get_json()["total"] == 0


def test_an_organization_words_its_own_messages(app, admin, dispatcher):
    templates = dispatcher.get("/api/v1/notify/templates").get_json()
    # Every kind in every language the customers are written to in.
    assert {(t["kind"], t["language"]) for t in templates} == {
        (kind, language) for kind in ("scheduled", "out_for_delivery", "approaching", "delayed", "delivered", "failed",
                                      "rebooked", "pickup_scheduled", "pickup_approaching", "picked_up",
                                      "pickup_failed") for language in ("en", "fr", "es", "pt", "de")}
    assert len(templates) == 11 * 5 and not any(t["custom"] for t in templates)
    bad = admin.put("/api/v1/notify/templates", json={"kind": "scheduled", "language": "en",
                                                      "body": "Hi {first_name}, {password} {eta.__class__}"})
    assert bad.status_code == 422 and "body" in bad.get_json()["error"]["fields"]
    assert dispatcher.put("/api/v1/notify/templates", json={"kind": "scheduled", "language": "en",
                                                            "body": "x"}).status_code == 403
    saved = admin.put("/api/v1/notify/templates", json={
        "kind": "scheduled", "language": "en", "subject": "{org_name} is coming",
        "body": "{recipient_name}: order {order_ref} comes {window}. {tracking_url}"})
    assert saved.status_code == 200
    order = create_order(dispatcher, language="en", name="Sam Lee")
    move(app, order["id"], S.planned, S.dispatched)
    [row] = outbox(app)
    assert row["body"].startswith("Sam Lee: order ORD-1 comes on ") and "9:00 AM–11:00 AM" in row["body"]
    assert row["subject"] == "Acme Deliveries is coming"
    # French recipients still get the built-in French text.
    other = create_order(dispatcher, ref="ORD-2", phone="+15145550777", language="fr")
    move(app, other["id"], S.planned, S.dispatched)
    assert outbox(app, order_id=other["id"])[0]["body"].startswith("Bonjour")
    admin.put("/api/v1/notify/templates", json={"kind": "scheduled", "language": "en", "body": ""})
    assert not any(t["custom"] for t in dispatcher.get("/api/v1/notify/templates").get_json())


def test_secrets_are_standard_webhooks_secrets_and_older_ones_still_sign():
    import base64
    import secrets as random_secrets

    from backend.notify.channels import webhook

    secret = webhook.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:], validate=True)) == 32
    body, now = b'{"type":"order.created"}', int(time.time())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now),
               "webhook-signature": webhook.standard_signature(secret, "msg_1", now, body)}
    assert standardwebhooks.Webhook(secret).verify(body, headers) == {"type": "order.created"}
    # A secret made before (URL-safe base64): its key is the URL-safe decoding, which a receiver can hand over.
    older = "whsec_" + random_secrets.token_urlsafe(32)
    key = base64.urlsafe_b64decode(older[6:] + "=" * (-len(older[6:]) % 4))
    headers["webhook-signature"] = webhook.standard_signature(older, "msg_1", now, body)
    assert standardwebhooks.Webhook(key).verify(body, headers) == {"type": "order.created"}
