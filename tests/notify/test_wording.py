"""Every message kind, in each language, reads as a whole sentence with realistic data at any time of day."""
from datetime import datetime, time, timedelta

import pytest

from backend.notify.models import MessageKind
from tests.notify.helpers import create_order
from tests.support import TZ, tomorrow

BROKEN = ("{", "}", "None", "  ", "for on", "pour le le", " ,", " .", "nan", "null")
GREETING = {"en": "Hi Camille,", "fr": "Bonjour Camille,"}
LATE = {"en": "later than your", "fr": "après votre créneau"}


def _render(app, order_id: int, kind: MessageKind, language: str, *, now: datetime, eta: datetime | None,
            reason: str | None = None):
    from backend.auth.models import Organization
    from backend.extensions import db
    from backend.notify.rendering import render_message
    from backend.orders.models import Order

    with app.app_context():
        order = db.session.get(Order, order_id)
        org = db.session.get(Organization, order.org_id)
        subject, body = render_message(order, org, kind, language, eta=eta, reason=reason, now=now)
        db.session.remove()
        return subject, body


def _assert_whole(text: str, language: str) -> None:
    for broken in BROKEN:
        assert broken not in text, f"{broken!r} in {text!r}"
    if language == "fr":  # the English words that leak into a French text when a value is not translated
        for english in (" AM", " PM", "soon", "today", "Track it", "later than"):
            assert english not in text, f"{english!r} in French text {text!r}"
    else:
        for french in ("bientôt", "aujourd'hui", "Suivi", " h 0", "créneau"):
            assert french not in text, f"{french!r} in English text {text!r}"


# Wording does not depend on the database: one backend is enough.
pytestmark = pytest.mark.sqlite_only


def test_every_kind_reads_whole_in_each_language_at_any_moment(app, dispatcher):
    window_start = datetime.combine(tomorrow(), time(9), TZ)
    window_end = window_start + timedelta(hours=2)
    moments = {"day_before": window_start - timedelta(hours=14), "in_window": window_start + timedelta(minutes=30),
               "after_window": window_end + timedelta(hours=2, minutes=10)}
    for language in ("en", "fr"):
        order = create_order(dispatcher, ref=f"ORD-{language}", language=language)
        for kind in MessageKind:
            for moment, now in moments.items():
                eta = now + timedelta(minutes=20)
                subject, body = _render(app, order["id"], kind, language, now=now, eta=eta, reason="not_home")
                _assert_whole(subject, language)
                _assert_whole(body, language)
                assert body.startswith(GREETING[language]), body
                assert f"/t/{order['tracking_token']}" in body
                assert "Acme" in subject or "acme" in subject.lower(), subject
                if kind in (MessageKind.scheduled, MessageKind.out_for_delivery):
                    # The window is a promise only while it is ahead; once over, it is told as missed.
                    assert (LATE[language] in body) == (moment == "after_window"), body
                if kind in (MessageKind.approaching, MessageKind.delayed):
                    assert (LATE[language] in body) == (eta > window_end), body


def test_a_late_stop_is_told_as_late_with_its_window(app, dispatcher):
    order = create_order(dispatcher, language="en", name="Sam Lee")
    window_start = datetime.combine(tomorrow(), time(10), TZ)
    eta = datetime.combine(tomorrow(), time(14, 30), TZ)
    # The order's own window is 9:00-11:00 (tests.support.order_payload).
    _, body = _render(app, order["id"], MessageKind.approaching, "en", now=window_start + timedelta(hours=4), eta=eta)
    assert "arriving around 2:30 PM, later than your 9:00 AM–11:00 AM window" in body
    _, body = _render(app, order["id"], MessageKind.approaching, "fr", now=window_start + timedelta(hours=4), eta=eta)
    assert "arrivée vers 14 h 30, après votre créneau 9 h 00 – 11 h 00" in body


def test_the_scheduled_text_names_the_day_without_a_stray_preposition(app, dispatcher):
    order = create_order(dispatcher, language="en", name="Sam Lee")
    day = tomorrow()
    now = datetime.combine(day, time(7), TZ) - timedelta(days=1)
    _, body = _render(app, order["id"], MessageKind.scheduled, "en", now=now, eta=None)
    assert f"is scheduled on {day.strftime('%A')}, {day.strftime('%B')} {day.day}, 9:00 AM–11:00 AM." in body
    _, body = _render(app, order["id"], MessageKind.scheduled, "fr", now=now, eta=None)
    assert "est prévue le " in body and "9 h 00 – 11 h 00" in body


def test_a_recipient_without_a_first_name_is_greeted_without_a_dangling_comma(app, dispatcher):
    order = create_order(dispatcher, language="en", name=" ")
    now = datetime.combine(tomorrow(), time(7), TZ)
    _, body = _render(app, order["id"], MessageKind.out_for_delivery, "en", now=now, eta=None)
    assert body.startswith("Hi, your ") and "  " not in body


def test_an_eta_on_another_day_names_the_day(app, dispatcher):
    order = create_order(dispatcher, language="en", name="Sam Lee")
    evening = datetime.combine(tomorrow(), time(23, 10), TZ)
    after_midnight = evening + timedelta(minutes=50)
    _, body = _render(app, order["id"], MessageKind.delayed, "en", now=evening, eta=after_midnight)
    assert "New estimate: 12:00 AM tomorrow, later than your 9:00 AM–11:00 AM window" in body, body
    _, body = _render(app, order["id"], MessageKind.delayed, "fr", now=evening, eta=after_midnight)
    assert "Nouvelle estimation : 0 h 00 demain, après votre créneau 9 h 00 – 11 h 00" in body, body
    _, body = _render(app, order["id"], MessageKind.approaching, "en", now=evening, eta=evening + timedelta(minutes=20))
    assert "arriving around 11:30 PM," in body and "tomorrow" not in body, body
