"""Email invitations in a real browser (issue #16, item 2): the admin invites a dispatcher, the email reaches a
local SMTP stand-in, the invitee opens its link, chooses a password and lands in the console; without email on
the server the link is shown once to hand over, and a revoked link says so."""
from __future__ import annotations

import re

from tests.e2e.axe import assert_accessible
from tests.e2e.test_admin_messages import message_server, page, stand_ins  # noqa: F401  (fixtures)
from tests.e2e.test_admin_screens import ADMIN, _log_in, _shot


def _invite(page, name: str, email: str, *, role: str = "Dispatcher", language: str = "English") -> None:
    page.get_by_role("link", name="Users and roles").click()
    form = page.locator("#invite-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_label("Language").select_option(label=language)
    page.get_by_role("button", name="Send the invitation").click()


def test_an_invited_dispatcher_chooses_a_password_from_the_email_and_lands_in_the_console(
        page, message_server, stand_ins, playwright_browser):
    _, smtp, _ = stand_ins
    _log_in(page, *ADMIN)
    page.get_by_role("link", name="Users and roles").click()
    page.get_by_role("button", name="Send the invitation").click()
    page.locator("#invite-form-email-error").wait_for()  # required fields say so beside them
    _invite(page, "Lou Martin", "admin@demo.lastmile.test")
    page.locator("#invite-form-email-error").filter(has_text="Another account uses this email.").wait_for()
    assert page.locator("#invite-form").get_by_label("Name").input_value() == "Lou Martin", "the typed name is kept"
    page.locator("#invite-form").get_by_label("Email").fill("lou@example.test")
    page.locator("#invite-form").get_by_label("Language").select_option(label="Français")
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_role("status").filter(has_text="Invitation emailed to lou@example.test.").wait_for()
    row = page.get_by_test_id("invitations-table").locator("tr").filter(has_text="lou@example.test")
    row.get_by_text("Waiting (link valid until").wait_for()
    _shot(page, "invitation-sent")
    assert_accessible(page, "the users screen with an invitation")

    page.wait_for_function("() => true")
    for _ in range(100):
        if smtp.messages:
            break
        page.wait_for_timeout(100)
    [mail] = smtp.messages
    assert mail["envelope"]["to"] == ["lou@example.test"]
    link = re.search(r"(http\S+#invitation=[\w-]+)", mail["message"].get_content()).group(1)
    path = link.split("/", 3)[3]

    invitee = playwright_browser.new_context(base_url=message_server.url, locale="en-CA", service_workers="block")
    try:
        other = invitee.new_page()
        other.goto(f"/{path}")
        # The invitation was written in French: the page speaks it.
        other.get_by_role("heading", name="Rejoignez votre équipe").wait_for()
        other.get_by_text("vous invite comme répartiteur. Votre identifiant est lou@example.test").wait_for()
        assert other.get_by_label("Votre nom").input_value() == "Lou Martin"
        other.get_by_label("Mot de passe", exact=True).fill("a long password")
        other.get_by_label("Mot de passe à nouveau").fill("a different one")
        other.get_by_role("button", name="Rejoindre et me connecter").click()
        other.locator("#invitation-confirm-error").filter(has_text="Les deux mots de passe diffèrent.").wait_for()
        _shot(other, "invitation-accept-error")
        assert_accessible(other, "the invitation form with an error")
        other.get_by_label("Mot de passe à nouveau").fill("a long password")
        other.get_by_role("button", name="Rejoindre et me connecter").click()
        other.wait_for_url("**/dispatch**")
        me = other.evaluate("() => fetch('/api/v1/auth/me').then((r) => r.json())")
        assert me["user"]["email"] == "lou@example.test" and me["user"]["role"] == "dispatcher"
        # The link worked once.
        again = invitee.new_page()
        again.goto(f"/{path}")
        again.get_by_role("alert").filter(has_text=re.compile("does not work|ne fonctionne pas")).wait_for()
    finally:
        invitee.close()
    page.reload()
    page.get_by_test_id("invitations-table").locator("tr").filter(has_text="lou@example.test").get_by_text("Accepted").wait_for()


def test_without_email_the_link_is_shown_once_and_a_revoked_link_says_so(playwright_browser, tmp_path,
                                                                          published_demo_db, demo_server):
    page = playwright_browser.new_context(base_url=demo_server.url, locale="en-CA", service_workers="block").new_page()
    _log_in(page, *ADMIN)
    _invite(page, "Sam Roy", "sam@example.test", role="Admin")
    page.get_by_role("status").filter(has_text="Email is not configured on this server").wait_for()
    link = page.get_by_label("Invitation link").input_value()
    assert "#invitation=" in link
    _shot(page, "invitation-link-once")
    assert_accessible(page, "the invitation link shown once")
    page.get_by_role("button", name="I have sent it").click()
    assert page.get_by_label("Invitation link").count() == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the invitation of sam@example.test").click()
    page.get_by_role("status").filter(has_text="The invitation of sam@example.test is revoked.").wait_for()
    page.get_by_test_id("invitations-table").get_by_text("Revoked").wait_for()

    invitee = playwright_browser.new_context(base_url=demo_server.url, locale="en-CA", service_workers="block")
    try:
        other = invitee.new_page()
        other.goto("/" + link.split("/", 3)[3])
        other.get_by_role("alert").filter(has_text="This invitation link does not work").wait_for()
        assert other.get_by_label("Password").count() == 0
    finally:
        invitee.close()
    page.context.close()
