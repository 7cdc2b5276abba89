"""One answer schema per audience: a driver never receives what only staff may see, over HTTP or live."""
from tests.api.audiences import assert_driver_view, assert_staff_view
from tests.dispatch.helpers import action, make_orders, make_route


def _priced_van(admin, org):
    response = admin.patch(f"/api/v1/vehicles/{org.vehicle_id}", json={
        "cost_fixed_cents": 5000, "cost_per_hour_cents": 3000, "cost_per_km_cents": 40})
    assert response.status_code == 200, response.get_json()


def test_staff_see_the_route_with_its_cost_and_the_driver_sees_only_their_stops(org, admin, dispatcher):
    _priced_van(admin, org)
    ids = make_orders(dispatcher, 3)
    route = make_route(dispatcher, org, ids, publish=True)
    other = make_route(dispatcher, org, make_orders(dispatcher, 1, prefix="OTHER"), publish=True,
                       driver_id=org.other_driver_id)

    staff_view = dispatcher.get(f"/api/v1/routes/{route['id']}").get_json()
    assert_staff_view(staff_view)
    summary = staff_view["summary"]
    hours = (staff_view_span_s(staff_view)) / 3600
    assert summary["planned_cost_cents"] == 5000 + round(3000 * hours) + round(40 * staff_view["planned_distance_m"] / 1000)
    assert summary["stops"] == 3

    driver = org.as_role("driver")
    for answer in (driver.get(f"/api/v1/routes/{route['id']}"), driver.get(f"/api/v1/driver/route?date={route['date']}")):
        assert answer.status_code == 200, answer.get_json()
        mine = answer.get_json()
        assert_driver_view(mine)
        assert "OTHER" not in repr(mine) and other["id"] != mine["id"]
        assert [s["id"] for s in mine["stops"]] == [s["id"] for s in staff_view["stops"]]
    started = action(driver, route, "route.start")
    assert started.status_code == 200, started.get_json()
    assert_driver_view(started.get_json()["route"])
    # Another driver's route stays invisible, not merely trimmed.
    assert driver.get(f"/api/v1/routes/{other['id']}").status_code == 404


def staff_view_span_s(route: dict) -> float:
    from datetime import datetime

    start, end = (datetime.fromisoformat(route[k]) for k in ("planned_start_at", "planned_end_at"))
    return (end - start).total_seconds()


def test_every_route_answer_to_staff_has_the_same_shape(org, dispatcher):
    ids = make_orders(dispatcher, 2)
    route = make_route(dispatcher, org, ids)
    assert_staff_view(route)
    listed = dispatcher.get(f"/api/v1/routes?date={route['date']}").get_json()
    assert [r["id"] for r in listed] == [route["id"]]
    assert_staff_view(listed[0])
    board = dispatcher.get(f"/api/v1/dispatch/board?date={route['date']}").get_json()
    assert_staff_view(board["routes"][0])
    resequenced = dispatcher.put(f"/api/v1/routes/{route['id']}/sequence", json={
        "stop_ids": [s["id"] for s in route["stops"]][::-1], "version": route["version"]}).get_json()
    assert_staff_view(resequenced)
    assert [s["sequence"] for s in resequenced["stops"]] == [1, 2]
