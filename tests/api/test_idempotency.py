"""Idempotency-Key: a retried POST gets the first answer again instead of being done twice."""
import threading
import time

import pytest

from tests.support import Api, order_payload

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _count_orders(api, ref):
    return api.get(f"/api/v1/orders?external_ref={ref}").get_json()["total"]


def test_a_retried_order_creation_is_replayed_not_repeated(org):
    integration = org.as_role("api_key")
    body = order_payload("IDEM-1")
    first = integration.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f'"{KEY}"'})
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    # The same request again, keys reordered (same JSON value) and the key unquoted: the first answer, as it was.
    retry = integration.post("/api/v1/orders", json=dict(reversed(list(body.items()))),
                             headers={"Idempotency-Key": KEY})
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == first.get_json() and retry.headers["ETag"] == first.headers["ETag"]
    assert _count_orders(integration, "IDEM-1") == 1

    # The same key for another request: refused, nothing made.
    other = integration.post("/api/v1/orders", json=order_payload("IDEM-2"), headers={"Idempotency-Key": KEY})
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    assert _count_orders(integration, "IDEM-2") == 0
    # Keys belong to their caller: a dispatcher's session may use the same text for its own request.
    mine = org.as_role("dispatcher").post("/api/v1/orders", json=order_payload("IDEM-2"),
                                          headers={"Idempotency-Key": KEY})
    assert mine.status_code == 201 and "Idempotent-Replayed" not in mine.headers


def test_a_failed_request_spends_no_key(org):
    integration = org.as_role("api_key")
    bad = integration.post("/api/v1/orders", json={"external_ref": "IDEM-3"}, headers={"Idempotency-Key": "k-3"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "invalid"
    fixed = integration.post("/api/v1/orders", json=order_payload("IDEM-3"), headers={"Idempotency-Key": "k-3"})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_actions_are_not_done_twice(org, dispatcher):
    order = dispatcher.post("/api/v1/orders", json=order_payload("IDEM-4")).get_json()
    cancel = {"reason": "customer moved"}
    first = dispatcher.post(f"/api/v1/orders/{order['id']}/cancel", json=cancel, headers={"Idempotency-Key": "c-4"})
    assert first.status_code == 200 and first.get_json()["status"] == "cancelled"
    again = dispatcher.post(f"/api/v1/orders/{order['id']}/cancel", json=cancel, headers={"Idempotency-Key": "c-4"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    # Without the key the second cancel is a real second attempt, refused by the lifecycle.
    assert dispatcher.post(f"/api/v1/orders/{order['id']}/cancel", json=cancel).status_code == 409
    events = dispatcher.get(f"/api/v1/orders/{order['id']}/events").get_json()
    assert sum(1 for e in events if e["to_status"] == "cancelled") == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "é"])
def test_a_malformed_key_is_refused(dispatcher, key):
    answer = dispatcher.post("/api/v1/orders", json=order_payload("IDEM-5"), headers={"Idempotency-Key": key})
    assert answer.status_code == 400 and answer.get_json()["code"] == "idempotency_key_invalid"


def test_a_key_expires(app, org):
    integration = org.as_role("api_key")
    first = integration.post("/api/v1/orders", json=order_payload("IDEM-6"), headers={"Idempotency-Key": "k-6"})
    assert first.status_code == 201
    app.config["IDEMPOTENCY_KEY_HOURS"] = 0
    # Forgotten: the key may name a new request (the same reference now finds the existing order: 200).
    later = integration.post("/api/v1/orders", json=order_payload("IDEM-7"), headers={"Idempotency-Key": "k-6"})
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers


def test_a_retry_while_the_first_is_running_is_told_to_wait(org, monkeypatch):
    from backend.orders import service

    slow_create = service.create_order

    def create_slowly(*args, **kwargs):
        time.sleep(1.0)
        return slow_create(*args, **kwargs)

    monkeypatch.setattr(service, "create_order", create_slowly)
    body, answers = order_payload("IDEM-8"), {}
    sessions = {name: org.as_role("api_key") for name in ("first", "retry")}

    def send(name):
        answers[name] = sessions[name].post("/api/v1/orders", json=body, headers={"Idempotency-Key": "k-8"})

    first = threading.Thread(target=send, args=("first",))
    first.start()
    time.sleep(0.3)
    send("retry")
    first.join(10)
    assert answers["first"].status_code == 201, answers["first"].get_json()
    retry = answers["retry"]
    # Either told to come back (still running) or, if it waited on the key's row, given the first answer.
    if retry.status_code == 409:
        assert retry.get_json()["code"] == "idempotency_key_in_use" and retry.headers["Retry-After"] == "1"
    else:
        assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert _count_orders(sessions["first"], "IDEM-8") == 1
    final = sessions["retry"].post("/api/v1/orders", json=body, headers={"Idempotency-Key": "k-8"})
    assert final.status_code == 201 and final.get_json() == answers["first"].get_json()
