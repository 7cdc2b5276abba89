"""Goals: every KPI against its target and trend; a KPI behind its goal for the set number of days
raises one stored alert, sent as `alert` to the organization's dispatch room."""
from __future__ import annotations

from datetime import timedelta

from tests.analytics.helpers import DAY, build_day


def _goal(api, **body):
    return api.post("/api/v1/analytics/goals", json=body)


def test_only_admins_set_goals_and_only_for_known_kpis(org, admin, dispatcher, other_org):
    assert _goal(dispatcher, kpi="on_time_rate", target=0.95).status_code == 403
    unknown = _goal(admin, kpi="happiness", target=1)
    assert unknown.status_code == 422 and "kpi" in unknown.get_json()["error"]["fields"]
    foreign_depot = _goal(admin, kpi="on_time_rate", target=0.95, depot_id=other_org.depot_id)
    assert foreign_depot.status_code == 422
    created = _goal(admin, kpi="co2_g_per_stop", target=500)
    assert created.status_code == 201 and created.get_json()["comparison"] == "<="   # lower is better for CO2
    goal_id = created.get_json()["id"]
    assert admin.patch(f"/api/v1/analytics/goals/{goal_id}", json={"target": 450}).get_json()["target"] == 450
    assert other_org.as_role("admin").patch(f"/api/v1/analytics/goals/{goal_id}", json={"target": 1}).status_code == 404
    assert [g["id"] for g in dispatcher.get("/api/v1/analytics/goals").get_json()] == [goal_id]
    assert admin.delete(f"/api/v1/analytics/goals/{goal_id}").status_code == 204
    assert dispatcher.get("/api/v1/analytics/goals").get_json() == []


def test_the_scorecard_shows_each_kpi_against_its_goal_and_trend(org, admin):
    build_day(org)
    assert _goal(admin, kpi="on_time_rate", target=0.95).status_code == 201
    assert _goal(admin, kpi="stops_per_route_hour", target=1.0, depot_id=org.depot_id).status_code == 201
    card = admin.get("/api/v1/analytics/scorecard", query_string={"to": DAY.isoformat(), "period": "day",
                                                                  "depot_id": org.depot_id}).get_json()
    items = {item["kpi"]: item for item in card["kpis"]}
    assert items["on_time_rate"]["value"] == round(2 / 3, 4) and items["on_time_rate"]["meets_goal"] is False
    assert items["stops_per_route_hour"]["value"] == 1.2 and items["stops_per_route_hour"]["meets_goal"] is True
    assert items["rating_mean"]["goal"] is None and items["rating_mean"]["meets_goal"] is None
    assert items["on_time_rate"]["previous"] is None and items["on_time_rate"]["trend"] is None
    later = admin.get("/api/v1/analytics/scorecard", query_string={"to": (DAY + timedelta(days=1)).isoformat(),
                                                                   "period": "day"}).get_json()
    assert {i["kpi"]: i for i in later["kpis"]}["on_time_rate"]["previous"] == round(2 / 3, 4)
    csv_text = admin.get("/api/v1/analytics/scorecard.csv", query_string={"to": DAY.isoformat()}).data.decode()
    assert csv_text.splitlines()[0].startswith("kpi,")


def test_a_kpi_behind_its_goal_for_the_set_days_alerts_the_dispatch_room_once(app, org, admin, other_org):
    from backend.analytics import service
    from backend.extensions import socketio
    from backend.realtime import rooms

    build_day(org)
    behind = _goal(admin, kpi="on_time_rate", target=0.95, alert_after_days=1).get_json()
    assert _goal(admin, kpi="cost_cents_per_stop", target=2_000, comparison="<=", alert_after_days=2).status_code == 201
    assert _goal(admin, kpi="first_attempt_success_rate", target=0.5, alert_after_days=1).status_code == 201
    mine, theirs = socketio.test_client(app), socketio.test_client(app)
    for client, room in ((mine, rooms.dispatch(org.org_id)), (theirs, rooms.dispatch(other_org.org_id))):
        socketio.server.enter_room(socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/"), room)
    with app.app_context():
        # The nightly task: the day is closed (rolled up) and the goals are checked.
        result = service.close_finished_days(today=DAY + timedelta(days=1))
        assert result["closed_days"] == 1 and result["alerts"] == 1
        # Only on_time_rate: cost per stop (2519 c) missed one day, not the two in a row it needs, and the
        # first-attempt rate (0.8) meets its goal.
        again = service.close_finished_days(today=DAY + timedelta(days=1))
        assert (again["closed_days"], again["alerts"]) == (0, 0)
    alerts = [m["args"][0] for m in mine.get_received() if m["name"] == "alert"]
    assert len(alerts) == 1
    assert alerts[0]["kind"] == "kpi_behind_goal" and alerts[0]["goal_id"] == behind["id"]
    assert alerts[0]["value"] == round(2 / 3, 4) and alerts[0]["day"] == DAY.isoformat()
    assert [m for m in theirs.get_received() if m["name"] == "alert"] == []
    stored = admin.get("/api/v1/analytics/alerts").get_json()
    assert stored["total"] == 1 and stored["items"][0]["kpi"] == "on_time_rate"
    assert other_org.as_role("admin").get("/api/v1/analytics/alerts").get_json()["total"] == 0
    mine.disconnect(), theirs.disconnect()


def test_admins_get_the_daily_summary_through_the_notification_pipeline(app, org, admin):
    from sqlalchemy import select

    from backend.analytics import service
    from backend.auth.models import Role, User
    from backend.extensions import db
    from backend.notify import service as notify_service
    from backend.notify.models import OutboxMessage

    build_day(org)
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.org_id == org.org_id, User.role == Role.admin))
        dispatcher_id = db.session.scalar(select(User.id).where(User.org_id == org.org_id,
                                                                User.role == Role.dispatcher))
        for user_id, name in ((admin_id, "admin"), (dispatcher_id, "dispatcher")):
            notify_service.subscribe(org.org_id, f"https://push.example.test/{name}", "p256dh-key", "auth-key",
                                     user_id=user_id)
        first = service.close_finished_days(today=DAY + timedelta(days=1))
        again = service.send_daily_summary(org.org_id, DAY)   # the same day twice is one message
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "analytics_summary")))
    assert first["summaries"] == 1 and again == 1
    assert len(rows) == 1 and rows[0].destination == "https://push.example.test/admin"
    assert rows[0].subject == f"Deliveries on {DAY.isoformat()}"
    assert "on time rate: 66.7 %" in rows[0].body and "Every goal met." in rows[0].body


def test_a_kpi_alert_is_pushed_to_admins_only(app, org, admin):
    from sqlalchemy import select

    from backend.analytics import service
    from backend.auth.models import Role, User
    from backend.extensions import db
    from backend.notify import service as notify_service
    from backend.notify.models import OutboxMessage

    build_day(org)
    assert _goal(admin, kpi="on_time_rate", target=0.95, alert_after_days=1).status_code == 201
    with app.app_context():
        for role, name in ((Role.admin, "admin"), (Role.dispatcher, "dispatcher")):
            user_id = db.session.scalar(select(User.id).where(User.org_id == org.org_id, User.role == role))
            notify_service.subscribe(org.org_id, f"https://push.example.test/{name}", "p256dh-key", "auth-key",
                                     user_id=user_id)
        service.close_finished_days(today=DAY + timedelta(days=1))
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "kpi_behind_goal")))
    assert [row.destination for row in rows] == ["https://push.example.test/admin"]
    assert "on_time_rate" in rows[0].body
