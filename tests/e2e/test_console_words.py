"""The console speaks the browser's language until the dispatcher picks one, and says what its numbers are
(issue #16: items 4 "units everywhere" and 6). Real server, real chromium."""
from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import DISPATCHER, DemoServer
from tests.e2e.test_admin_screens import ADMIN
from tests.e2e.test_dispatch_console import desk  # noqa: F401  (the console fixture)
from tests.servers import ServerProcess
from tests.support import order_payload

pytestmark = pytest.mark.browser

MONTREAL = ZoneInfo("America/Montreal")
SHOTS = Path(__file__).resolve().parents[2] / "instance" / "screenshots"


def _profile_language(server: DemoServer, language: str) -> None:
    me = server.dispatcher_session().get(f"{server.url}/api/v1/auth/me", timeout=10).json()
    answer = server.session(*ADMIN).patch(f"{server.url}/api/v1/users/{me['user']['id']}",
                                          json={"language": language}, timeout=10)
    assert answer.status_code == 200, answer.text


def _console_in(playwright_browser, server: DemoServer, locale: str):
    """A browser with this locale and nothing picked yet (the shared `desk` fixture picks English)."""
    context = playwright_browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 1000},
                                             locale=locale, service_workers="block")
    context.set_default_timeout(15000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/dispatch")
    return context, page, errors


def _log_in(page, email: str, password: str, submit: str) -> None:
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name=submit).click()


def test_the_console_follows_the_browser_until_a_language_is_picked(playwright_browser, demo_server):
    _profile_language(demo_server, "fr")
    SHOTS.mkdir(parents=True, exist_ok=True)

    # An en-US browser: English, though the dispatcher's profile says French.
    context, page, errors = _console_in(playwright_browser, demo_server, "en-US")
    _log_in(page, *DISPATCHER, submit="Log in")
    page.get_by_test_id("connection").filter(has_text="Live").wait_for()
    assert page.get_by_role("tab", name="Plan").is_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.screenshot(path=str(SHOTS / "console-language-browser-en.png"))

    # Picking French in the bar sticks across a reload, whatever the browser says.
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("tab", name="Planifier").wait_for()
    page.reload()
    page.get_by_test_id("connection").filter(has_text="En direct").wait_for()
    assert page.get_by_label("Langue").input_value() == "fr"
    context.close()
    assert not errors, errors

    # A French Canadian browser: French from the login form on.
    context, page, errors = _console_in(playwright_browser, demo_server, "fr-CA")
    page.get_by_label("Courriel").wait_for()
    _log_in(page, *DISPATCHER, submit="Se connecter")
    page.get_by_test_id("connection").filter(has_text="En direct").wait_for()
    assert page.get_by_role("tab", name="Planifier").is_visible()
    page.screenshot(path=str(SHOTS / "console-language-browser-fr.png"))
    context.close()
    assert not errors, errors


@pytest.fixture
def worker_server(published_demo_db, tmp_path):
    """The demo day on a server with the embedded job worker, so that the optimizer runs."""
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "1", "LOG_LEVEL": "WARNING"}
    with ServerProcess(env) as process:
        yield DemoServer(process, database)


def test_the_optimizers_best_plan_is_a_score_in_words(desk, worker_server):  # noqa: F811
    day = datetime.now(MONTREAL).date() + timedelta(days=2)
    api = worker_server.dispatcher_session()
    # Enough stops that the search runs for its time (a tiny day converges before its first report).
    for index in range(36):
        start = datetime.combine(day, datetime.min.time(), MONTREAL).replace(hour=9 + index % 6)
        window = [{"start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()}]
        created = api.post(f"{worker_server.url}/api/v1/orders", timeout=10, json=order_payload(
            f"SCORE-{index}", time_windows=window, lat=45.49 + (index % 6) * 0.01, lon=-73.62 + (index // 6) * 0.01))
        assert created.status_code == 201, created.text
    page = desk(worker_server, day)
    page.get_by_label("Optimizer time (seconds)").fill("2")
    page.get_by_test_id("optimize").click()
    cost = page.get_by_test_id("opt-cost")
    cost.wait_for(timeout=30000)
    done = page.locator("[data-testid=opt-status][data-status=succeeded]")
    done.wait_for(timeout=60000)
    page.get_by_test_id("route-card").first.wait_for()
    routes = page.get_by_test_id("route-card").count()
    assert done.inner_text() == f"Done: {routes} route{'s' if routes != 1 else ''} planned.", done.inner_text()
    # Once the search is over the plan is no longer "so far".
    assert re.fullmatch(r"Best plan found: score [\d,]+ \(lower is better\)", cost.inner_text()), cost.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-optimizer-score.png"))
    page.get_by_label("Language").select_option("fr")
    assert re.fullmatch(r"Meilleur plan trouvé : score [\d\s\u202f\u00a0]+ \(plus bas = meilleur\)",
                        cost.inner_text()), cost.inner_text()
