"""Proof-of-delivery receipts (PDF): what they say, in whose language, who may download them, and the email."""
import io
import re

from pypdf import PdfReader

from backend.orders.enums import OrderStatus as S
from tests.dispatch.helpers import action, make_route
from tests.notify.helpers import create_order, deliver, move, outbox
from tests.notify.standins import SmtpStandIn
from tests.pod.test_uploads import png, upload
from tests.support import order_payload

NOTE = "Code 4321 for the back door"  # the driver's note stays with the organization


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_images(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


def delivered_order(org, dispatcher, *, language="fr", name="<b>Zoé</b> & Fils", email=None, ref="ORD-77") -> dict:
    """An order delivered by the driver's app: a photo, a signature, someone else's name at the door."""
    recipient = {"name": name, "phone": "+15145550999", "language": language}
    if email:
        recipient["email"] = email
    response = dispatcher.post("/api/v1/orders", json=order_payload(ref, recipient=recipient,
                                                                    parcels=["PKG-A1", "PKG-A2"]))
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    driver = org.as_role("driver")
    photo = upload(driver, png(size=(320, 240), colour=(200, 30, 30, 255))).get_json()["id"]
    signature = upload(driver, png(size=(300, 100), colour=(0, 0, 0, 255)), name="sig.png", kind="signature")
    route = make_route(dispatcher, org, [order["id"]], publish=True)
    done = action(driver, route, "stop.complete", route["stops"][0], recipient_name="Jean Voisin", note=NOTE,
                  photo_ids=[photo], signature_id=signature.get_json()["id"])
    assert done.status_code == 200, done.get_json()
    return dispatcher.get(f"/api/v1/orders/{order['id']}").get_json()


def test_the_receipt_tells_who_took_what_when_and_where_in_the_customers_language(org, dispatcher):
    order = delivered_order(org, dispatcher)
    response = dispatcher.get(f"/api/v1/orders/{order['id']}/receipt.pdf")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="receipt-ORD-77.pdf"'
    text = pdf_text(response.data)
    assert "Preuve de livraison" in text and "Acme Deliveries" in text
    assert "ORD-77" in text and "PKG-A1" in text and "PKG-A2" in text
    assert "<b>Zoé</b> & Fils" in text  # a name is printed as written, never read as markup
    assert "Reçue par" in text and "Jean Voisin" in text
    assert "4500 Rue Saint-Denis" in text
    assert "Livreur" in text and "Driver" in text and "Driver One" not in text  # the driver by first name
    # The day and time as French writes them, in the depot's zone: "lundi 30 novembre 2026 à 14 h 05".
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d{1,2} \w+ 20\d\d à \d{1,2} h \d\d", text)
    assert NOTE not in text
    assert pdf_images(response.data) >= 2  # the photo and the signature


def test_a_receipt_in_german_and_one_in_english(org, dispatcher):
    german = delivered_order(org, dispatcher, language="de-AT", name="Jürgen Groß", ref="DE-1")
    text = pdf_text(dispatcher.get(f"/api/v1/orders/{german['id']}/receipt.pdf").data)
    assert "Zustellnachweis" in text and "Entgegengenommen von" in text and "Jürgen Groß" in text
    assert re.search(r"(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d{1,2}\. \w+ 20\d\d, "
                     r"\d\d:\d\d Uhr", text)


def test_the_tracking_link_offers_its_own_orders_receipt_once_delivered(app, org, dispatcher):
    waiting = create_order(dispatcher, ref="ORD-WAIT")
    track = app.test_client()
    assert track.get(f"/api/v1/track/{waiting['tracking_token']}").get_json()["receipt_url"] is None
    refused = track.get(f"/api/v1/track/{waiting['tracking_token']}/receipt.pdf")
    assert refused.status_code == 409 and refused.get_json()["code"] == "not_delivered"
    assert dispatcher.get(f"/api/v1/orders/{waiting['id']}/receipt.pdf").get_json()["code"] == "not_delivered"

    order = delivered_order(org, dispatcher)
    view = track.get(f"/api/v1/track/{order['tracking_token']}").get_json()
    assert view["receipt_url"] == f"/api/v1/track/{order['tracking_token']}/receipt.pdf"
    response = track.get(view["receipt_url"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "ORD-77" in text and "ORD-WAIT" not in text and NOTE not in text
    assert track.get(f"/api/v1/track/{order['tracking_token'][:-2]}xx/receipt.pdf").status_code == 404


def test_only_staff_of_the_organization_download_an_orders_receipt(org, other_org, dispatcher):
    order = delivered_order(org, dispatcher)
    path = f"/api/v1/orders/{order['id']}/receipt.pdf"
    assert org.as_role("admin").get(path).status_code == 200
    assert org.as_role("api_key").get(path).status_code == 200
    assert org.as_role("driver").get(path).status_code == 403
    assert org.as_role("anonymous").get(path).status_code == 401
    assert other_org.as_role("dispatcher").get(path).status_code == 404


def test_the_delivered_email_carries_the_receipt_only_when_the_organization_asks(app, org, dispatcher, admin):
    with SmtpStandIn() as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, SMTP_FROM="Acme <deliveries@acme.test>")
        assert admin.get("/api/v1/organization/settings").get_json()["receipt_in_delivered_email"] is False
        plain = delivered_order(org, dispatcher, email="plain@example.test", ref="ORD-PLAIN")
        deliver(app)
        changed = admin.patch("/api/v1/organization/settings", json={"receipt_in_delivered_email": True})
        assert changed.status_code == 200 and changed.get_json()["receipt_in_delivered_email"] is True
        attached = delivered_order(org, dispatcher, email="kept@example.test", ref="ORD-KEPT")
        deliver(app)

    mails = {mail["envelope"]["to"][0]: mail["message"] for mail in smtp.messages
             if "livrée" in mail["message"]["Subject"]}
    assert set(mails) == {"plain@example.test", "kept@example.test"}
    assert not list(mails["plain@example.test"].iter_attachments())
    [attachment] = list(mails["kept@example.test"].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "receipt-ORD-KEPT.pdf"
    assert "Preuve de livraison" in pdf_text(attachment.get_content()) and "ORD-KEPT" in pdf_text(attachment.get_content())
    body = mails["kept@example.test"].get_body(preferencelist=("plain",)).get_content()
    row = [r for r in outbox(app, order_id=attached["id"]) if r["kind"] == "delivered" and r["channel"].value == "email"]
    assert row and row[0]["status"].value == "sent" and body.strip() == row[0]["body"]


def test_a_returns_receipt_proves_the_collection_at_the_customers_in_their_language(org, dispatcher):
    from tests.orders.test_order_types import return_payload

    created = dispatcher.post("/api/v1/orders", json=return_payload("RET-1", parcels=["RET-1-P1"]))
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    driver = org.as_role("driver")
    route = make_route(dispatcher, org, [order["id"]], publish=True)
    [pickup] = route["stops"]
    done = action(driver, route, "stop.complete", pickup, recipient_name="Sam Sender")
    assert done.status_code == 200, done.get_json()
    response = dispatcher.get(f"/api/v1/orders/{order['id']}/receipt.pdf")
    assert response.status_code == 200, response.get_json()
    text = pdf_text(response.data)
    # The sender's contact speaks Spanish: the collection is told in Spanish, at the pickup address.
    assert "Comprobante de recogida" in text and "Recogido" in text and "Dirección de recogida" in text
    assert "200 Rue Sherbrooke Ouest" in text and "Sam Sender" in text and "RET-1" in text
    assert "Comprobante de entrega" not in text
