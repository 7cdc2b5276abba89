"""Every message kind, in each language, reads as a whole sentence with realistic data at any time of day."""
from datetime import datetime, time, timedelta

import pytest

from backend.notify import templates
from backend.notify.models import PICKUP_KINDS, MessageKind
from backend.validators import CUSTOMER_LANGUAGES
from backend.orders.enums import OrderStatus as S
from tests.notify.helpers import create_order, move, outbox
from tests.support import TZ, order_payload, tomorrow

BROKEN = ("{", "}", "None", "  ", "for on", "pour le le", " ,", " .", "nan", "null", "del el", " de de ", " am am ")
# Words that give each language away: none may turn up in a text written in another one (an untranslated value).
GIVEAWAYS = {"en": (" AM", " PM", "soon", "today", "Track it", "later than", "tomorrow"),
             "fr": ("bientôt", "aujourd'hui", "Suivi", " h 0", "créneau", "demain"),
             "es": ("pronto", "hoy,", "franja", "mañana", "Siga su"),
             "pt": ("em breve", "hoje", "janela", "amanhã", "Acompanhe"),
             "de": ("bald", "heute", "Zeitfenster", "morgen", "Uhr", "verfolgen")}
LATE = {"en": "later than your", "fr": "après votre créneau", "es": "después de su franja horaria",
        "pt": "após a sua janela de entrega", "de": "nach Ihrem Zeitfenster"}


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
    for other, words in GIVEAWAYS.items():
        for word in words if other != language else ():
            assert word not in text, f"{word!r} ({other}) in the {language} text {text!r}"


def _greeting(language: str) -> str:
    """"Hi Camille," — the built-in greeting of that language, filled."""
    return templates.DEFAULTS[MessageKind.scheduled.value][language][1].split("{first_name}")[0] + "Camille,"


# Wording does not depend on the database: one backend is enough.
pytestmark = pytest.mark.sqlite_only


def test_every_language_has_every_message_with_the_same_placeholders():
    assert templates.LANGUAGES[0] == "en" and len(set(templates.LANGUAGES)) == len(templates.LANGUAGES)
    # A language added to the wording must be added here too, or it would be checked by nothing below.
    assert set(GIVEAWAYS) == set(LATE) == set(templates.LANGUAGES) == set(templates.DATES)
    assert set(templates.DEFAULTS) == {kind.value for kind in MessageKind}
    assert set(CUSTOMER_LANGUAGES) == set(templates.LANGUAGES)  # an order may name each language we write in
    for kind, texts in templates.DEFAULTS.items():
        assert set(texts) == set(templates.LANGUAGES), kind
        english_subject, english_body = texts["en"]
        for language, (subject, body) in texts.items():
            for text, english in ((subject, english_subject), (body, english_body)):
                assert templates.check_template(text) == [], (kind, language, text)
                assert sorted(templates.placeholders_in(text)) == sorted(templates.placeholders_in(english)), \
                    f"{kind} in {language} does not use the placeholders the English one does: {text!r}"
    for reason, texts in templates.REASONS.items():
        assert set(texts) == set(templates.LANGUAGES) and all(texts.values()), reason


def test_a_recipient_is_written_to_in_the_base_of_their_language():
    assert [templates.language_of(tag) for tag in ("es-MX", "pt-BR", "pt_PT", "de-AT", "FR-ca", "de", "en-GB")] \
        == ["es", "pt", "pt", "de", "fr", "de", "en"]
    assert [templates.language_of(tag) for tag in ("it", "it-IT", "", None, "-")] == ["en"] * 5


