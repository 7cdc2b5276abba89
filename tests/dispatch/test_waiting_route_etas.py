"""A published route not started when its start passes: its customers' ETAs follow the clock, never lie in the past."""
from datetime import datetime, time, timedelta

from backend import clock
from backend.dispatch import eta, jobs  # noqa: F401  (jobs registers the periodic refresh)
from backend.dispatch.models import Route
from backend.extensions import db
from tests.dispatch.helpers import make_orders, make_route
from tests.support import TZ, tomorrow


def _stops(dispatcher, route_id):
    return sorted(dispatcher.get(f"/api/v1/routes/{route_id}").get_json()["stops"], key=lambda s: s["sequence"])


def test_a_route_published_but_not_started_keeps_no_eta_in_the_past(app, org, dispatcher):
    day = tomorrow()
    route = make_route(dispatcher, org, make_orders(dispatcher, 3, day=day), day=day, publish=True)
    planned = [datetime.fromisoformat(s["planned_arrival_at"]) for s in _stops(dispatcher, route["id"])]
    late_morning = datetime.combine(day, time(11, 30), TZ)
    assert planned[0] < late_morning  # the driver should long have left

    clock.use(clock.starting_at(late_morning, 1.0))
    try:
        with app.app_context():
            assert route["id"] in eta.routes_due_for_refresh(timedelta(seconds=90))
            eta.refresh_route_etas(route["id"])
            db.session.remove()
        etas = [datetime.fromisoformat(s["eta_at"]) for s in _stops(dispatcher, route["id"])]
        assert min(etas) >= late_morning and etas == sorted(etas)
    finally:
        clock.use(None)

    # The evening before its start, nothing is due: the plan still lies ahead.
    clock.use(clock.starting_at(datetime.combine(day, time(5, 0), TZ), 1.0))
    try:
        with app.app_context():
            assert route["id"] not in eta.routes_due_for_refresh(timedelta(seconds=90))
            assert eta.refresh_route_etas(route["id"]) is None
            assert db.session.get(Route, route["id"]).status.value == "published"
            db.session.remove()
    finally:
        clock.use(None)
