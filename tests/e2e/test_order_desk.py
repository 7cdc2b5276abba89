"""The Orders tab as a dispatcher uses it, in a real chromium against the real server and the demo day:
find orders by text, status, driver and days; export what is shown; create an order in the form (its
mistakes shown beside the fields, the pin placed on the map since the demo has no geocoder); cancel it and
read its timeline in plain words; move a selection to another day. Keyboard only where a person would.
"""
from __future__ import annotations

import csv
import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import DISPATCHER

pytestmark = pytest.mark.browser

MONTREAL = ZoneInfo("America/Montreal")
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp/e2e-shots"))


@pytest.fixture
def console(playwright_browser, demo_server):
    context = playwright_browser.new_context(base_url=demo_server.url, viewport={"width": 1400, "height": 950},
                                             locale="en-CA", service_workers="block")
    context.set_default_timeout(15000)
    context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/dispatch")
    page.get_by_label("Email").fill(DISPATCHER[0])
    page.get_by_label("Password").fill(DISPATCHER[1])
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("connection").filter(has_text="Live").wait_for()
    page.get_by_role("tab", name="Orders").click()
    page.get_by_test_id("orders-table").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()
    assert not errors, f"uncaught errors in the console: {errors}"


def total(page) -> str:
    return page.get_by_test_id("orders-total").inner_text()


def rows(page):
    return page.locator("[data-testid=orders-table] tbody tr")


def test_find_orders_by_text_status_driver_and_export_what_is_shown(console, demo_server):
    page = console
    assert total(page) == "(24 orders)"
    page.screenshot(path=str(SHOTS / "orders-list.png"), full_page=True)
    assert_accessible(page, "#side")
    first_ref = rows(page).first.locator("td").nth(1).inner_text()

    page.get_by_test_id("orders-q").fill(first_ref)
    page.get_by_test_id("orders-q").press("Enter")  # the filter form submits from the keyboard
    page.get_by_test_id("orders-total").filter(has_text="(1 order)").wait_for()
    assert rows(page).first.locator("td").nth(1).inner_text() == first_ref

    page.get_by_role("button", name="Clear filters").click()
    page.get_by_test_id("orders-total").filter(has_text="(24 orders)").wait_for()
    page.get_by_test_id("orders-driver").select_option(index=1)
    driver_id = page.get_by_test_id("orders-driver").input_value()
    expected = demo_server.dispatcher_session().get(
        f"{demo_server.url}/api/v1/dispatch/orders?driver_id={driver_id}", timeout=10).json()["total"]
    assert 0 < expected
    page.get_by_test_id("orders-apply").click()
    page.get_by_test_id("orders-total").filter(has_text=f"({expected} order").wait_for()
    driver_name = page.get_by_test_id("orders-driver").locator("option:checked").inner_text()
    shown = rows(page).count()
    assert shown == expected
    for index in range(shown):
        assert rows(page).nth(index).locator("td").nth(7).inner_text().startswith(driver_name)

    href = page.get_by_test_id("orders-export").get_attribute("href")
    assert "driver_id=" in href and "page=" not in href
    exported = page.request.get(href)
    assert exported.ok
    lines = list(csv.DictReader(io.StringIO(exported.text())))
    assert len(lines) == shown

    page.get_by_test_id("orders-status").get_by_label("Delivered", exact=True).check()
    page.get_by_test_id("orders-apply").click()
    page.get_by_test_id("orders-empty").wait_for()
    page.screenshot(path=str(SHOTS / "orders-empty.png"))


