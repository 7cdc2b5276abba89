"""The outbox: which events speak to the customer, on which channels, in which words, exactly once."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from backend.orders.enums import FailureReason, OrderStatus as S
from tests.notify.helpers import create_order, deliver, make_due, move, outbox, record, set_org
from tests.support import TZ, commit, tomorrow


def test_dispatch_writes_a_scheduled_sms_in_the_recipients_language_and_the_depots_time(app, dispatcher):
    order = create_order(dispatcher, language="fr")
    move(app, order["id"], S.planned)
    assert outbox(app) == []
    move(app, order["id"], S.dispatched)
    [row] = outbox(app)
    assert (row["channel"].value, row["kind"], row["status"].value) == ("sms", "scheduled", "pending")
    assert row["destination"] == "+15145550999" and row["language"] == "fr"
    day = tomorrow()
    # The order's window is 9:00-11:00 Montréal time: shown as such, whatever the server's zone.
    assert "9 h 00 – 11 h 00" in row["body"] and str(day.day) in row["body"]
    assert row["body"].startswith("Bonjour Camille")
    assert f"https://track.example.test/t/{order['tracking_token']}" in row["body"]


def test_english_recipient_gets_english_text(app, dispatcher):
    order = create_order(dispatcher, language="en", name="Sam Lee")
    move(app, order["id"], S.planned, S.dispatched)
    [row] = outbox(app)
    assert row["body"].startswith("Hi Sam") and "9:00 AM–11:00 AM" in row["body"]


@pytest.mark.parametrize("event,expected", [
    ("out_for_delivery", "out_for_delivery"),
    ("delivered", "delivered"),
    ("failed", "failed"),
    ("arrived", None),
])
def test_each_status_event_maps_to_its_message(app, dispatcher, event, expected):
    order = create_order(dispatcher)
    path = {"out_for_delivery": [S.planned, S.dispatched, S.out_for_delivery],
            "delivered": [S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered],
            "failed": [S.planned, S.dispatched, S.out_for_delivery, S.failed],
            "arrived": [S.planned, S.dispatched, S.out_for_delivery, S.arrived]}[event]
    move(app, order["id"], *path, reason=FailureReason.not_home)
    kinds = [row["kind"] for row in outbox(app)]
    assert kinds[0] == "scheduled"
    last = kinds[-1] if expected != "scheduled" else None
    if expected is None:
        assert kinds == ["scheduled", "out_for_delivery"]
    else:
        assert last == expected and kinds.count(expected) == 1


def test_failed_message_says_why_and_how_to_reschedule(app, dispatcher):
    order = create_order(dispatcher, language="en")
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.no_access)
    failed = outbox(app, kind="failed")[0]
    assert "we could not get access to the address" in failed["body"]
    assert "new delivery" in failed["body"] and order["tracking_token"] in failed["body"]


def test_next_stop_announces_the_driver_with_the_eta(app, dispatcher):
    order = create_order(dispatcher, language="en")
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    eta = datetime.combine(tomorrow(), time(9, 40), TZ)
    record(app, order["id"], "next_stop", {"eta": eta.isoformat(), "route_id": 1, "driver_id": 1})
    [row] = outbox(app, kind="approaching")
    assert "9:40 AM" in row["body"] and row["payload"]["eta"] == eta.isoformat()


def test_other_events_say_nothing(app, dispatcher):
    order = create_order(dispatcher)
    record(app, order["id"], "pin_corrected", {})
    record(app, order["id"], "updated", {"fields": ["notes"]})
    assert outbox(app) == []


def _eta(hour, minute=0):
    return datetime.combine(tomorrow(), time(hour, minute), TZ).isoformat()


def test_delays_are_told_when_the_window_is_missed_or_the_eta_slips_past_the_threshold(app, dispatcher):
    order = create_order(dispatcher, language="en")
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    window_end = _eta(11)
    # Within the window, nothing told yet: no message.
    record(app, order["id"], "eta_changed", {"eta": _eta(10, 30), "previous_eta": _eta(10), "window_end": window_end})
    assert outbox(app, kind="delayed") == []
    # The driver heads there, ETA 10:40 told to the customer.
    record(app, order["id"], "next_stop", {"eta": _eta(10, 40), "route_id": 1, "driver_id": 1})
    # 10 minutes later than told (threshold 15): nothing.
    record(app, order["id"], "eta_changed", {"eta": _eta(10, 50), "previous_eta": _eta(10, 40), "window_end": window_end})
    assert outbox(app, kind="delayed") == []
    # Past the window end: told.
    record(app, order["id"], "eta_changed", {"eta": _eta(11, 5), "previous_eta": _eta(10, 50), "window_end": window_end})
    [first] = outbox(app, kind="delayed")
    assert "11:05 AM" in first["body"]
    # The same ETA reported again: not twice.
    record(app, order["id"], "eta_changed", {"eta": _eta(11, 5), "previous_eta": _eta(11, 5), "window_end": window_end})
    # Slightly later again (< threshold after the last told 11:05): nothing new.
    record(app, order["id"], "eta_changed", {"eta": _eta(11, 15), "previous_eta": _eta(11, 5), "window_end": window_end})
    assert len(outbox(app, kind="delayed")) == 1
    # 20 minutes past what they were last told: still one "delayed" per order — the tracking page has the news.
    record(app, order["id"], "eta_changed", {"eta": _eta(11, 25), "previous_eta": _eta(11, 15), "window_end": window_end})
    assert len(outbox(app, kind="delayed")) == 1
    record(app, order["id"], "next_stop", {"eta": _eta(11, 30), "route_id": 1, "driver_id": 1})
    assert len(outbox(app, kind="approaching")) == 1


def test_outbox_rows_live_and_die_with_the_event_transaction(app, dispatcher):
    from backend.extensions import db
    from backend.orders import lifecycle
    from backend.orders.enums import ActorType
    from backend.orders.models import Order, OrderEvent

    order = create_order(dispatcher)
    move(app, order["id"], S.planned)
    with app.app_context():
        lifecycle.transition(db.session.get(Order, order["id"]), S.dispatched, actor_type=ActorType.system)
        db.session.rollback()
        assert db.session.get(Order, order["id"]).status is S.planned
        db.session.remove()
    assert outbox(app) == []
    move(app, order["id"], S.dispatched)
    [row] = outbox(app)
    with app.app_context():
        event = db.session.get(OrderEvent, row["event_id"])
        assert event.to_status == "dispatched" and event.order_id == order["id"]


def test_the_same_fact_twice_is_one_message(app, dispatcher):
    from backend.extensions import db
    from backend.notify import outbox as notify_outbox
    from backend.orders.models import Order, OrderEvent
    from sqlalchemy import select

    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    with app.app_context():
        event = db.session.scalar(select(OrderEvent).where(OrderEvent.to_status == "dispatched"))
        notify_outbox.on_order_event(db.session.get(Order, order["id"]), event)
        commit()
        db.session.remove()
    assert len(outbox(app)) == 1


def test_a_rescheduled_order_is_announced_again_on_its_new_day(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    move(app, order["id"], S.rescheduled, S.planned, S.dispatched)
    assert [r["kind"] for r in outbox(app)] == ["scheduled", "out_for_delivery", "failed", "scheduled"]


def test_every_reachable_channel_gets_the_message_unless_opted_out(app, dispatcher):
    app.config["SMTP_HOST"] = "127.0.0.1"
    order = create_order(dispatcher, email="camille@example.test")
    other = create_order(dispatcher, ref="ORD-2", phone="+15145550888", email="sam@example.test", name="Sam")
    dispatcher.patch(f"/api/v1/recipients/{other['recipient']['id']}", json={"opt_out_sms": True})
    move(app, order["id"], S.planned, S.dispatched)
    move(app, other["id"], S.planned, S.dispatched)
    assert sorted(r["channel"].value for r in outbox(app, order_id=order["id"])) == ["email", "sms"]
    assert [r["channel"].value for r in outbox(app, order_id=other["id"])] == ["email"]


def test_opting_out_after_the_message_was_written_still_stops_it(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    dispatcher.patch(f"/api/v1/recipients/{order['recipient']['id']}", json={"opt_out_sms": True})
    assert deliver(app)["cancelled"] == 1
    [row] = outbox(app)
    assert row["status"].value == "cancelled" and "opted out" in row["last_error"]


def test_console_sms_is_sent_and_recorded(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    assert deliver(app) == {"sent": 1, "claimed": 1}
    [row] = outbox(app)
    assert row["status"].value == "sent" and row["sent_at"] and row["provider_ref"].startswith("console-")
    assert row["lease_owner"] is None and row["attempts"] == 1
    assert deliver(app) == {"claimed": 0}


def test_a_message_overtaken_by_events_is_not_sent_late(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered)
    deliver(app)
    statuses = {r["kind"]: r["status"].value for r in outbox(app)}
    assert statuses == {"scheduled": "cancelled", "out_for_delivery": "cancelled", "delivered": "sent"}


# --- quiet hours ---------------------------------------------------------------------------------

def test_after_quiet_hours_across_midnight():
    from backend.notify.quiet_hours import after_quiet_hours

    quiet = (time(21, 0), time(8, 0))
    evening = datetime(2026, 11, 24, 22, 30, tzinfo=TZ)
    night = datetime(2026, 11, 25, 3, 0, tzinfo=TZ)
    day = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
    assert after_quiet_hours(evening, quiet, TZ) == datetime(2026, 11, 25, 8, 0, tzinfo=TZ)
    assert after_quiet_hours(night, quiet, TZ) == datetime(2026, 11, 25, 8, 0, tzinfo=TZ)
    assert after_quiet_hours(day, quiet, TZ) == day
    assert after_quiet_hours(day, (time(12, 0), time(13, 30)), TZ) == datetime(2026, 11, 25, 13, 30, tzinfo=TZ)
    assert after_quiet_hours(day, None, TZ) == day


def test_messages_written_in_quiet_hours_wait_for_them_to_end(app, org, dispatcher):
    now = datetime.now(ZoneInfo("America/Montreal"))
    start = (now - timedelta(hours=1)).strftime("%H:%M")
    end = (now + timedelta(hours=2)).strftime("%H:%M")
    set_org(app, org.org_id, settings={"quiet_hours": f"{start}-{end}"})
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    [row] = outbox(app)
    waits = row["next_attempt_at"] - datetime.now(timezone.utc)
    assert timedelta(hours=1, minutes=55) < waits <= timedelta(hours=2)
    assert deliver(app) == {"claimed": 0}
    make_due(app)
    assert deliver(app)["sent"] == 1


# --- claiming --------------------------------------------------------------------------------------

def test_a_row_is_claimed_by_one_worker_and_taken_again_only_when_its_lease_expired(app, dispatcher):
    from backend.extensions import db
    from backend.notify import sending
    from backend.notify.models import OutboxMessage
    from sqlalchemy import update

    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    with app.app_context():
        dead_owner, owner = "worker-that-dies", "worker-that-lives"
        claimed = sending.claim_next(dead_owner)
        assert claimed is not None
        # A second worker finds nothing while the first one's lease runs.
        assert sending.claim_next(owner) is None
        # The first worker died: its lease runs out.
        db.session.execute(update(OutboxMessage).values(lease_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
        commit()
        assert sending.claim_next(owner) == claimed
        # The dead worker coming back cannot record anything over the new owner's lease.
        assert sending.send_one(claimed, dead_owner) is None
        assert sending.send_one(claimed, owner).value == "sent"
        db.session.remove()
    [row] = outbox(app)
    assert row["attempts"] == 2 and row["status"].value == "sent"


def test_reclaims_count_as_attempts_and_are_capped(app, dispatcher):
    """A message whose worker dies each time is taken NOTIFY_MAX_ATTEMPTS times in all, then fails."""
    from backend.extensions import db
    from backend.notify import sending
    from backend.notify.models import OutboxMessage
    from sqlalchemy import update

    app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched)
    with app.app_context():
        claims = 0
        for attempt in range(6):
            if sending.claim_next(f"worker-{attempt}") is None:
                break
            claims += 1
            # ... and that worker is killed mid-send: its lease runs out.
            db.session.execute(update(OutboxMessage).values(
                lease_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
            commit()
        assert claims == 3
        assert sending.deliver_due()["gave_up"] == 1
        db.session.remove()
    [row] = outbox(app)
    assert row["attempts"] == 3 and row["status"].value == "failed" and "Gave up after 3" in row["last_error"]


def test_retries_back_off_then_give_up(app, dispatcher):
    from backend.notify.channels import sms

    calls = []

    class FlakySms:
        def __init__(self, config):
            pass

        def send(self, message):
            calls.append(message.id)
            raise sms.TransientError("gateway down", response_code=503)

    sms.PROVIDERS["flaky"] = FlakySms
    app.config.update(SMS_PROVIDER="flaky", NOTIFY_MAX_ATTEMPTS=3, NOTIFY_RETRY_BASE_S=60, NOTIFY_RETRY_MAX_S=3600)
    try:
        order = create_order(dispatcher)
        move(app, order["id"], S.planned, S.dispatched)
        deliver(app)
        [row] = outbox(app)
        assert row["status"].value == "pending" and row["attempts"] == 1 and row["response_code"] == 503
        wait = row["next_attempt_at"] - datetime.now(timezone.utc)
        assert timedelta(seconds=55) < wait <= timedelta(seconds=60)
        make_due(app)
        deliver(app)
        [row] = outbox(app)
        wait = row["next_attempt_at"] - datetime.now(timezone.utc)
        assert timedelta(seconds=115) < wait <= timedelta(seconds=120)
        make_due(app)
        deliver(app)
        [row] = outbox(app)
        assert row["status"].value == "failed" and "Gave up after 3 attempts" in row["last_error"]
        assert len(calls) == 3
    finally:
        del sms.PROVIDERS["flaky"]
