"""Notification KPIs read the notify domain's outbox: messages per channel and what became of them."""
from __future__ import annotations

from collections import Counter

import pytest

from backend.orders.enums import OrderStatus as S
from tests.conftest import base_config
from tests.notify.helpers import create_order, deliver, move, outbox
from tests.support import tomorrow


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    # Quiet hours off: the suite runs at any hour and the messages must go out now.
    return base_config(database_url, tmp_path / "instance", NOTIFY_QUIET_HOURS="",
                       PUBLIC_BASE_URL="https://track.example.test")


def test_messages_are_counted_per_channel_and_outcome(app, org, dispatcher, other_org):
    first = create_order(dispatcher, "N-1")
    second = create_order(dispatcher, "N-2", phone="+15145550998")
    for order in (first, second):
        move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    deliver(app)
    sent = outbox(app, org_id=org.org_id)
    assert sent and {row["status"].value for row in sent} == {"sent"}
    # The SMS provider reports back: one message reached the phone, one never did.
    from backend.notify import inbound as notify_inbound

    with app.app_context():
        notify_inbound.record_sms_status(sent[0]["provider_ref"], "delivered")
        notify_inbound.record_sms_status(sent[1]["provider_ref"], "undelivered")
    rows = outbox(app, org_id=org.org_id)
    expected = Counter((row["channel"].value, row["status"].value) for row in rows)
    period = {"from": tomorrow().isoformat(), "to": tomorrow().isoformat()}
    body = dispatcher.get("/api/v1/analytics/notifications", query_string=period).get_json()
    assert body["available"] is True and body["sms_cost_available"] is True
    for channel, counts in body["channels"].items():
        assert counts["total"] == sum(n for (c, _), n in expected.items() if c == channel)
        assert counts["sent"] == sum(n for (c, s), n in expected.items() if c == channel and s in ("sent", "delivered"))
        assert counts["failed"] == expected.get((channel, "failed"), 0)
    sms = body["channels"]["sms"]
    assert (sms["total"], sms["delivered"], sms["failed"]) == (len(sent), 1, 1)
    assert sms["sent"] == len(sent) - 1                          # accepted by the provider, not failed later
    from backend.notify.sms_segments import segments

    billed = [row for row in rows if row["channel"].value == "sms" and row["status"].value in ("sent", "delivered")]
    assert sms["sms_segments"] == sum(segments(row["body"]) for row in billed) > 0
    assert sms["sms_cost_cents"] == round(sms["sms_segments"] * 1.1)   # SMS_SEGMENT_COST_CENTS defaults to 1.1
    stranger = other_org.as_role("dispatcher").get("/api/v1/analytics/notifications", query_string=period)
    assert stranger.get_json()["channels"] == {}
