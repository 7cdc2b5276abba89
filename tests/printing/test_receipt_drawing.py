"""Drawing a receipt from plain data: photos cut to print size, damaged files left out, any font we fall back to."""
import io

import pytest
from PIL import Image
from pypdf import PdfReader

from backend.pod import receipt
from backend.pod.receipt import ReceiptContent, draw, money


def noisy_jpeg(size) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "JPEG", quality=90)  # noise: no compression helps
    return out.getvalue()


def content(**overrides) -> ReceiptContent:
    values = dict(language="en", org_name="Acme Deliveries", brand_colour="#0b3d2e", order_ref="ORD-9",
                  recipient_name="Zoé Tremblay", received_by="Zoé Tremblay", address="4500 Rue Saint-Denis",
                  delivered_at="Monday, November 30, 2026 at 2:05 PM", issued_at="Monday, November 30, 2026 at 2:10 PM",
                  driver_name="Marc")
    values.update(overrides)
    return ReceiptContent(**values)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_phone_photos_are_cut_to_what_the_page_prints():
    photos = [noisy_jpeg((1600, 1200)) for _ in range(3)]
    data = draw(content(photos=photos, signature=noisy_jpeg((600, 200))))
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages) == 4
    assert len(data) < len(photos[0])  # three photos and a signature weigh less than one photo as taken


def test_a_damaged_file_leaves_its_box_out_not_the_receipt():
    data = draw(content(photos=[b"not a picture", noisy_jpeg((320, 240))], signature=b"\x89PNG broken"))
    text = text_of(data)
    assert "Proof of delivery" in text and "No signature was taken." in text
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages) == 1


def test_the_same_name_twice_is_not_repeated_and_money_reads_as_each_language_writes_it():
    text = text_of(draw(content()))
    assert "Received by" not in text and text.count("Zoé Tremblay") == 1
    assert money(123456, "EUR", "de") == "1.234,56 EUR" and money(123456, "CAD", "en") == "1,234.56 CAD"
    assert money(123456, "CAD", "fr") == "1\u00a0234,56 CAD" and money(-5, "USD", "en") == "-0.05 USD"


def test_without_system_fonts_reportlabs_own_vera_draws_it(monkeypatch):
    monkeypatch.setattr(receipt, "FONT_CANDIDATES", ())
    monkeypatch.setattr(receipt, "_fonts", None)
    try:
        text = text_of(draw(content(language="de", recipient_name="Jürgen Groß")))
        assert "Zustellnachweis" in text and "Jürgen Groß" in text
    finally:
        receipt._fonts = None  # the next receipt registers the system's fonts again
