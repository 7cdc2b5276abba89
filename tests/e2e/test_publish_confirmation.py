"""Publishing texts customers, so the console says who will hear what, and publishes only on a yes."""
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_dispatch_console import desk  # noqa: F401  (the console fixture)
from tests.support import order_payload

pytestmark = pytest.mark.browser

MONTREAL = ZoneInfo("America/Montreal")
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def _drafts_for(server, day) -> list[int]:
    api = server.dispatcher_session()
    drivers = api.get(f"{server.url}/api/v1/drivers", timeout=10).json()["items"]
    route_ids = []
    for index, driver in enumerate(drivers[:2]):
        start = datetime.combine(day, datetime.min.time(), MONTREAL).replace(hour=10)
        window = [{"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}]
        order = api.post(f"{server.url}/api/v1/orders", timeout=10, json=order_payload(
            f"PUB-{index}", time_windows=window, recipient={"name": f"Client {index}", "phone": f"+1514555088{index}"}))
        assert order.status_code == 201, order.text
        route = api.post(f"{server.url}/api/v1/routes", timeout=10, json={
            "date": day.isoformat(), "driver_id": driver["id"], "order_ids": [order.json()["id"]]})
        assert route.status_code == 201, route.text
        route_ids.append(route.json()["id"])
    return route_ids


def _statuses(server, route_ids) -> set[str]:
    api = server.dispatcher_session()
    return {api.get(f"{server.url}/api/v1/routes/{i}", timeout=10).json()["status"] for i in route_ids}


def test_publish_all_says_how_many_customers_hear_and_waits_for_a_yes(desk, demo_server):  # noqa: F811
    day = datetime.now(MONTREAL).date() + timedelta(days=3)
    route_ids = _drafts_for(demo_server, day)
    page = desk(demo_server, day)

    page.get_by_test_id("publish-all").click()
    ask = page.get_by_test_id("publish-ask")
    ask.wait_for()
    assert "Publish 2 routes?" in ask.inner_text()
    assert "2 customers will be told their delivery is scheduled: by SMS (2)." in ask.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-publish-confirmation.png"))

    page.get_by_test_id("publish-cancel").click()
    ask.wait_for(state="detached")
    assert _statuses(demo_server, route_ids) == {"draft"}  # nothing published, nobody texted

    page.get_by_test_id("publish-all").click()
    ask.wait_for()
    page.wait_for_function("() => document.activeElement?.dataset.testid === 'publish-confirm'")
    page.keyboard.press("Enter")  # the confirm button has the focus: a keyboard user publishes with Enter
    page.get_by_test_id("publish-all").wait_for(state="detached")
    assert _statuses(demo_server, route_ids) == {"published"}
