"""Before publishing, the console learns who will be messaged: the preview counts what publishing then writes."""
from sqlalchemy import select

from tests.dispatch.helpers import make_orders, make_route
from tests.support import order_payload


def _scheduled_messages(app, order_ids):
    from backend.extensions import db
    from backend.notify.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.order_id.in_(order_ids),
                                                              OutboxMessage.kind == "scheduled")).all()
        found = {}
        for row in rows:
            found.setdefault(row.channel.value, set()).add(row.recipient_id)
        db.session.remove()
        return found


def test_the_preview_counts_the_customers_and_channels_that_publishing_then_messages(app, org, dispatcher):
    sms_only = make_orders(dispatcher, 2, prefix="S")  # one customer (the same phone) on two orders
    email_too = dispatcher.post("/api/v1/orders", json=order_payload(
        "E-1", recipient={"name": "Ana", "phone": "+15145550777", "email": "ana@example.org"})).get_json()["id"]
    silent = dispatcher.post("/api/v1/orders", json=order_payload(
        "N-1", recipient={"name": "Nobody", "phone": "+15145550666", "opt_out_sms": True})).get_json()["id"]
    first = make_route(dispatcher, org, sms_only + [email_too])
    second = make_route(dispatcher, org, [silent], driver_id=org.other_driver_id)

    preview = dispatcher.get(f"/api/v1/routes/publish-preview?route_ids={first['id']},{second['id']}")
    assert preview.status_code == 200, preview.get_json()
    reach = preview.get_json()
    assert {k: reach[k] for k in ("routes", "orders", "practice")} == {"routes": 2, "orders": 4, "practice": False}

    for route in (first, second):
        assert dispatcher.post(f"/api/v1/routes/{route['id']}/publish").status_code == 200
    sent = _scheduled_messages(app, sms_only + [email_too, silent])
    assert reach["by_channel"] == {"sms": len(sent.get("sms", ())), "email": len(sent.get("email", ())), "push": 0}
    assert reach["customers"] == len(set().union(*sent.values())) and reach["without_channel"] == 1
    assert reach["customers"] < reach["orders"]  # people, not orders

    # Once published there is nothing left to announce.
    again = dispatcher.get(f"/api/v1/routes/publish-preview?route_ids={first['id']}").get_json()
    assert again["routes"] == 0 and again["customers"] == 0


def test_the_preview_refuses_bad_ids_and_other_organizations_routes(org, other_org, dispatcher):
    route = make_route(dispatcher, org, make_orders(dispatcher, 1))
    for bad in ("", "abc", "1,-2", "99999999999"):
        answer = dispatcher.get(f"/api/v1/routes/publish-preview?route_ids={bad}")
        assert answer.status_code == 422 and "route_ids" in answer.get_json()["error"]["fields"], bad
    intruder = other_org.as_role("dispatcher")
    assert intruder.get(f"/api/v1/routes/publish-preview?route_ids={route['id']}").status_code == 404
    assert org.as_role("driver").get(f"/api/v1/routes/publish-preview?route_ids={route['id']}").status_code == 403
