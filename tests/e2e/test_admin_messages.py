"""Messages an admin sends to check the installation, in a real browser against a real server whose providers
are local stand-ins (Twilio, an SMTP server, an integration's webhook endpoint): a test message to oneself
from the setup checklist, and a webhook's "Send test" shown in its delivery log (issue #16, item 1)."""
from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import assert_accessible
from tests.e2e.test_admin_screens import ADMIN, _log_in, _shot
from tests.notify.standins import SmtpStandIn, TwilioStandIn
from tests.notify.test_webhooks_and_api import Receiver
from tests.servers import ServerProcess

SID, TOKEN = "AC" + "3" * 32, "twilio-test-token"
ADMIN_PHONE = "+15145550777"


@pytest.fixture
def stand_ins():
    with TwilioStandIn(SID, TOKEN) as twilio, SmtpStandIn() as smtp, Receiver() as receiver:
        yield twilio, smtp, receiver


@pytest.fixture
def message_server(published_demo_db, tmp_path, stand_ins):
    """The demo day on a server with a job worker, texting through Twilio's stand-in and mailing through SMTP's."""
    from tests.e2e.conftest import DemoServer

    twilio, smtp, _ = stand_ins
    instance = tmp_path / "instance"
    instance.mkdir()
    database = instance / "lastmile.db"
    shutil.copy(published_demo_db, database)
    env = {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": None,
           "EMBEDDED_WORKER": "1", "LOG_LEVEL": "WARNING", "NOTIFY_QUIET_HOURS": "",
           "SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
           "TWILIO_FROM": "+15005550006", "TWILIO_BASE_URL": twilio.url,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_FROM": "Lastmile <no-reply@demo.test>",
           "OUTBOUND_ALLOW_HTTP": "1", "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"}
    with ServerProcess(env) as server:
        yield DemoServer(server, database)


@pytest.fixture
def page(playwright_browser, message_server):
    context = playwright_browser.new_context(base_url=message_server.url, viewport={"width": 1280, "height": 900},
                                             locale="en-CA", service_workers="block")
    context.set_default_timeout(20000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def _test_step(page):
    return page.get_by_test_id("checklist").locator("li").filter(has_text="Send a test message to yourself")


def test_an_admin_texts_and_emails_themself_and_the_checklist_step_is_ticked(page, message_server, stand_ins):
    twilio, smtp, _ = stand_ins
    _log_in(page, *ADMIN)
    page.get_by_role("heading", name="Test message").wait_for()
    step = _test_step(page)
    assert step.locator(".visually-hidden").inner_text() == "(to do)"
    # The admin has no phone yet: texts are not offered, and the screen says how to get them.
    page.get_by_text("Texts: add your mobile number to your user (Users) first.").wait_for()
    assert page.get_by_role("button", name=re.compile("Text my phone")).count() == 0
    assert_accessible(page, "the checklist with its test message")

    page.get_by_role("button", name="Email me (admin@demo.lastmile.test)").click()
    page.get_by_test_id("test-messages").get_by_text("accepted by the provider").wait_for()
    [mail] = smtp.messages
    assert mail["envelope"]["to"] == ["admin@demo.lastmile.test"]
    assert mail["message"]["Subject"] == "Lastmile test message"
    step.locator(".visually-hidden").filter(has_text="(done)").wait_for()
    page.get_by_text("A test reached you: this step is done.").wait_for()

    # With a phone on their user, the admin texts themself; Twilio's stand-in receives it.
    admin = message_server.session(*ADMIN)
    me = admin.get(f"{message_server.url}/api/v1/auth/me", timeout=10).json()["user"]
    changed = admin.patch(f"{message_server.url}/api/v1/users/{me['id']}", json={"phone": ADMIN_PHONE}, timeout=10)
    assert changed.status_code == 200, changed.text
    page.reload()
    page.get_by_role("button", name=f"Text my phone ({ADMIN_PHONE})").click()
    expect(page.get_by_test_id("test-messages").get_by_text("accepted by the provider")).to_have_count(2)
    [text] = twilio.accepted
    assert text["To"] == ADMIN_PHONE and "This is a test from Lastmile" in text["Body"]
    _shot(page, "checklist-test-message")
    assert_accessible(page, "the checklist after two tests")

    page.get_by_label("Language").select_option("fr")
    page.get_by_role("heading", name="Message d’essai").wait_for()
    page.get_by_role("button", name=f"Texto à mon téléphone ({ADMIN_PHONE})").wait_for()
    assert page.get_by_test_id("test-messages").get_by_text("accepté par le fournisseur").count() == 2
    _shot(page, "checklist-test-message-fr")


def test_a_provider_refusal_is_shown_with_its_reason_and_the_step_stays_to_do(page, message_server, stand_ins):
    twilio, _, _ = stand_ins
    admin = message_server.session(*ADMIN)
    me = admin.get(f"{message_server.url}/api/v1/auth/me", timeout=10).json()["user"]
    assert admin.patch(f"{message_server.url}/api/v1/users/{me['id']}", json={"phone": ADMIN_PHONE},
                       timeout=10).status_code == 200
    _log_in(page, *ADMIN)
    # The provider refuses the number (a permanent 4xx): the test fails at once, and the screen says why.
    original = twilio.handler
    twilio.handler = lambda record: (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, None)
    page.get_by_role("button", name=f"Text my phone ({ADMIN_PHONE})").click()
    row = page.get_by_test_id("test-messages").locator("tbody tr").first
    row.get_by_text("failed").wait_for()
    assert "Invalid 'To' Phone Number" in row.inner_text()
    assert _test_step(page).locator(".visually-hidden").inner_text() == "(to do)"
    twilio.handler = original


def test_send_test_posts_a_signed_event_that_shows_in_the_delivery_log(page, message_server, stand_ins):
    _, _, receiver = stand_ins
    admin = message_server.session(*ADMIN)
    hook = admin.post(f"{message_server.url}/api/v1/webhooks", timeout=10,
                      json={"url": receiver.url + "/lastmile", "description": "Shop", "event_types": ["order.rated"]})
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["secret"]
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("button", name="Edit Shop").click()
    page.get_by_role("button", name="Send test").click()
    page.get_by_role("status").filter(has_text="Test event queued").wait_for()
    log = page.get_by_test_id("deliveries-table")
    log.get_by_role("cell", name="webhook.test").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=deliveries-table] tbody td:nth-child(3)')"
                           "?.textContent.trim() === 'sent'")
    [received] = receiver.received
    assert received["event"] == "webhook.test" and receiver.bad_signatures == 0
    assert log.locator("tbody tr").first.locator("td").nth(3).inner_text().strip() == "200"
    _shot(page, "webhook-send-test")
    assert_accessible(page, "the webhook screen after a test")

    admin.patch(f"{message_server.url}/api/v1/webhooks/{hook.json()['id']}", json={"active": False}, timeout=10)
    page.reload()
    page.get_by_role("button", name="Edit Shop").click()
    page.get_by_role("button", name="Send test").click()
    page.get_by_role("alert").filter(has_text="Switch the webhook on to send it a test.").wait_for()
