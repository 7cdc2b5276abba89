"""Rebooking from the tracking link: the days and windows offered, what a rebooking changes, and every refusal."""
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from backend.orders.enums import FailureReason, OrderStatus as S
from tests.notify.helpers import create_order, move, outbox
from tests.support import TZ, commit, tomorrow

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def today() -> date:
    return datetime.now(TZ).date()


def options(app, token):
    return app.test_client().get(f"/api/v1/track/{token}/rebooking")


def rebook(app, token, day: date, window_start="13:00", **extra):
    return app.test_client().post(f"/api/v1/track/{token}/rebooking",
                                  json={"date": day.isoformat(), "window_start": window_start, **extra})


def set_rules(org, **rules):
    response = org.as_role("admin").patch("/api/v1/rebooking-rules", json=rules)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def set_opening_hours(org, hours: dict):
    response = org.as_role("admin").patch(f"/api/v1/depots/{org.depot_id}", json={"opening_hours": hours})
    assert response.status_code == 200, response.get_json()


def events_of(dispatcher, order_id):
    return dispatcher.get(f"/api/v1/orders/{order_id}/events").get_json()


def dispatch_listener(app, org):
    """A Socket.IO client in the organization's dispatch room (joined by hand, see test_channels)."""
    from backend.extensions import socketio
    from backend.realtime import rooms

    client = socketio.test_client(app)
    socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/"), rooms.dispatch(org.org_id))
    return client


def put_on_published_route(app, org, order_id):
    from backend.dispatch.models import Route, RouteStatus, Stop
    from backend.extensions import db

    with app.app_context():
        route = Route(org_id=org.org_id, date=tomorrow(), depot_id=org.depot_id, driver_id=org.driver_id,
                      vehicle_id=org.vehicle_id, status=RouteStatus.published, version=3)
        db.session.add(route)
        db.session.flush()
        db.session.add(Stop(org_id=org.org_id, route_id=route.id, order_id=order_id, sequence=1))
        route_id = route.id
        commit()
        db.session.remove()
    return route_id


