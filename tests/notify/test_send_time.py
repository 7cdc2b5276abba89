"""Send-time rules: a message is worded for the moment it goes out, a passed ETA is never quoted, and one
person is neither flooded (cap per order and day) nor texted twice in a row (minimum gap)."""
from datetime import datetime, time, timedelta

import pytest

from backend import clock
from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, deliver, move, outbox, record, set_org
from tests.support import TZ, tomorrow


@pytest.fixture
def at():
    """Put the server's clock at a moment of tomorrow (local time), as the day-long audit does."""
    def travel(hour: int, minute: int = 0, second: int = 0):
        clock.use(clock.starting_at(datetime.combine(tomorrow(), time(hour, minute, second), TZ), 1.0))
    yield travel
    clock.use(None)


def _eta(hour, minute=0):
    return datetime.combine(tomorrow(), time(hour, minute), TZ).isoformat()


def _by_kind(app, kind):
    [row] = outbox(app, kind=kind)
    return row


def test_a_window_that_ended_while_the_message_waited_is_told_as_missed(app, dispatcher, at):
    order = create_order(dispatcher, language="en")
    at(7)
    move(app, order["id"], S.planned, S.dispatched)
    assert "9:00 AM–11:00 AM" in _by_kind(app, "scheduled")["body"]
    at(11, 30)  # the message waited (quiet hours, a retry) past the 9:00-11:00 window
    deliver(app)
    sent = _by_kind(app, "scheduled")
    assert sent["status"].value == "sent"
    assert "today, later than your 9:00 AM–11:00 AM window" in sent["body"], sent["body"]


def test_an_eta_that_passed_before_sending_is_replaced_by_the_latest_one(app, dispatcher, at):
    order = create_order(dispatcher, language="en")
    at(9)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    deliver(app)
    record(app, order["id"], "next_stop", {"eta": _eta(9, 20), "route_id": 1, "driver_id": 1})
    record(app, order["id"], "eta_changed", {"eta": _eta(9, 50), "previous_eta": _eta(9, 20), "window_end": _eta(11)})
    at(9, 30)
    deliver(app)
    sent = _by_kind(app, "approaching")
    assert sent["status"].value == "sent"
    assert "arriving around 9:50 AM" in sent["body"] and "9:20" not in sent["body"]
    assert sent["payload"]["eta"] == _eta(9, 50)


def test_an_eta_that_passed_with_nothing_newer_is_dropped_not_sent(app, dispatcher, at):
    order = create_order(dispatcher, language="en")
    at(13, 5)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    # A plan made in the morning still says 9:00: "heading to you, arriving around 9:00 AM" at 13:05 is wrong.
    record(app, order["id"], "next_stop", {"eta": _eta(9), "route_id": 1, "driver_id": 1})
    deliver(app)
    dropped = _by_kind(app, "approaching")
    assert dropped["status"].value == "cancelled" and "Stale" in dropped["last_error"]


def test_at_most_one_approaching_and_one_delayed_per_order(app, dispatcher, at):
    order = create_order(dispatcher, language="en")
    at(9)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery)
    window_end = _eta(11)
    record(app, order["id"], "next_stop", {"eta": _eta(10, 40), "route_id": 1, "driver_id": 1})
    record(app, order["id"], "next_stop", {"eta": _eta(10, 45), "route_id": 1, "driver_id": 1})
    record(app, order["id"], "eta_changed", {"eta": _eta(11, 10), "previous_eta": _eta(10, 45), "window_end": window_end})
    record(app, order["id"], "eta_changed", {"eta": _eta(12, 0), "previous_eta": _eta(11, 10), "window_end": window_end})
    kinds = [row["kind"] for row in outbox(app)]
    assert kinds.count("approaching") == 1 and kinds.count("delayed") == 1, kinds


def test_the_cap_per_order_and_day_keeps_the_last_message_for_the_outcome(app, dispatcher, org, at):
    set_org(app, org.org_id, settings={"notify_max_per_order_day": 2})
    order = create_order(dispatcher, language="en")
    at(9)
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    move(app, order["id"], S.out_for_delivery)
    deliver(app)
    move(app, order["id"], S.arrived, S.delivered)
    deliver(app)
    status = {row["kind"]: row["status"].value for row in outbox(app)}
    assert status == {"scheduled": "sent", "out_for_delivery": "cancelled", "delivered": "sent"}, status
    assert "cap" in _by_kind(app, "out_for_delivery")["last_error"]


def test_the_cap_counts_each_day_on_its_own(app, dispatcher, org, at):
    set_org(app, org.org_id, settings={"notify_max_per_order_day": 2})
    order = create_order(dispatcher, language="en")
    clock.use(clock.starting_at(datetime.combine(tomorrow() - timedelta(days=1), time(16), TZ), 1.0))
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)  # the evening before: one of yesterday's two
    at(8)
    move(app, order["id"], S.out_for_delivery)
    deliver(app)
    assert _by_kind(app, "out_for_delivery")["status"].value == "sent"


def test_a_second_text_to_one_person_waits_for_the_gap_and_is_worded_when_it_goes(app, dispatcher, org, at):
    set_org(app, org.org_id, settings={"notify_min_gap_s": 300})
    order = create_order(dispatcher, language="en")
    at(9)
    move(app, order["id"], S.planned, S.dispatched)
    deliver(app)
    move(app, order["id"], S.out_for_delivery)
    at(9, 1)
    deliver(app)
    waiting = _by_kind(app, "out_for_delivery")
    assert waiting["status"].value == "pending" and waiting["attempts"] == 0
    sent_first = _by_kind(app, "scheduled")["sent_at"]
    assert waiting["next_attempt_at"] == sent_first + timedelta(seconds=300)
    at(9, 4, 30)
    deliver(app)
    assert _by_kind(app, "out_for_delivery")["status"].value == "pending"
    at(9, 6)
    deliver(app)
    sent = _by_kind(app, "out_for_delivery")
    assert sent["status"].value == "sent" and sent["sent_at"] - sent_first >= timedelta(seconds=300)
