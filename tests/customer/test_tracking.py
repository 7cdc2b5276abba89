"""The customer's tracking link: what it shows, what it lets them do, and what it never reveals."""
import json
from datetime import datetime, time, timedelta, timezone

from backend.orders.enums import FailureReason, OrderStatus as S
from tests.notify.helpers import create_order, move, outbox
from tests.notify.standins import Browser
from tests.support import TZ, tomorrow
from tests.support import commit



def track(app, token, path="", **kwargs):
    client = app.test_client()
    if kwargs:
        return client.post(f"/api/v1/track/{token}{path}", **kwargs)
    return client.get(f"/api/v1/track/{token}{path}")


def put_on_route(app, org, order_id, eta_hour=9, eta_minute=45):
    from backend.dispatch.models import Route, RouteStatus, Stop
    from backend.extensions import db

    with app.app_context():
        route = Route(org_id=org.org_id, date=tomorrow(), depot_id=org.depot_id, driver_id=org.driver_id,
                      vehicle_id=org.vehicle_id, status=RouteStatus.published)
        db.session.add(route)
        db.session.flush()
        db.session.add(Stop(org_id=org.org_id, route_id=route.id, order_id=order_id, sequence=1,
                            eta_at=datetime.combine(tomorrow(), time(eta_hour, eta_minute), TZ)))
        commit()
        db.session.remove()


def test_the_customer_follows_their_delivery(app, org, dispatcher):
    order = create_order(dispatcher, name="Camille Tremblay")
    token = order["tracking_token"]
    first = track(app, token)
    assert first.status_code == 200
    view = first.get_json()
    assert view["status"] == "created" and view["recipient_first_name"] == "Camille"
    assert view["organization"] == {"name": "Acme Deliveries"} and view["timezone"] == "America/Montreal"
    assert view["time_windows"][0]["start"] == order["time_windows"][0]["start"]
    assert view["eta"] is None and view["driver"] is None and view["pod"] is None and view["rating"] is None
    put_on_route(app, org, order["id"])
    move(app, order["id"], S.planned, S.dispatched)
    planned = track(app, token).get_json()
    eta = datetime.fromisoformat(planned["eta"])
    assert eta == datetime.combine(tomorrow(), time(9, 45), TZ)
    # Who drives is shown only once they are on the way.
    assert planned["driver"] is None and planned["vehicle"] is None
    move(app, order["id"], S.out_for_delivery)
    on_the_way = track(app, token).get_json()
    assert on_the_way["driver"] == {"first_name": "Driver"} and on_the_way["vehicle"] == {"name": "Van 1"}
    assert [item["status"] for item in on_the_way["timeline"]] == ["planned", "dispatched", "out_for_delivery"]
    move(app, order["id"], S.arrived, S.delivered)
    delivered = track(app, token).get_json()
    assert delivered["status"] == "delivered" and delivered["eta"] is None and delivered["driver"] is None
    assert delivered["can_rate"] is True and delivered["can_edit_instructions"] is False
    # The only coordinates shown are the customer's own address (for the map); nothing internal leaks:
    # actor ids, other coordinates (the driver's history), notes.
    assert delivered.pop("destination") == {"lat": order["lat"], "lon": order["lon"]}
    text = json.dumps(delivered)
    assert "actor" not in text and "notes" not in text and "lat" not in text


def test_a_failed_delivery_shows_the_reason(app, dispatcher):
    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    view = track(app, order["tracking_token"]).get_json()
    assert view["failure_reason"] == "not_home" and view["timeline"][-1] == {
        "type": "status", "status": "failed", "at": view["timeline"][-1]["at"], "reason": "not_home"}


