"""Practice mode: a copy of a real day in a practice organization, worked on the real screens, where
nothing reaches a real customer."""
from __future__ import annotations

from sqlalchemy import select

from tests.dispatch.helpers import action, make_orders
from tests.support import Api, tomorrow


def _practice_org(app, org_id):
    from backend.auth.models import Organization
    from backend.extensions import db

    with app.app_context():
        return db.session.get(Organization, org_id)


def test_a_practice_copy_of_a_day_is_worked_and_tells_no_real_customer(org, admin, dispatcher):
    from backend.extensions import db
    from backend.notify import sending as notify_sending
    from backend.notify.models import OutboxMessage, OutboxStatus
    from backend.orders.models import Order

    real_ids = make_orders(dispatcher, 2, prefix="REAL")
    response = admin.post("/api/v1/analytics/practice", json={"day": tomorrow().isoformat()})
    assert response.status_code == 201, response.get_json()
    practice = response.get_json()
    assert practice["is_practice"] and practice["orders"] == 2 and len(practice["drivers"]) == 2
    assert _practice_org(org.app, practice["org_id"]).is_practice

    with org.app.app_context():
        real = {o.external_ref: o for o in db.session.scalars(select(Order).where(Order.id.in_(real_ids)))}
        copies = list(db.session.scalars(select(Order).where(Order.org_id == practice["org_id"]).order_by(Order.id)))
        assert sorted(o.external_ref for o in copies) == sorted(f"P-{ref}" for ref in real)
        for copy in copies:
            original = real[copy.external_ref.removeprefix("P-")]
            assert copy.tracking_token != original.tracking_token
            assert copy.recipient.phone.startswith("+1555") and copy.recipient.phone != original.recipient.phone
            assert [w.start_at for w in copy.time_windows] == [w.start_at for w in original.time_windows]
        copy_ids = [o.id for o in copies]

    trainee = Api(org.app)
    assert trainee.login(practice["dispatcher"], practice["password"]).status_code == 200
    drivers = trainee.get("/api/v1/drivers").get_json()["items"]
    route = trainee.post("/api/v1/routes", json={"date": tomorrow().isoformat(), "driver_id": drivers[0]["id"],
                                                 "order_ids": copy_ids})
    assert route.status_code == 201, route.get_json()
    route = trainee.post(f"/api/v1/routes/{route.get_json()['id']}/publish").get_json()
    new_driver = Api(org.app)
    assert new_driver.login(practice["drivers"][0], practice["driver_pin"]).status_code == 200
    stop = route["stops"][0]
    done = action(new_driver, route, "stop.complete", stop=stop, recipient_name="Practice")
    assert done.status_code == 200 and done.get_json()["status"] == "applied", done.get_json()

    with org.app.app_context():
        assert db.session.get(Order, stop["order"]["id"]).status.value == "delivered"
        notify_sending.deliver_due()
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == practice["org_id"])))
        # The trainee's delivery is recorded like a real one, and every message it caused stays suppressed.
        assert rows, "the practice delivery should still leave its (suppressed) record"
        assert {row.status for row in rows} == {OutboxStatus.suppressed}
        assert all(row.sent_at is None and row.attempts == 0 for row in rows)


def test_practice_cannot_be_started_by_a_dispatcher_or_from_practice(org, admin, dispatcher):
    make_orders(dispatcher, 1, prefix="REAL")
    assert dispatcher.post("/api/v1/analytics/practice", json={"day": tomorrow().isoformat()}).status_code == 403
    practice = admin.post("/api/v1/analytics/practice", json={"day": tomorrow().isoformat()}).get_json()
    trainee_admin = Api(org.app)
    assert trainee_admin.login(practice["admin"], practice["password"]).status_code == 200
    again = trainee_admin.post("/api/v1/analytics/practice", json={"day": tomorrow().isoformat()})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_practice"


def test_the_cli_opens_a_practice_copy_from_an_organization(org, dispatcher):
    make_orders(dispatcher, 3, prefix="CLI")
    result = org.app.test_cli_runner().invoke(args=["practice", "start", "--from-org", org.slug,
                                                    "--date", tomorrow().isoformat()])
    assert result.exit_code == 0, result.output
    assert "3 orders" in result.output and "PIN" in result.output
    missing = org.app.test_cli_runner().invoke(args=["practice", "start", "--from-org", "nobody"])
    assert missing.exit_code != 0 and "No organization" in missing.output


def test_a_day_without_orders_opens_practice_demo_days_each_time(org, admin):
    from backend.auth.models import Organization
    from backend.extensions import db

    opened = []
    for _ in range(3):
        response = admin.post("/api/v1/analytics/practice", json={"day": "2026-12-01", "demo_orders": 3})
        assert response.status_code == 201, response.get_json()
        opened.append(response.get_json())
    assert len({p["org_id"] for p in opened}) == 3
    with org.app.app_context():
        assert all(db.session.get(Organization, p["org_id"]).is_practice for p in opened)
    assert all(p["orders"] == 3 for p in opened)


def test_a_demo_day_whose_driver_phones_are_taken_is_cleaned_up_and_retried(org, admin, monkeypatch):
    from backend import practice
    from backend.auth.models import Organization
    from backend.extensions import db

    # "…-ab" and "…-ba" have the same letters, so the demo gives their drivers the same phone numbers.
    slugs = iter(["practice-demo-ab", "practice-demo-ba", "practice-demo-zz"])
    monkeypatch.setattr(practice, "_practice_slug", lambda base: next(slugs))
    first = admin.post("/api/v1/analytics/practice", json={"day": "2026-12-01", "demo_orders": 2})
    second = admin.post("/api/v1/analytics/practice", json={"day": "2026-12-01", "demo_orders": 2})
    assert (first.status_code, second.status_code) == (201, 201), second.get_json()
    assert (first.get_json()["slug"], second.get_json()["slug"]) == ("practice-demo-ab", "practice-demo-zz")
    with org.app.app_context():
        slugs_left = set(db.session.scalars(db.select(Organization.slug)))
    assert "practice-demo-ba" not in slugs_left and {"practice-demo-ab", "practice-demo-zz"} <= slugs_left