def test_every_kind_reads_whole_in_each_language_at_any_moment(app, dispatcher):
    window_start = datetime.combine(tomorrow(), time(9), TZ)
    window_end = window_start + timedelta(hours=2)
    moments = {"day_before": window_start - timedelta(hours=14), "in_window": window_start + timedelta(minutes=30),
               "after_window": window_end + timedelta(hours=2, minutes=10)}
    for language in templates.LANGUAGES:
        order = create_order(dispatcher, ref=f"ORD-{language}", language=language)
        # The collection's messages go to the sender of a pickup-delivery order, about its pickup window.
        pair = dispatcher.post("/api/v1/orders", json=order_payload(
            f"PAIR-{language}", type="pickup_delivery", recipient=None, pickup={
                "address": "5333 Avenue Casgrain", "lat": 45.5275, "lon": -73.5955,
                "time_windows": [{"start": window_start.isoformat(), "end": window_end.isoformat()}],
                "contact": {"name": "Camille Tremblay", "phone": "+15145550998", "language": language}})).get_json()
        for kind in MessageKind:
            about = pair if kind in PICKUP_KINDS else order
            for moment, now in moments.items():
                eta = now + timedelta(minutes=20)
                subject, body = _render(app, about["id"], kind, language, now=now, eta=eta, reason="not_home")
                _assert_whole(subject, language)
                _assert_whole(body, language)
                assert body.startswith(_greeting(language)), body
                assert f"/t/{about['tracking_token']}" in body
                assert "Acme" in subject or "acme" in subject.lower(), subject
                if kind in (MessageKind.scheduled, MessageKind.out_for_delivery, MessageKind.pickup_scheduled):
                    # The window is a promise only while it is ahead; once over, it is told as missed.
                    assert (LATE[language] in body) == (moment == "after_window"), body
                if kind in (MessageKind.approaching, MessageKind.delayed, MessageKind.pickup_approaching):
                    assert (LATE[language] in body) == (eta > window_end), body
        # An ETA not known yet, one after midnight, one days away: each told in the language's own words.
        evening = datetime.combine(tomorrow(), time(23, 10), TZ)
        for eta in (None, evening + timedelta(minutes=50), evening + timedelta(days=2)):
            for kind in (MessageKind.approaching, MessageKind.delayed):
                subject, body = _render(app, order["id"], kind, language, now=evening, eta=eta)
                _assert_whole(body, language)
                assert body.startswith(_greeting(language)), body


def test_a_recipient_with_a_regional_language_gets_messages_in_that_language(app, dispatcher):
    order = create_order(dispatcher, language="pt-BR")
    move(app, order["id"], S.planned, S.dispatched)
    [row] = outbox(app)
    assert row["language"] == "pt" and row["body"].startswith("Olá Camille, seu pedido "), row["body"]
    assert "das 09:00 às 11:00" in row["body"], row["body"]
    refused = dispatcher.post("/api/v1/orders", json=order_payload("ORD-IT", recipient={
        "name": "Chiara", "phone": "+15145550998", "language": "it-IT"}))
    assert refused.status_code == 422
    assert "es-MX" in str(refused.get_json()["fields"]["recipient"]["language"])


def test_a_late_stop_is_told_as_late_with_its_window(app, dispatcher):
    order = create_order(dispatcher, language="en", name="Sam Lee")
    window_start = datetime.combine(tomorrow(), time(10), TZ)
    eta = datetime.combine(tomorrow(), time(14, 30), TZ)
    # The order's own window is 9:00-11:00 (tests.support.order_payload).
    _, body = _render(app, order["id"], MessageKind.approaching, "en", now=window_start + timedelta(hours=4), eta=eta)
    assert "arriving around 2:30 PM, later than your 9:00 AM–11:00 AM window" in body
    _, body = _render(app, order["id"], MessageKind.approaching, "fr", now=window_start + timedelta(hours=4), eta=eta)
    assert "arrivée vers 14 h 30, après votre créneau 9 h 00 – 11 h 00" in body
    told = {"es": "Llegada prevista: 14:30, después de su franja horaria de 9:00 a 11:00.",
            "pt": "Chegada prevista: 14:30, após a sua janela de entrega das 09:00 às 11:00.",
            "de": "Voraussichtliche Ankunft: 14:30 Uhr, nach Ihrem Zeitfenster 09:00–11:00 Uhr."}
    for language, expected in told.items():
        _, body = _render(app, order["id"], MessageKind.approaching, language, now=window_start + timedelta(hours=4),
                          eta=eta)
        assert expected in body, body


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