def test_after_a_failed_attempt_the_customer_picks_a_new_day_and_the_dispatcher_sees_it(app, org, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    token = order["tracking_token"]
    view = app.test_client().get(f"/api/v1/track/{token}").get_json()
    assert view["can_rebook"] is True
    offered = options(app, token).get_json()
    assert offered["can_rebook"] is True and offered["change_until"] is None
    day = today() + timedelta(days=3)
    [chosen] = [d for d in offered["days"] if d["date"] == day.isoformat()]
    assert [(w["start"], w["end"]) for w in chosen["windows"]] == [("09:00", "12:00"), ("13:00", "17:00")]
    before = len(outbox(app))
    listener = dispatch_listener(app, org)

    response = rebook(app, token, day, "13:00", drop_off="door")

    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["status"] == "rescheduled" and after["delivery_date"] == day.isoformat()
    start = datetime.combine(day, time(13), TZ)
    assert [datetime.fromisoformat(w["start"]) for w in after["time_windows"]] == [start]
    assert datetime.fromisoformat(after["time_windows"][0]["end"]) == start + timedelta(hours=4)
    # The customer speaks French: the drop-off is written in their words, for them and the driver.
    assert after["delivery_instructions"] == "Laisser le colis devant la porte."
    # The order is to plan again for that day, and the lifecycle says who moved it.
    listed = dispatcher.get(f"/api/v1/orders?status=rescheduled&delivery_date={day.isoformat()}").get_json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    rebooked = [e for e in events_of(dispatcher, order["id"]) if e["type"] == "rebooked"]
    assert len(rebooked) == 1 and rebooked[0]["actor_type"] == "customer"
    assert rebooked[0]["details"]["drop_off"] == "door"
    # Exactly one new message: the confirmation, in the customer's language, naming the new window.
    new_rows = outbox(app)[before:]
    assert [(r["kind"], r["channel"].value) for r in new_rows] == [("rebooked", "sms")]
    assert "reprogrammée le" in new_rows[0]["body"] and "13 h 00" in new_rows[0]["body"]
    assert new_rows[0]["body"].endswith(f"/t/{token}")
    # The console hears of it at once.
    alerts = [m["args"][0] for m in listener.get_received() if m["name"] == "alert"]
    assert [(a["kind"], a["order_id"], a["date"]) for a in alerts] == [("customer_rebooked", order["id"], day.isoformat())]
    listener.disconnect()


def test_a_scheduled_delivery_moved_before_the_cut_off_leaves_its_route(app, org, dispatcher):
    order = create_order(dispatcher, language="en")
    route_id = put_on_published_route(app, org, order["id"])
    move(app, order["id"], S.planned, S.dispatched)
    before = len(outbox(app))
    day = today() + timedelta(days=4)
    # Changes until 23:59 on the day itself, so the test holds at any hour.
    set_rules(org, cutoff_days_before=0, cutoff_time="23:59")
    offered = options(app, order["tracking_token"]).get_json()
    assert datetime.fromisoformat(offered["change_until"]) == datetime.combine(tomorrow(), time(23, 59), TZ)
    listener = dispatch_listener(app, org)

    response = rebook(app, order["tracking_token"], day, "09:00",
                      drop_off="neighbour", neighbour="Mme Roy, no 12")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "created"
    assert response.get_json()["delivery_instructions"] == "Leave the parcel with a neighbour: Mme Roy, no 12"
    route = dispatcher.get(f"/api/v1/routes/{route_id}").get_json()
    assert route["stops"] == [] and route["version"] == 4
    statuses = [(e["from_status"], e["to_status"]) for e in events_of(dispatcher, order["id"]) if e["type"] == "status"]
    assert statuses[-1] == ("dispatched", "created")
    assert [r["kind"] for r in outbox(app)[before:]] == ["rebooked"]
    received = listener.get_received()
    changes = [m["args"][0]["change"] for m in received if m["name"] == "route.updated"]
    assert changes and changes[-1]["kind"] == "removed"
    assert [m["args"][0]["kind"] for m in received if m["name"] == "alert"] == ["customer_rebooked"]
    listener.disconnect()
    # Changing again is a new rebooking, confirmed again (and the earlier drop-off line is replaced).
    again = rebook(app, order["tracking_token"], day, "13:00")
    assert again.status_code == 200 and again.get_json()["delivery_instructions"] == ""
    assert [r["kind"] for r in outbox(app)[before:]] == ["rebooked", "rebooked"]


@pytest.fixture
def failed_order(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    return order


def _refused(app, dispatcher, order, response, code):
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == code and problem["status"] == 422 and problem["detail"]
    # Nothing changed: no event, no message, same day.
    assert [e for e in events_of(dispatcher, order["id"]) if e["type"] == "rebooked"] == []
    assert [r for r in outbox(app) if r["kind"] == "rebooked"] == []
    assert dispatcher.get(f"/api/v1/orders/{order['id']}").get_json()["delivery_date"] == order["delivery_date"]
    return problem


def test_a_closed_day_is_refused(app, org, dispatcher, failed_order):
    closed = today() + timedelta(days=3)
    set_opening_hours(org, {name: [["07:00", "19:00"]] for name in DAY_NAMES if name != DAY_NAMES[closed.weekday()]})
    offered = options(app, failed_order["tracking_token"]).get_json()
    assert closed.isoformat() not in [d["date"] for d in offered["days"]]
    assert (closed + timedelta(days=1)).isoformat() in [d["date"] for d in offered["days"]]
    _refused(app, dispatcher, failed_order, rebook(app, failed_order["tracking_token"], closed), "day_closed")


def test_a_day_beyond_the_horizon_is_refused(app, org, dispatcher, failed_order):
    set_rules(org, horizon_days=5)
    offered = options(app, failed_order["tracking_token"]).get_json()
    assert offered["days"][-1]["date"] == (today() + timedelta(days=5)).isoformat()
    problem = _refused(app, dispatcher, failed_order,
                       rebook(app, failed_order["tracking_token"], today() + timedelta(days=6)), "beyond_horizon")
    assert problem["last_day"] == (today() + timedelta(days=5)).isoformat()


def test_a_day_whose_cut_off_passed_is_refused(app, org, dispatcher, failed_order):
    set_rules(org, cutoff_days_before=2, cutoff_time="23:59")
    asked_at = datetime.now(TZ)
    offered = options(app, failed_order["tracking_token"]).get_json()
    # In the day's last minute (23:59 in the depot's zone) the day after tomorrow's cut-off has passed too.
    first = asked_at.date() + timedelta(days=3 if asked_at.time() >= time(23, 59) else 2)
    assert offered["days"][0]["date"] == first.isoformat()
    _refused(app, dispatcher, failed_order,
             rebook(app, failed_order["tracking_token"], today() + timedelta(days=1)), "after_cutoff")


def test_a_scheduled_delivery_past_its_cut_off_stays(app, org, dispatcher):
    order = create_order(dispatcher)  # for tomorrow
    move(app, order["id"], S.planned, S.dispatched)
    set_rules(org, cutoff_days_before=2)
    offered = options(app, order["tracking_token"]).get_json()
    assert offered["can_rebook"] is False and offered["reason"] == "after_cutoff" and offered["days"] == []
    assert app.test_client().get(f"/api/v1/track/{order['tracking_token']}").get_json()["can_rebook"] is False
    _refused(app, dispatcher, order, rebook(app, order["tracking_token"], today() + timedelta(days=5)), "after_cutoff")


def test_a_window_not_offered_that_day_a_past_day_and_a_nameless_neighbour_are_refused(app, org, dispatcher,
                                                                                       failed_order):
    day = today() + timedelta(days=3)
    short = {name: [["08:00", "18:00"]] for name in DAY_NAMES}
    short[DAY_NAMES[day.weekday()]] = [["08:00", "12:30"]]  # that day closes at lunch: no afternoon window
    set_opening_hours(org, short)
    [offered] = [d for d in options(app, failed_order["tracking_token"]).get_json()["days"] if d["date"] == day.isoformat()]
    assert [w["start"] for w in offered["windows"]] == ["09:00"]
    token = failed_order["tracking_token"]
    _refused(app, dispatcher, failed_order, rebook(app, token, day, "13:00"), "window_not_offered")
    _refused(app, dispatcher, failed_order, rebook(app, token, day, "10:00"), "window_not_offered")
    _refused(app, dispatcher, failed_order, rebook(app, token, today() - timedelta(days=1)), "in_the_past")
    problem = _refused(app, dispatcher, failed_order, rebook(app, token, day, "09:00", drop_off="neighbour"),
                       "neighbour_required")
    assert "neighbour" in problem["fields"]
    malformed = app.test_client().post(f"/api/v1/track/{token}/rebooking", json={"date": "tomorrow", "window_start": "9"})
    assert malformed.status_code == 422 and set(malformed.get_json()["fields"]) == {"date", "window_start"}


def test_an_order_on_its_way_delivered_or_cancelled_cannot_move(app, dispatcher):
    on_the_way = create_order(dispatcher, ref="ORD-W")
    move(app, on_the_way["id"], S.planned, S.dispatched, S.out_for_delivery)
    delivered = create_order(dispatcher, ref="ORD-D")
    move(app, delivered["id"], S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered)
    day = today() + timedelta(days=3)
    for order, code in ((on_the_way, "on_the_way"), (delivered, "order_closed")):
        assert options(app, order["tracking_token"]).get_json()["reason"] == code
        response = rebook(app, order["tracking_token"], day)
        assert response.status_code == 409 and response.get_json()["code"] == code


def test_a_tracking_link_moves_only_its_own_order(app, org, dispatcher, other_org):
    mine = create_order(dispatcher)
    theirs = create_order(other_org.as_role("dispatcher"), ref="THEIRS", phone="+15145550333")
    move(app, mine["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    day = today() + timedelta(days=3)
    assert rebook(app, mine["tracking_token"], day).status_code == 200
    untouched = other_org.as_role("dispatcher").get(f"/api/v1/orders/{theirs['id']}").get_json()
    assert untouched["delivery_date"] == theirs["delivery_date"] and untouched["status"] == "created"
    assert rebook(app, "x" * 32, day).status_code == 404
    assert options(app, "not-a-token").status_code == 404
    # Each organization's rules are its own, and only its admin changes them.
    set_rules(org, horizon_days=3, windows=[["10:00", "14:00"]])
    assert other_org.as_role("dispatcher").get("/api/v1/rebooking-rules").get_json()["horizon_days"] == 14
    assert dispatcher.patch("/api/v1/rebooking-rules", json={"horizon_days": 2}).status_code == 403
    bad = org.as_role("admin").patch("/api/v1/rebooking-rules", json={"windows": [["14:00", "10:00"]]})
    assert bad.status_code == 422 and "windows" in bad.get_json()["fields"]
    assert dispatcher.get("/api/v1/rebooking-rules").get_json() == {
        "windows": [["10:00", "14:00"]], "horizon_days": 3, "cutoff_days_before": 1, "cutoff_time": "18:00"}


def test_broken_stored_rules_fall_back_to_the_defaults(app, org):
    from backend.auth.models import Organization
    from backend.customer import rebooking
    from backend.extensions import db

    with app.app_context():
        row = db.session.scalar(select(Organization).where(Organization.id == org.org_id))
        row.settings = {"rebooking": {"windows": [["25:00", "x"]], "horizon_days": "many", "cutoff_time": 7}}
        commit()
        rules = rebooking.org_rules(org.org_id)
        assert rules.as_settings() == rebooking.DEFAULTS


def test_the_confirmation_goes_out_even_on_a_busy_day(app, org, dispatcher, failed_order):
    """The customer is waiting for it: the per-order daily cap that spares them other texts does not drop it."""
    from tests.notify.helpers import deliver, set_org

    deliver(app)  # the texts of the failed day go out
    set_org(app, org.org_id, settings={"notify_max_per_order_day": 1})
    assert rebook(app, failed_order["tracking_token"], today() + timedelta(days=3), "09:00").status_code == 200
    deliver(app)
    [confirmation] = outbox(app, kind="rebooked")
    assert confirmation["status"].value == "sent", confirmation["last_error"]
    assert "9 h 00" in confirmation["body"]


def test_the_confirmation_is_not_held_by_quiet_hours(app, org, dispatcher, failed_order):
    """The customer just rebooked on the tracking page and is waiting for the confirmation: quiet hours, which
    spare them texts they did not ask for, do not hold it until the morning."""
    from tests.notify.helpers import deliver, set_org

    deliver(app)
    now = datetime.now(TZ)
    quiet = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=2)):%H:%M}"  # now is inside them
    set_org(app, org.org_id, settings={"quiet_hours": quiet})
    assert rebook(app, failed_order["tracking_token"], today() + timedelta(days=3), "09:00").status_code == 200
    deliver(app)
    [confirmation] = outbox(app, kind="rebooked")
    assert confirmation["status"].value == "sent", (confirmation["status"], confirmation["next_attempt_at"])
