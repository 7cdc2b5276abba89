"""The admin screens and the first run, used in a real browser as an admin would (issue #16, items 1 and 2).

Each main path is checked with axe-core (no serious or critical violation) and by keyboard where it matters;
errors show beside their field and keep what was typed.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
import requests

from tests.e2e.axe import assert_accessible
from tests.servers import ServerProcess, migrate

ADMIN = ("admin@demo.lastmile.test", "lastmile-demo")
SHOTS = None  # set LASTMILE_SHOTS=/some/folder to keep screenshots for a look


def _shot(page, name: str) -> None:
    import os

    folder = os.environ.get("LASTMILE_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def browser_page(playwright_browser):
    pages, errors = [], []

    def open_page(base_url: str, language: str = "en-CA"):
        context = playwright_browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                                 locale=language, service_workers="block")
        context.set_default_timeout(15000)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        pages.append(context)
        return page

    yield open_page
    for context in pages:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def empty_server(tmp_path, chromium_path):
    """A migrated installation without any organization."""
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'lastmile.db'}"
    migrate(url, instance)
    with ServerProcess({"INSTANCE_PATH": str(instance), "DATABASE_URL": url, "REDIS_URL": None,
                        "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING"}) as server:
        yield server


def _log_in(page, login: str, password: str, *, french: bool = False) -> None:
    page.goto("/admin")
    page.get_by_label("Courriel" if french else "Email").fill(login)
    page.get_by_label("Mot de passe" if french else "Password").fill(password)
    page.get_by_role("button", name="Se connecter" if french else "Log in").click()


def test_first_run_signs_up_the_first_admin_with_the_setup_code_from_the_log(empty_server, browser_page):
    page = browser_page(empty_server.url)
    page.goto("/")
    for name in ("Dispatch console", "Driver app", "Administration", "API documentation"):
        page.get_by_role("link", name=re.compile(name)).wait_for()
    assert page.get_by_role("link", name=re.compile("API documentation")).get_attribute("href") == "/api/docs"
    page.get_by_role("heading", name="Set up this installation").wait_for()
    assert_accessible(page, "the landing page with the sign-up")

    page.get_by_label("Organization name").fill("Vélo Express")
    page.get_by_label("Your name").fill("Noor Admin")
    page.get_by_label("Your email").fill("noor@velo.test")
    page.get_by_label("Password").fill("a long password")
    page.get_by_label("Setup code").fill("WRONGCODE1")
    page.get_by_role("button", name="Create the organization").click()
    code_field = page.get_by_label("Setup code")
    page.locator("#signup-setup_code-error").filter(has_text="Wrong code").wait_for()
    assert code_field.get_attribute("aria-invalid") == "true"
    assert page.evaluate("() => document.activeElement.id") == "signup-setup_code", "the field in error gets the focus"
    assert page.get_by_label("Organization name").input_value() == "Vélo Express", "what was typed is kept"
    _shot(page, "first-run-wrong-code")
    assert_accessible(page, "the sign-up with an error")

    code = re.search(r"setup code (\w+)", empty_server.output()).group(1)
    code_field.fill(code)
    page.get_by_role("button", name="Create the organization").click()
    page.wait_for_url("**/admin#setup")
    page.get_by_role("heading", name="5 of 5 steps left before your first day").wait_for()
    assert page.get_by_test_id("checklist").locator("li").count() == 5
    _shot(page, "first-run-checklist")
    assert_accessible(page, "the setup checklist")
    assert requests.get(f"{empty_server.url}/api/v1/setup", timeout=5).json() == {"needs_first_organization": False}

    # Keyboard: the checklist's first step opens the depot screen.
    page.get_by_role("link", name="Start", exact=True).first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Depots", level=1).wait_for()
    page.get_by_role("button", name="Add a depot").click()
    page.get_by_label("Name", exact=True).fill("Hub")
    page.get_by_label("Latitude").fill("48.8566")
    page.get_by_label("Longitude").fill("2.3522")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Monday").fill("08:00-12:00, 13:00-18:00")
    page.get_by_role("button", name="Add a depot").last.click()
    page.get_by_role("status").filter(has_text="Saved: Hub.").wait_for()
    page.goto("/admin#setup")
    page.get_by_role("heading", name="4 of 5 steps left before your first day").wait_for()


def test_the_landing_page_offers_no_sign_up_once_an_organization_exists(demo_server, browser_page):
    page = browser_page(demo_server.url, "fr-CA")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Console de répartition")).wait_for()
    assert page.get_by_role("heading", name="Configurer cette installation").count() == 0
    assert_accessible(page, "the landing page")


def test_an_admin_adds_a_driver_fixes_a_refused_phone_and_resets_the_pin(demo_server, browser_page):
    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Drivers").click()
    page.get_by_test_id("drivers-table").wait_for()
    page.get_by_role("button", name="Add a driver").click()
    page.get_by_label("Name", exact=True).fill("Sam Courier")
    page.get_by_label("Phone").fill("12")
    page.get_by_label("PIN", exact=True).fill("8642")
    page.get_by_label("Works from").fill("07:30")
    page.get_by_label("Skills").fill("fridge, heavy")
    page.get_by_role("button", name="Add a driver").last.click()
    error = page.locator("#drivers-form-phone-error")
    error.wait_for()
    assert "phone" in error.inner_text().lower()
    assert page.get_by_label("Phone").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Skills").input_value() == "fridge, heavy", "a refused save keeps every edit"
    _shot(page, "driver-refused-phone")
    assert_accessible(page, "the driver form with an error")

    page.get_by_label("Phone").fill("(514) 555-0177")
    page.get_by_role("button", name="Add a driver").last.click()
    page.get_by_role("status").filter(has_text="Saved: Sam Courier.").wait_for()
    row = page.get_by_test_id("drivers-table").get_by_role("row").filter(has_text="Sam Courier")
    assert "07:30–18:00" in row.inner_text() and "fridge, heavy" in row.inner_text()
    driver = requests.post(f"{demo_server.url}/api/v1/auth/login", json={"login": "+15145550177", "password": "8642"},
                           timeout=10)
    assert driver.status_code == 200 and driver.json()["user"]["role"] == "driver"

    # Reset the PIN: the old one stops working, the old session too.
    old_session = demo_server.session("+15145550177", "8642")
    page.get_by_label("New PIN").fill("12")
    page.get_by_role("button", name="Reset PIN").click()
    page.locator("#reset-pin-error").filter(has_text="4 to 8 digits").wait_for()
    page.get_by_label("New PIN").fill("97531")
    page.get_by_role("button", name="Reset PIN").click()
    page.get_by_role("status").filter(has_text="New PIN set for Sam Courier").wait_for()
    assert old_session.get(f"{demo_server.url}/api/v1/auth/me", timeout=10).status_code == 401
    assert demo_server.session("+15145550177", "97531").get(f"{demo_server.url}/api/v1/auth/me").status_code == 200
    _shot(page, "driver-saved")
    assert_accessible(page, "the driver editor")


def test_vehicle_costs_are_typed_in_currency_and_stored_in_cents_in_french(demo_server, browser_page):
    page = browser_page(demo_server.url, "fr-CA")
    _log_in(page, *ADMIN, french=True)  # a French browser gets the French screens until a language is picked
    page.get_by_role("link", name="Véhicules").click()
    page.get_by_role("button", name="Ajouter un véhicule").click()
    page.get_by_label("Nom", exact=True).fill("Vélo cargo 7")
    page.get_by_label("Type").select_option("cargo_bike")
    page.get_by_label("Coût par km (CAD)").fill("0,35")
    page.get_by_label("Capacité, poids (kg)").fill("-4")
    page.get_by_role("button", name="Ajouter un véhicule").last.click()
    page.locator("#vehicles-form-capacity_weight_kg-error").filter(has_text="Au moins 0").wait_for()
    page.get_by_label("Capacité, poids (kg)").fill("120")
    page.get_by_label("Émissions de CO₂ (g/km)").fill("0")
    page.get_by_role("button", name="Ajouter un véhicule").last.click()
    page.get_by_role("status").filter(has_text="Enregistré : Vélo cargo 7.").wait_for()
    _shot(page, "vehicle-saved-fr")
    assert_accessible(page, "the vehicle screen in French")
    admin = demo_server.session(*ADMIN)
    vehicles = admin.get(f"{demo_server.url}/api/v1/vehicles?per_page=500", timeout=10).json()["items"]
    saved = next(v for v in vehicles if v["name"] == "Vélo cargo 7")
    assert (saved["cost_per_km_cents"], saved["capacity_weight_kg"], saved["profile"]) == (35, 120, "cargo_bike")
    # The saved amount reads back as French writes it, and a point typed instead of a comma is read too.
    assert page.get_by_label("Coût par km (CAD)").input_value() == "0,35"
    page.get_by_label("Coût par km (CAD)").fill("0.40")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_label("Coût par km (CAD)")).to_have_value("0,40")  # the saved value, written back
    vehicles = admin.get(f"{demo_server.url}/api/v1/vehicles?per_page=500", timeout=10).json()["items"]
    assert next(v for v in vehicles if v["name"] == "Vélo cargo 7")["cost_per_km_cents"] == 40


def test_deactivating_a_user_ends_their_sessions_and_unsaved_edits_are_not_dropped(demo_server, browser_page):
    dispatcher = demo_server.dispatcher_session()
    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Users and roles").click()
    page.get_by_test_id("users-table").get_by_role("button", name="Edit Dominique Dispatch").click()
    editor = page.locator("#users-form")  # the invitation form below has a Name too
    editor.get_by_label("Name", exact=True).fill("Dominique D.")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Leave unsaved changes?" -> no
    page.get_by_role("link", name="Vehicles").click()
    assert editor.get_by_label("Name", exact=True).input_value() == "Dominique D.", "the edit is still there"
    page.wait_for_url("**/admin#users")
    page.once("dialog", lambda dialog: dialog.accept())  # "Deactivate Dominique Dispatch?" -> yes
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("status").filter(has_text="logged out everywhere").wait_for()
    assert dispatcher.get(f"{demo_server.url}/api/v1/auth/me", timeout=10).status_code == 401
    _shot(page, "users")
    assert_accessible(page, "the users screen")


def test_dispatchers_are_refused_the_admin_screens(demo_server, browser_page):
    page = browser_page(demo_server.url)
    _log_in(page, "dispatch@demo.lastmile.test", "lastmile-demo")
    page.get_by_role("alert").filter(has_text="These screens are for admins").wait_for()
    assert page.get_by_role("link", name="Drivers").count() == 0
    assert_accessible(page, "the refusal")
    dispatcher = demo_server.dispatcher_session()
    assert dispatcher.get(f"{demo_server.url}/api/v1/users", timeout=10).status_code == 403
    assert dispatcher.get(f"{demo_server.url}/api/v1/setup/checklist", timeout=10).status_code == 403


def test_an_api_key_is_shown_once_works_and_stops_when_revoked(demo_server, browser_page):
    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Create an API key").click()
    page.locator("#key-form-name-error").filter(has_text="Required.").wait_for()
    page.get_by_label("What it is for").fill("Shop orders")
    page.get_by_role("button", name="Create an API key").click()
    secret = page.get_by_label("The new key").input_value()
    assert secret.startswith("lm_")
    _shot(page, "api-key-created")
    assert_accessible(page, "the API keys screen with a new key")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert requests.get(f"{demo_server.url}/api/v1/vehicles", headers=bearer, timeout=10).status_code == 200
    page.get_by_role("button", name="I have stored it").click()
    assert page.get_by_label("The new key").count() == 0, "the secret is not shown again"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke Shop orders").click()
    page.get_by_role("status").filter(has_text='The key "Shop orders" is revoked.').wait_for()
    assert requests.get(f"{demo_server.url}/api/v1/vehicles", headers=bearer, timeout=10).status_code == 401


def test_branding_and_quiet_hours_reach_the_tracking_page(demo_server, browser_page, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (600, 200), (21, 101, 192)).save(logo)
    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Organization").click()
    page.get_by_label("Name shown to customers").fill("Montréal Express")
    page.get_by_label("Brand colour").fill("#ffeb3b")
    page.get_by_label("Quiet hours", exact=True).select_option("custom")
    page.get_by_label("Quiet from").fill("21:30")
    page.get_by_label("Quiet until").fill("07:15")
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_role("img", name="Your logo").wait_for()
    page.get_by_role("button", name="Save changes").click()
    page.locator("#org-form-colour-error").filter(has_text="Too light to read on white").wait_for()
    assert page.get_by_label("Quiet from").input_value() == "21:30", "a refused save keeps every edit"
    page.get_by_label("Brand colour").fill("#1565c0")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("status").filter(has_text="Saved: Montréal Express.").wait_for()
    _shot(page, "organization")
    assert_accessible(page, "the organization screen")

    admin = demo_server.session(*ADMIN)
    settings = admin.get(f"{demo_server.url}/api/v1/organization/settings", timeout=10).json()
    assert (settings["name"], settings["colour"], settings["quiet_hours"]) == ("Montréal Express", "#1565c0", "21:30-07:15")
    order = admin.get(f"{demo_server.url}/api/v1/orders?per_page=1", timeout=10).json()["items"][0]
    token = admin.get(f"{demo_server.url}/api/v1/orders/{order['id']}", timeout=10).json()["tracking_token"]
    customer = browser_page(demo_server.url)
    customer.goto(f"/t/{token}")
    customer.get_by_text("Delivery from Montréal Express").wait_for()
    customer.get_by_role("img", name="Montréal Express").wait_for()
    brand = customer.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
    assert brand == "#1565c0"
    _shot(customer, "tracking-branded")


def test_a_customer_message_is_worded_with_a_live_preview_and_its_sms_cost(demo_server, browser_page):
    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Customer messages").click()
    page.get_by_role("button", name="Edit Out for delivery (en)").click()
    body = page.get_by_label("Text", exact=True)
    body.fill("Hi {first_name}, {org_name} arrives around {eta}: {tracking_url} {oops}")
    preview = page.get_by_test_id("template-preview")
    assert "Hi Camille, Lastmile Demo — Montréal arrives around 10:40 AM" in preview.inner_text()
    page.get_by_role("button", name="Save changes").click()
    page.locator("#template-form-body-error").filter(has_text="Unknown placeholder {oops}").wait_for()
    assert body.input_value().endswith("{oops}"), "the refused text is kept"
    body.fill("Hi {first_name}, your parcel from {org_name} arrives around {eta}. Follow it: {tracking_url}")
    segments = page.get_by_test_id("segments")
    assert segments.inner_text().startswith("2 SMS segments"), "the org's name has an em dash: UCS-2, 70 a segment"
    body.fill("Hi {first_name}, arriving around {eta}: {tracking_url}")
    assert segments.inner_text().startswith("1 SMS segment ")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("status").filter(has_text="The message is saved").wait_for()
    _shot(page, "templates")
    assert_accessible(page, "the message templates")
    admin = demo_server.session(*ADMIN)
    saved = next(t for t in admin.get(f"{demo_server.url}/api/v1/notify/templates", timeout=10).json()
                 if t["kind"] == "out_for_delivery" and t["language"] == "en")
    assert saved["custom"] and saved["body"] == "Hi {first_name}, arriving around {eta}: {tracking_url}"
    page.get_by_role("button", name="Restore the built-in text").click()
    page.get_by_role("status").filter(has_text="The built-in text is back.").wait_for()
    # Every language customers are written in is listed by its own name and previewed with its own dates.
    kinds = {t["kind"] for t in admin.get(f"{demo_server.url}/api/v1/notify/templates", timeout=10).json()}
    assert len(kinds) >= 7
    for name in ("Español", "Português", "Deutsch"):
        assert page.get_by_test_id("templates-table").get_by_role("cell", name=name, exact=True).count() == len(kinds)
    # The list can show one language only.
    page.get_by_test_id("templates-language").select_option("fr")
    expect(page.get_by_test_id("templates-table").locator("tbody tr")).to_have_count(len(kinds))
    assert page.get_by_test_id("templates-table").get_by_role("cell", name="Deutsch", exact=True).count() == 0
    page.get_by_test_id("templates-language").select_option("")
    page.get_by_role("button", name="Edit Out for delivery (de)").click()
    page.get_by_role("heading", name="Out for delivery — Deutsch").wait_for()
    assert ("Hallo Camille, Ihre Lieferung von Lastmile Demo — Montréal ist unterwegs und kommt am Montag, "
            "30. November, 10:00–12:00 Uhr.") in preview.inner_text()
    _shot(page, "templates-de")


def test_the_console_leads_admins_to_the_admin_screens_and_not_dispatchers(demo_server, browser_page):
    for login, sees_it in ((ADMIN[0], True), ("dispatch@demo.lastmile.test", False)):
        page = browser_page(demo_server.url)
        page.add_init_script("localStorage.setItem('lastmile.dispatch.language', 'en')")
        page.goto("/dispatch")
        page.get_by_label("Email").fill(login)
        page.get_by_label("Password").fill("lastmile-demo")
        page.get_by_role("button", name="Log in").click()
        page.get_by_test_id("connection").wait_for()
        assert page.get_by_role("link", name="Administration").count() == (1 if sees_it else 0), login
    page = browser_page(demo_server.url)
    page.goto("/")
    page.get_by_role("link", name=re.compile("Administration")).click()
    page.get_by_role("heading", name="Admin login").wait_for()


def test_a_webhook_shows_its_secret_once_and_its_delivery_log(demo_server, browser_page):
    from tests.support import order_payload

    page = browser_page(demo_server.url)
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("button", name="Add a webhook").click()
    page.get_by_label("Address (URL)").fill("not a url")
    page.get_by_label("Description").fill("Shop")
    page.get_by_role("button", name="Add a webhook").last.click()
    page.locator("#webhooks-form-url-error").wait_for()
    assert page.get_by_label("Description").input_value() == "Shop"
    page.get_by_label("Address (URL)").fill("https://hooks.example.test/lastmile")
    page.get_by_role("button", name="Add a webhook").last.click()
    secret = page.get_by_label("Signing secret").input_value()
    assert len(secret) > 20
    page.get_by_text("Nothing sent yet").wait_for()
    _shot(page, "webhook-created")
    assert_accessible(page, "the webhook screen")

    admin = demo_server.session(*ADMIN)
    created = admin.post(f"{demo_server.url}/api/v1/orders", json=order_payload("HOOK-1"), timeout=10)
    assert created.status_code == 201, created.text
    page.get_by_role("button", name="Refresh").click()
    page.get_by_test_id("deliveries-table").get_by_role("cell", name="order.created").wait_for()
    page.get_by_role("button", name="I have stored it").click()
    assert page.get_by_label("Signing secret").count() == 0
