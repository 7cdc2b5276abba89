"""Email invitations: a one-time link (emailed through the outbox to a local SMTP stand-in, or shown once when no
email is configured) with which the invitee chooses a password; resend replaces the link, revoke ends it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.notify.conftest import NOTIFY_TEST_CONFIG
from tests.notify.helpers import deliver
from tests.notify.standins import SmtpStandIn
from tests.conftest import base_config
from tests.support import Api, commit


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    return base_config(database_url, tmp_path / "instance", **NOTIFY_TEST_CONFIG)


@pytest.fixture
def smtp(app):
    with SmtpStandIn() as standin:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=standin.port, SMTP_FROM="Acme <no-reply@acme.test>")
        yield standin


def _token(link: str) -> str:
    return re.search(r"#invitation=([\w-]+)", link).group(1)


def test_an_emailed_invitation_lets_the_invitee_choose_a_password_once(app, org, admin, smtp):
    sent = admin.post("/api/v1/invitations", json={"name": "Lou Martin", "email": "Lou@Example.test",
                                                   "role": "dispatcher", "language": "fr"})
    assert sent.status_code == 201, sent.get_json()
    answer = sent.get_json()
    assert answer["emailed"] is True and answer["link"] is None, "an emailed link is never shown to the admin"
    assert answer["invitation"]["state"] == "open" and answer["invitation"]["email"] == "lou@example.test"
    deliver(app)
    [mail] = smtp.messages
    assert mail["envelope"]["to"] == ["lou@example.test"]
    assert mail["message"]["Subject"] == "Admin vous invite dans Acme Deliveries sur Lastmile"
    text = mail["message"].get_content()
    assert "comme répartiteur" in text and "https://track.example.test/#invitation=" in text
    token = _token(text)
    # Not a customer message: dispatchers never see the link in their message list.
    assert org.as_role("dispatcher").get("/api/v1/notifications").get_json()["total"] == 0

    invitee = Api(app)
    seen = invitee.post("/api/v1/invitations/preview", json={"token": token}).get_json()
    assert seen["organization"] == "Acme Deliveries" and seen["role"] == "dispatcher" and seen["name"] == "Lou Martin"
    short = invitee.post("/api/v1/invitations/accept", json={"token": token, "password": "short"})
    assert short.status_code == 422 and "password" in short.get_json()["fields"]
    accepted = invitee.post("/api/v1/invitations/accept", json={"token": token, "password": "a long password"})
    assert accepted.status_code == 201, accepted.get_json()
    session = accepted.get_json()
    assert session["user"]["role"] == "dispatcher" and session["user"]["language"] == "fr"
    invitee.csrf = session["csrf_token"]
    assert invitee.get("/api/v1/auth/me").get_json()["user"]["email"] == "lou@example.test"
    assert Api(app).login("lou@example.test", "a long password").status_code == 200

    again = Api(app).post("/api/v1/invitations/accept", json={"token": token, "password": "another password"})
    assert again.status_code == 404 and again.get_json()["code"] == "invitation_not_found"
    [listed] = admin.get("/api/v1/invitations").get_json()
    assert listed["state"] == "accepted"


def test_without_email_the_link_is_shown_once_and_resend_replaces_it(app, org, admin):
    sent = admin.post("/api/v1/invitations", json={"name": "Sam", "email": "sam@example.test", "role": "admin"})
    answer = sent.get_json()
    assert sent.status_code == 201 and answer["emailed"] is False
    first = _token(answer["link"])
    assert "link" not in str(admin.get("/api/v1/invitations").get_json()), "the link is never listed"
    resent = admin.post(f"/api/v1/invitations/{answer['invitation']['id']}/resend").get_json()
    second = _token(resent["link"])
    assert second != first and resent["invitation"]["sent_count"] == 2
    old = Api(app).post("/api/v1/invitations/preview", json={"token": first})
    assert old.status_code == 404, "a resend makes the older link stop working"
    assert Api(app).post("/api/v1/invitations/preview", json={"token": second}).status_code == 200

    duplicate = admin.post("/api/v1/invitations", json={"name": "Sam", "email": "sam@example.test"})
    assert duplicate.status_code == 409 and duplicate.get_json()["code"] == "already_invited"
    taken = admin.post("/api/v1/invitations", json={"name": "X", "email": org.emails["dispatcher"]})
    assert taken.status_code == 409 and "email" in taken.get_json()["fields"]

    revoked = admin.delete(f"/api/v1/invitations/{answer['invitation']['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    refused = Api(app).post("/api/v1/invitations/accept", json={"token": second, "password": "a long password"})
    assert refused.status_code == 404
    assert Api(app).login("sam@example.test", "a long password").status_code == 401


def test_an_expired_link_says_so(app, org, admin):
    from backend.extensions import db
    from backend.onboarding.models import Invitation

    answer = admin.post("/api/v1/invitations", json={"name": "Kim", "email": "kim@example.test"}).get_json()
    with app.app_context():
        invitation = db.session.get(Invitation, answer["invitation"]["id"])
        invitation.expires_at = invitation.expires_at - timedelta(days=8)
        commit()
    expired = Api(app).post("/api/v1/invitations/accept", json={"token": _token(answer["link"]),
                                                                "password": "a long password"})
    assert expired.status_code == 410 and expired.get_json()["code"] == "invitation_expired"
    assert admin.get("/api/v1/invitations").get_json()[0]["state"] == "expired"
    # A resend gives it seven more days.
    resent = admin.post(f"/api/v1/invitations/{answer['invitation']['id']}/resend").get_json()
    assert resent["invitation"]["state"] == "open"


def test_invitations_are_for_admins_of_their_own_organization(app, org, admin, other_org):
    answer = admin.post("/api/v1/invitations", json={"name": "Kim", "email": "kim@example.test"}).get_json()
    dispatcher = org.as_role("dispatcher")
    assert dispatcher.post("/api/v1/invitations", json={"name": "Eve", "email": "eve@example.test"}).status_code == 403
    assert dispatcher.get("/api/v1/invitations").status_code == 403
    assert other_org.as_role("admin").delete(f"/api/v1/invitations/{answer['invitation']['id']}").status_code == 404
    assert other_org.as_role("admin").get("/api/v1/invitations").get_json() == []
    bad = admin.post("/api/v1/invitations", json={"name": "", "email": "nope", "role": "driver"})
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"name", "email", "role"}
    forged = Api(app).post("/api/v1/invitations/preview", json={"token": "x" * 43})
    assert forged.status_code == 404


def test_one_link_accepted_twice_at_once_makes_one_account_and_a_clear_refusal(app, org, admin):
    import threading

    sent = admin.post("/api/v1/invitations", json={"name": "Ana", "email": "ana@example.test", "role": "dispatcher"})
    token = _token(sent.get_json()["link"])
    barrier, answers = threading.Barrier(2), []

    def accept():
        client = Api(app)
        barrier.wait()
        answer = client.post("/api/v1/invitations/accept", json={"token": token, "password": "a long password"})
        answers.append((answer.status_code, (answer.get_json() or {}).get("code")))

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [(201, None), (404, "invitation_not_found")], answers
    users = admin.get("/api/v1/users?per_page=100").get_json()["items"]
    assert [u["email"] for u in users].count("ana@example.test") == 1