def test_a_token_shows_its_own_order_and_nothing_else(app, org, dispatcher, other_org):
    mine = create_order(dispatcher, name="Camille Tremblay")
    theirs = create_order(other_org.as_role("dispatcher"), ref="SECRET-REF", name="Zed Other", phone="+15145550333")
    view = track(app, mine["tracking_token"]).get_json()
    text = json.dumps(view)
    assert "Zed" not in text and "SECRET-REF" not in text and "Globex" not in text
    # Writing through my token never touches their order.
    track(app, mine["tracking_token"], "/instructions", json={"text": "Ring twice"})
    assert other_org.as_role("dispatcher").get(f"/api/v1/orders/{theirs['id']}").get_json()["delivery_instructions"] == ""
    assert track(app, theirs["tracking_token"]).get_json()["recipient_first_name"] == "Zed"
    # Unknown, guessed and malformed tokens are all simply not found.
    for token in (mine["tracking_token"][:-1] + ("A" if mine["tracking_token"][-1] != "A" else "B"),
                  "x" * 32, "short", "a" * 65, "..%2F..%2Fetc", "' OR 1=1 --"):
        response = track(app, token)
        assert response.status_code == 404, token
        assert response.get_json()["error"]["code"] == "not_found"


def test_the_tracking_map_draws_on_the_servers_tiles_for_a_live_link_only(app, dispatcher):
    order = create_order(dispatcher, name="Camille Tremblay")
    assert track(app, order["tracking_token"], "/map").get_json() == {
        "tile_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "tile_attribution": "© OpenStreetMap contributors"}
    app.config.update(MAP_TILE_URL="https://{s}.tiles.example.net/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="© Example")
    assert track(app, order["tracking_token"], "/map").get_json() == {
        "tile_url": "https://{s}.tiles.example.net/{z}/{x}/{y}.png", "tile_attribution": "© Example"}
    assert track(app, "x" * 32, "/map").status_code == 404


def test_the_link_expires_some_days_after_the_delivery(app, dispatcher):
    from backend.extensions import db
    from backend.orders.models import OrderEvent
    from sqlalchemy import update

    order = create_order(dispatcher)
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered)
    assert track(app, order["tracking_token"]).status_code == 200
    with app.app_context():
        db.session.execute(update(OrderEvent).where(OrderEvent.to_status == "delivered")
                           .values(at=datetime.now(timezone.utc) - timedelta(days=15)))
        commit()
    expired = track(app, order["tracking_token"])
    assert expired.status_code == 410 and expired.get_json()["error"]["code"] == "link_expired"
    assert track(app, order["tracking_token"], "/rating", json={"score": 5}).status_code == 410
    app.config["TRACKING_LINK_DAYS"] = 30
    assert track(app, order["tracking_token"]).status_code == 200


def test_instructions_until_the_order_is_over(app, dispatcher):
    order = create_order(dispatcher)
    token = order["tracking_token"]
    saved = track(app, token, "/instructions", json={"text": "Leave it with the neighbour at 12"})
    assert saved.status_code == 200 and saved.get_json() == {"delivery_instructions": "Leave it with the neighbour at 12"}
    assert dispatcher.get(f"/api/v1/orders/{order['id']}").get_json()["delivery_instructions"] == \
        "Leave it with the neighbour at 12"
    events = dispatcher.get(f"/api/v1/orders/{order['id']}/events").get_json()
    assert events[-1]["type"] == "instructions_updated" and events[-1]["actor_type"] == "customer"
    assert track(app, token, "/instructions", json={"text": "x" * 2001}).status_code == 422
    assert track(app, token, "/instructions", json={}).status_code == 422
    assert track(app, token, "/instructions", data="text", content_type="text/plain").status_code == 415
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.refused)
    late = track(app, token, "/instructions", json={"text": "too late"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "order_closed"


def test_one_rating_after_delivery(app, org, dispatcher, admin):
    from tests.notify.test_webhooks_and_api import Receiver

    order = create_order(dispatcher)
    token = order["tracking_token"]
    early = track(app, token, "/rating", json={"score": 5})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "not_delivered"
    put_on_route(app, org, order["id"])
    move(app, order["id"], S.planned, S.dispatched, S.out_for_delivery, S.arrived, S.delivered)
    for bad in ({"score": 0}, {"score": 6}, {"score": "5"}, {"score": 4.5}, {"comment": "no score"},
                {"score": 5, "comment": "x" * 2001}):
        assert track(app, token, "/rating", json=bad).status_code == 422, bad
    with Receiver() as receiver:
        admin.post("/api/v1/webhooks", json={"url": receiver.url, "event_types": ["order.rated"]})
        rated = track(app, token, "/rating", json={"score": 4, "comment": "Friendly driver"})
        assert rated.status_code == 201 and rated.get_json()["score"] == 4
        assert [r["kind"] for r in outbox(app, channel="webhook")] == ["order.rated"]
    again = track(app, token, "/rating", json={"score": 1})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    view = track(app, token).get_json()
    assert view["rating"]["score"] == 4 and view["rating"]["comment"] == "Friendly driver" and view["can_rate"] is False
    from backend.customer.models import Rating
    from backend.extensions import db
    from sqlalchemy import select

    with app.app_context():
        assert db.session.scalar(select(Rating.driver_id)) == org.driver_id


def test_a_customer_browser_subscribes_to_push(app, dispatcher):
    order = create_order(dispatcher)
    browser = Browser()
    body = {"endpoint": "https://push.example.test/send/abc", "keys": {"p256dh": browser.p256dh, "auth": browser.auth}}
    assert track(app, order["tracking_token"], "/push-subscription", json=body).status_code == 201
    # Twice is once.
    assert track(app, order["tracking_token"], "/push-subscription", json=body).status_code == 201
    move(app, order["id"], S.planned, S.dispatched)
    assert sorted(r["channel"].value for r in outbox(app)) == ["push", "sms"]
    for bad in ({"endpoint": "javascript:alert(1)", "keys": body["keys"]},
                {"endpoint": body["endpoint"], "keys": {"p256dh": "AAAA", "auth": browser.auth}},
                {"endpoint": body["endpoint"], "keys": {"p256dh": browser.p256dh, "auth": "!!!!!!!!!!!!!!!!!!!!!!"}},
                {"endpoint": body["endpoint"]}):
        assert track(app, order["tracking_token"], "/push-subscription", json=bad).status_code == 422, bad


def test_the_public_endpoints_are_rate_limited(app, dispatcher):
    app.config.update(TRACK_RATE_LIMIT="3 per minute", TRACK_WRITE_RATE_LIMIT="2 per minute")
    order = create_order(dispatcher)
    statuses = [track(app, order["tracking_token"]).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = track(app, order["tracking_token"])
    assert limited.get_json()["error"]["code"] == "rate_limited"
    writes = [track(app, order["tracking_token"], "/instructions", json={"text": "hi"}).status_code for _ in range(3)]
    assert writes == [200, 200, 429]


def test_links_of_failed_and_cancelled_orders_expire_like_delivered_ones(app, dispatcher):
    from backend.extensions import db
    from backend.orders.models import OrderEvent
    from sqlalchemy import update

    failed = create_order(dispatcher, ref="F-1")
    move(app, failed["id"], S.planned, S.dispatched, S.out_for_delivery, S.failed, reason=FailureReason.not_home)
    cancelled = create_order(dispatcher, ref="C-1", phone="+15145550777")
    assert dispatcher.post(f"/api/v1/orders/{cancelled['id']}/cancel", json={"reason": "asked"}).status_code == 200
    for order in (failed, cancelled):
        assert track(app, order["tracking_token"]).status_code == 200
    with app.app_context():
        db.session.execute(update(OrderEvent).where(OrderEvent.to_status.in_(["failed", "cancelled"]))
                           .values(at=datetime.now(timezone.utc) - timedelta(days=15)))
        commit()
    for order in (failed, cancelled):
        expired = track(app, order["tracking_token"])
        assert expired.status_code == 410 and expired.get_json()["code"] == "link_expired", order["external_ref"]
