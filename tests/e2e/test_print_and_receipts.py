"""Print and export in a real browser: the console's route card opens the route sheet, which shows the route as
the API has it (stops in order, barcodes) and prints; a delivered order's tracking page offers its receipt (PDF).

Screenshots of the sheet (screen and print media) and of the tracking page land in the test's tmp folder.
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.e2e.axe import assert_accessible
from tests.e2e.test_dispatch_console import desk  # noqa: F401  (the console fixture)
from tests.e2e.test_driver_outbox_refusals import other_drivers_route
from tests.e2e.test_tracking_page import DriverDay, live_server  # noqa: F401  (the server with a worker)

pytestmark = pytest.mark.browser


def test_the_console_opens_a_route_sheet_that_prints_every_stop_with_its_barcodes(desk, demo_server, driver_route,  # noqa: F811
                                                                                   tmp_path):
    page = desk(demo_server)
    card = page.locator(f"[data-testid=route-card][data-route-id='{driver_route['id']}']")
    with page.context.expect_page() as opened:
        card.get_by_test_id("print-sheet").click()
    sheet_page = opened.value
    sheet_page.wait_for_selector("#app[data-ready=true]")
    sheet = demo_server.dispatcher_session().get(f"{demo_server.url}/api/v1/routes/{driver_route['id']}/sheet",
                                                 timeout=10).json()
    facts = sheet_page.get_by_test_id("sheet-facts").inner_text()
    assert sheet["driver"]["name"] in facts and sheet["vehicle"]["name"] in facts
    assert sheet_page.get_by_role("heading", level=1).inner_text().startswith("Route sheet — ")
    rows = sheet_page.get_by_test_id("sheet-stop")
    ordered = sorted(driver_route["stops"], key=lambda stop: stop["sequence"])
    assert rows.count() == len(ordered)
    for index in (0, len(ordered) - 1):
        row = rows.nth(index)
        assert row.get_attribute("data-order-id") == str(ordered[index]["order"]["id"])
        text = row.inner_text()
        assert ordered[index]["order"]["address"] in text and str(ordered[index]["sequence"]) in text
    first = sheet["stops"][0]
    barcode = rows.nth(0).locator("svg[role=img]").first
    assert barcode.get_attribute("aria-label") == first["barcodes"][0]["value"]
    assert barcode.locator("path").get_attribute("d") == first["barcodes"][0]["path"]
    assert barcode.get_attribute("viewBox") == f"0 0 {first['barcodes'][0]['width']} {first['barcodes'][0]['height']}"
    assert barcode.bounding_box()["width"] > 80  # drawn wide enough to scan, not collapsed
    assert_accessible(sheet_page, "the route sheet")
    sheet_page.screenshot(path=str(tmp_path / "route-sheet-screen.png"), full_page=True)

    sheet_page.emulate_media(media="print")
    assert not sheet_page.get_by_test_id("print").is_visible()  # the button stays off the paper
    sheet_page.screenshot(path=str(tmp_path / "route-sheet-print.png"), full_page=True)
    pdf = sheet_page.pdf(format="A4")  # what the browser's own "Save as PDF" makes of it
    printed = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    (tmp_path / "route-sheet-a4.pdf").write_bytes(pdf)
    assert ordered[0]["order"]["external_ref"] in printed and ordered[-1]["order"]["external_ref"] in printed
    assert printed.count("Order DEMO-") == len(ordered)  # every stop on paper, none cut between pages
    assert "Prints on A4" not in printed  # the button and its hint stay off the paper
    print(f"screenshots: {tmp_path}")


def test_the_sheet_speaks_french_and_asks_a_stranger_to_log_in(playwright_browser, demo_server, driver_route):
    context = playwright_browser.new_context(base_url=demo_server.url, locale="en-CA", service_workers="block")
    page = context.new_page()
    page.goto(f"/print/routes/{driver_route['id']}?lang=fr")
    page.get_by_role("alert").filter(has_text="Connectez-vous").wait_for()
    assert page.get_by_role("link", name="Ouvrir la console").get_attribute("href") == "/dispatch"
    for cookie in demo_server.dispatcher_session().cookies:
        context.add_cookies([{"name": cookie.name, "value": cookie.value, "url": demo_server.url}])
    page.goto(f"/print/routes/{driver_route['id']}?lang=fr")
    page.wait_for_selector("#app[data-ready=true]")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Feuille de route — ")
    assert page.get_by_role("button", name="Imprimer").is_visible()
    assert page.get_by_role("columnheader", name="Créneau").is_visible()
    page.goto("/print/routes/999999?lang=fr")
    page.get_by_role("alert").filter(has_text="Tournée introuvable").wait_for()
    context.close()


def test_a_delivered_orders_tracking_page_offers_its_receipt(playwright_browser, live_server, tmp_path):  # noqa: F811
    day = DriverDay(live_server)
    day.start()
    stop = day.stops[0]
    token = day.token(stop, language="fr")
    day.deliver(stop, recipient="Voisin du 3e")
    context = playwright_browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 640},
                                             locale="fr-CA", service_workers="block", accept_downloads=True)
    page = context.new_page()
    page.goto(f"/t/{token}")
    link = page.get_by_test_id("receipt")
    link.wait_for()
    assert link.inner_text() == "Télécharger le reçu (PDF)"
    page.screenshot(path=str(tmp_path / "tracking-receipt.png"), full_page=True)
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename.startswith("receipt-") and download.suggested_filename.endswith(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert "Preuve de livraison" in text and "Voisin du 3e" in text and stop["order"]["address"] in text
    context.close()
    day.close()


def test_a_dispatcher_downloads_a_receipt_and_an_admin_has_it_ride_with_the_email(desk, playwright_browser,  # noqa: F811
                                                                                  demo_server, tmp_path):
    day = DriverDay(demo_server)
    day.start()
    stop = day.stops[0]
    day.deliver(stop, recipient="Concierge Lévesque")
    page = desk(demo_server)
    page.locator(f"li[data-order-id='{stop['order']['id']}'] .addr a").click()
    link = page.get_by_test_id("order-receipt")
    assert link.inner_text() == "Download the receipt (PDF)"
    with page.expect_download() as downloading:
        link.click()
    text = "\n".join(p.extract_text() for p in PdfReader(downloading.value.path()).pages)
    assert "Concierge Lévesque" in text and stop["order"]["external_ref"] in text
    day.close()

    context = playwright_browser.new_context(base_url=demo_server.url, viewport={"width": 1280, "height": 900},
                                             locale="fr-CA", service_workers="block")
    admin = context.new_page()
    admin.goto("/admin")
    admin.get_by_label("Courriel").fill("admin@demo.lastmile.test")
    admin.get_by_label("Mot de passe").fill("lastmile-demo")
    admin.get_by_role("button", name="Se connecter").click()
    admin.get_by_role("link", name="Organisation").click()
    box = admin.get_by_label("Joindre le reçu au courriel « livrée »")
    assert not box.is_checked()  # off until the organization asks for it
    box.check()
    admin.get_by_role("button", name="Enregistrer").click()
    admin.get_by_role("status").filter(has_text="Lastmile Demo").wait_for()
    admin.screenshot(path=str(tmp_path / "admin-receipt-setting.png"), full_page=True)
    assert_accessible(admin, "the organization screen")
    session = demo_server.session("admin@demo.lastmile.test", "lastmile-demo")
    assert session.get(f"{demo_server.url}/api/v1/organization/settings", timeout=10).json()["receipt_in_delivered_email"]
    context.close()


def test_print_all_puts_each_route_of_the_day_on_its_own_pages(desk, demo_server, driver_route, tmp_path):  # noqa: F811
    other_drivers_route(demo_server, demo_server.dispatcher_session(), driver_route)  # two routes at least
    page = desk(demo_server)
    cards = page.get_by_test_id("route-card")
    shown = [int(cards.nth(index).get_attribute("data-route-id")) for index in range(cards.count())]
    assert len(shown) >= 2
    button = page.get_by_test_id("print-all")
    assert button.inner_text() == f"Print all {len(shown)} route sheets"
    with page.context.expect_page() as opened:
        button.click()
    sheets_page = opened.value
    sheets_page.wait_for_selector("#app[data-ready=true]")
    sheets = sheets_page.get_by_test_id("sheet")
    assert [int(sheets.nth(i).get_attribute("data-route-id")) for i in range(sheets.count())] == shown
    assert sheets_page.get_by_test_id("print").count() == 1
    staff = demo_server.dispatcher_session()
    stops = [len(staff.get(f"{demo_server.url}/api/v1/routes/{route_id}/sheet", timeout=10).json()["stops"])
             for route_id in shown]
    assert sheets_page.get_by_test_id("sheet-stop").count() == sum(stops)
    assert_accessible(sheets_page, "the day's route sheets")
    sheets_page.emulate_media(media="print")
    pdf = sheets_page.pdf(format="Letter")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    starts = [index for index, text in enumerate(pages) if "Route sheet — " in text]
    assert len(starts) == len(shown) and starts[0] == 0  # each route begins a page of its own
    (tmp_path / "day-sheets-letter.pdf").write_bytes(pdf)


def test_a_pairs_pickup_is_marked_on_the_sheet(playwright_browser, demo_server, driver_route, tmp_path):
    from tests.orders.test_order_types import pair_payload

    staff = demo_server.dispatcher_session()
    day = driver_route["date"]
    payload = pair_payload("PAIR-E2E", delivery_date=day)
    for end in (payload, payload["pickup"]):
        for window in end["time_windows"]:
            for edge in ("start", "end"):
                window[edge] = day + window[edge][10:]  # the demo's day, same hours
    created = staff.post(f"{demo_server.url}/api/v1/orders", json=payload, timeout=10)
    assert created.status_code == 201, created.text
    route = staff.post(f"{demo_server.url}/api/v1/routes", timeout=10, json={  # a draft, no driver yet
        "date": day, "depot_id": driver_route["depot"]["id"], "order_ids": [created.json()["id"]]})
    assert route.status_code == 201, route.text
    route_id = route.json()["id"]
    context = playwright_browser.new_context(base_url=demo_server.url, locale="en-CA", service_workers="block")
    for cookie in staff.cookies:
        context.add_cookies([{"name": cookie.name, "value": cookie.value, "url": demo_server.url}])
    page = context.new_page()
    page.goto(f"/print/routes/{route_id}")
    page.wait_for_selector("#app[data-ready=true]")
    rows = page.get_by_test_id("sheet-stop")
    assert rows.count() == 2
    assert "Pickup: collect the parcels here" in rows.nth(0).text_content()  # shown in capitals (CSS)
    assert "200 Rue Sherbrooke Ouest" in rows.nth(0).inner_text() and "Sam Sender" in rows.nth(0).inner_text()
    assert "Pickup" not in rows.nth(1).text_content() and "4500 Rue Saint-Denis" in rows.nth(1).inner_text()
    page.screenshot(path=str(tmp_path / "pair-sheet.png"), full_page=True)
    context.close()