def test_create_an_order_in_the_form_then_cancel_it_and_read_its_timeline(console, demo_server):
    page = console
    page.get_by_test_id("order-new").click()
    dialog = page.get_by_test_id("order-form")
    assert page.evaluate("document.activeElement.name") == "external_ref"
    dialog.get_by_label("Reference").fill("DESK-1")
    dialog.get_by_label("Address", exact=True).fill("1 Rue Sainte-Catherine Est, Montréal")
    dialog.get_by_label("Window opens").fill("14:00")
    dialog.get_by_label("Window closes").fill("11:00")
    dialog.get_by_label("Recipient name").fill("Jeanne Roy")
    dialog.get_by_test_id("order-save").click()
    assert page.get_by_test_id("form-message").inner_text() == "Some fields need fixing."
    assert page.get_by_test_id("error-window_start").inner_text() == "The window must close after it opens."
    assert "Place the pin on the map" in page.get_by_test_id("error-lat").inner_text()
    assert page.evaluate("document.activeElement.name") == "lat"
    page.screenshot(path=str(SHOTS / "order-form-errors.png"))
    assert_accessible(page, "the order form with its errors")
    assert dialog.get_by_label("Recipient name").input_value() == "Jeanne Roy", "the typed values are kept"

    dialog.get_by_label("Window closes").fill("16:00")
    box = page.get_by_test_id("pin-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2)
    assert dialog.get_by_label("Latitude").input_value() != ""
    dialog.get_by_label("Phone").fill("not a phone")
    dialog.get_by_test_id("order-save").click()
    page.get_by_test_id("error-recipient_phone").wait_for()  # the server's error, next to its field
    page.screenshot(path=str(SHOTS / "order-form-server-error.png"))
    dialog.get_by_label("Phone").fill("+15145550123")
    dialog.get_by_test_id("order-save").click()
    page.get_by_test_id("notice").filter(has_text="Order DESK-1 created.").wait_for()
    page.get_by_test_id("orders-total").filter(has_text="(25 orders)").wait_for()

    page.get_by_test_id("orders-q").fill("DESK-1")
    page.get_by_test_id("orders-apply").click()
    page.get_by_test_id("orders-total").filter(has_text="(1 order)").wait_for()
    row = rows(page).first
    assert "14:00" in row.inner_text() and "To plan" in row.inner_text() and "Not on a route" in row.inner_text()
    row.get_by_role("button", name="Open").click()
    detail = page.get_by_test_id("order-detail")
    page.once("dialog", lambda d: d.accept("customer moved"))
    detail.get_by_test_id("order-cancel").click()
    detail.get_by_test_id("order-events").filter(has_text="Cancelled").wait_for()
    timeline = detail.get_by_test_id("order-events").inner_text()
    assert "Order created" in timeline and "→" not in timeline and "created" not in timeline.replace("Order created", "")
    page.screenshot(path=str(SHOTS / "order-timeline.png"))
    page.get_by_test_id("order-close").click()
    page.wait_for_function("() => document.querySelector('[data-testid=orders-table] tbody').textContent.includes('Cancelled')")


def test_move_a_selection_to_another_day_reports_the_orders_that_cannot_move(console, demo_server):
    page = console
    api = demo_server.dispatcher_session()
    day = (datetime.now(MONTREAL).date() + timedelta(days=1)).isoformat()
    created = api.post(f"{demo_server.url}/api/v1/orders", json={
        "external_ref": "LOOSE-1", "address": "5 Rue Ontario Est, Montréal", "lat": 45.51, "lon": -73.56,
        "delivery_date": day}, timeout=10)
    assert created.status_code in (200, 201), created.text
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_test_id("orders-total").filter(has_text="(25 orders)").wait_for()
    page.get_by_test_id("orders-q").fill("LOOSE-1")
    page.get_by_test_id("orders-apply").click()
    page.get_by_test_id("orders-total").filter(has_text="(1 order)").wait_for()
    page.get_by_label("Select order LOOSE-1").check()
    page.get_by_test_id("orders-q").fill("")
    page.get_by_test_id("orders-apply").click()
    page.get_by_test_id("orders-total").filter(has_text="(25 orders)").wait_for()
    planned = rows(page).filter(has_text="stop").first
    planned.locator("input[type=checkbox]").check()
    assert page.get_by_test_id("orders-bulk").inner_text().startswith("2 orders selected")
    target = (datetime.now(MONTREAL).date() + timedelta(days=4)).isoformat()
    page.get_by_test_id("bulk-day").fill(target)
    page.get_by_test_id("bulk-set-date").click()
    report = page.get_by_test_id("bulk-report")
    report.filter(has_text="1 changed, 1 could not change.").wait_for()
    assert "on a route" in report.inner_text()
    page.screenshot(path=str(SHOTS / "orders-bulk.png"))
    assert_accessible(page, "the bulk action report")
    moved = api.get(f"{demo_server.url}/api/v1/orders?external_ref=LOOSE-1").json()["items"][0]
    assert moved["delivery_date"] == target


@pytest.fixture
def worker_console(playwright_browser, published_demo_db, tmp_path):
    """The console on a server with the embedded job worker (imports run as jobs)."""
    import shutil

    from tests.e2e.conftest import DemoServer
    from tests.servers import ServerProcess

    instance = tmp_path / "worker-instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "1", "LOG_LEVEL": "WARNING"}
    with ServerProcess(env) as process:
        server = DemoServer(process, database)
        context = playwright_browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 950},
                                                 locale="en-CA", service_workers="block", accept_downloads=True)
        context.set_default_timeout(20000)
        context.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/dispatch")
        page.get_by_label("Email").fill(DISPATCHER[0])
        page.get_by_label("Password").fill(DISPATCHER[1])
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("connection").filter(has_text="Live").wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        yield page, server
        context.close()
        assert not errors, f"uncaught errors in the console: {errors}"


def test_a_file_with_its_own_column_names_is_matched_once_then_checked_line_by_line(worker_console, tmp_path):
    page, server = worker_console
    with page.expect_download() as download:
        page.get_by_test_id("import-template").click()
    template = Path(download.value.path()).read_text(encoding="utf-8")
    assert template.startswith("external_ref,address,lat,lon,")

    day = (datetime.now(MONTREAL).date() + timedelta(days=2)).isoformat()
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("Order No;Drop-off;Latitude;Longitude;Day;Customer\n"
                      f"T-1;1 Rue Rachel;45.52;-73.58;{day};Ana\n"
                      f"T-1;2 Rue Rachel;45.52;-73.58;{day};Bo\n"
                      f"T-3;;45.52;-73.58;{day};Cy\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(theirs))
    matching = page.get_by_test_id("column-matching")
    matching.get_by_test_id("matching-missing").filter(has_text="Still to choose: Address").wait_for()
    assert page.get_by_role("button", name="Check file").is_disabled()
    assert matching.get_by_label("Your column “Order No”").input_value() == "external_ref"  # guessed
    matching.get_by_label("Your column “Drop-off”").select_option("address")
    assert matching.get_by_test_id("matching-missing").count() == 0
    page.screenshot(path=str(SHOTS / "import-matching.png"), full_page=True)
    assert_accessible(page, "the CSV column matching")
    page.get_by_role("button", name="Check file").click()
    result = page.get_by_test_id("import-result")
    problems = result.get_by_test_id("import-problems")
    problems.wait_for()
    text = problems.inner_text()
    assert "Same reference as line 2." in text and "The address is empty: every order needs one." in text
    assert "No error" not in result.inner_text()
    lines = [row.locator("td").first.inner_text() for row in problems.locator("tbody tr").all()]
    assert lines == ["3", "4"]
    page.screenshot(path=str(SHOTS / "import-problems.png"), full_page=True)

    # The organization's matching is remembered: the next file with these names needs no step.
    saved = server.dispatcher_session().get(f"{server.url}/api/v1/orders/import/columns", timeout=10).json()
    assert saved["columns"]["drop-off"] == "address"
    page.reload()
    page.get_by_test_id("connection").filter(has_text="Live").wait_for()
    page.get_by_label("CSV file").set_input_files(str(theirs))
    page.get_by_test_id("column-matching").get_by_text("Using the column matching saved").wait_for()
    assert page.get_by_test_id("matching-missing").count() == 0


def test_a_refused_file_says_only_why(worker_console, tmp_path):
    page, _ = worker_console
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"external_ref,address\nA-1,1 Rue\x00 Rachel\n")
    page.get_by_label("CSV file").set_input_files(str(binary))
    page.get_by_role("button", name="Check file").click()
    result = page.get_by_test_id("import-result")
    result.get_by_text("The file cannot be imported").wait_for()
    assert "NUL character" in result.inner_text() and "No error" not in result.inner_text()
    assert result.get_by_role("button", name="Import").count() == 0


def test_an_urgent_order_goes_from_the_form_to_its_suggested_insertion(console, demo_server):
    page = console
    page.get_by_test_id("order-new").click()
    dialog = page.get_by_test_id("order-form")
    dialog.get_by_label("Reference").fill("URGENT-1")
    dialog.get_by_label("Address", exact=True).fill("900 Boulevard Décarie, Saint-Laurent")
    dialog.get_by_label("Latitude").fill("45.5080")
    dialog.get_by_label("Longitude").fill("-73.6800")
    dialog.get_by_label("Window opens").fill("15:00")
    dialog.get_by_label("Window closes").fill("19:00")
    dialog.get_by_test_id("order-urgent").check()
    dialog.get_by_test_id("order-save").click()
    review = page.get_by_test_id("change-review")
    review.wait_for()
    assert "URGENT-1" in review.inner_text()
    assert page.get_by_role("tab", name="Plan").get_attribute("aria-selected") == "true"
    page.screenshot(path=str(SHOTS / "urgent-insertion.png"))


def test_the_orders_tab_and_a_timeline_in_french(console):
    page = console
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("heading", name="Toutes les commandes").wait_for()
    assert "Envoyée au chauffeur" in page.get_by_test_id("orders-table").inner_text()
    page.locator("[data-testid=orders-table] tbody tr").first.get_by_role("button", name="Ouvrir").click()
    timeline = page.get_by_test_id("order-events").inner_text()
    assert "Commande créée" in timeline and "→" not in timeline and "dispatched" not in timeline
    page.screenshot(path=str(SHOTS / "orders-fr.png"))


def test_several_statuses_are_kept_in_the_address_and_a_bulk_cancel_asks_in_the_console(console, demo_server):
    page = console
    statuses = page.get_by_test_id("orders-status")
    statuses.get_by_label("Sent to driver").check()
    statuses.get_by_label("Planned", exact=True).check()
    page.get_by_test_id("orders-apply").click()
    page.wait_for_url(re.compile(r"o\.status=(dispatched%2Cplanned|planned%2Cdispatched)"))
    page.wait_for_function("() => document.querySelector('[data-testid=orders-table]')?.getAttribute('aria-busy') === 'false'")
    shown = {rows(page).nth(i).locator("td").nth(6).inner_text() for i in range(rows(page).count())}
    assert shown and shown <= {"Sent to driver", "Planned"}, shown
    filtered_total = total(page)

    # A reload (or the link) shows the same orders; the next visit without the address remembers them too.
    page.reload()
    page.get_by_role("tab", name="Orders").click()
    page.get_by_test_id("orders-table").wait_for()
    assert page.get_by_test_id("orders-status").get_by_label("Planned", exact=True).is_checked()
    assert page.get_by_test_id("orders-status").get_by_label("Sent to driver").is_checked()
    assert not page.get_by_test_id("orders-status").get_by_label("Delivered", exact=True).is_checked()
    page.wait_for_function(f"() => document.querySelector('[data-testid=orders-total]')?.textContent.includes({filtered_total!r})")
    page.goto("/dispatch")
    page.get_by_role("tab", name="Orders").click()
    page.get_by_test_id("orders-table").wait_for()
    assert page.get_by_test_id("orders-status").get_by_label("Planned", exact=True).is_checked()

    # Bulk cancel: the console's own question, which Escape or "Keep them" leaves without cancelling anything.
    page.on("dialog", lambda dialog: (_ for _ in ()).throw(AssertionError("no browser dialog is expected")))
    first = rows(page).first
    reference = first.locator("td").nth(1).inner_text()
    first.locator("input[type=checkbox]").check()
    page.get_by_test_id("bulk-cancel").click()
    ask = page.get_by_test_id("bulk-cancel-ask")
    ask.get_by_role("heading", name="Cancel 1 order?").wait_for()
    assert page.evaluate("document.activeElement.dataset.testid") == "bulk-cancel-confirm"
    assert_accessible(page, "the bulk cancel question")
    page.screenshot(path=str(SHOTS / "orders-bulk-cancel-ask.png"))
    page.keyboard.press("Escape")
    assert ask.count() == 0
    page.get_by_test_id("bulk-cancel").click()
    page.get_by_test_id("bulk-cancel-keep").click()
    assert ask.count() == 0
    assert demo_server.dispatcher_session().get(f"{demo_server.url}/api/v1/orders?q={reference}", timeout=10) \
        .json()["items"][0]["status"] != "cancelled"
    page.get_by_test_id("bulk-cancel").click()
    page.get_by_test_id("bulk-cancel-confirm").click()
    page.get_by_test_id("bulk-report").wait_for()
    order = demo_server.dispatcher_session().get(f"{demo_server.url}/api/v1/orders?q={reference}", timeout=10).json()["items"][0]
    assert order["status"] == "cancelled"
