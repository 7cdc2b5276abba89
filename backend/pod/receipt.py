"""The proof-of-delivery receipt as a PDF: what was delivered, to whom, when, where, by whom, with the signature and
photos the driver took, under the organization's name, logo and colour.

Plain data in (ReceiptContent, gathered by backend/notify/receipts.py), bytes out: no database, no Flask. ReportLab
draws it (a well-kept pure-Python PDF library that also encodes Code 128 barcodes, used for the route sheet).
Its Paragraph reads a small markup language, so every text from people (names, addresses, references) is
escaped before it is laid out. Text is set in DejaVu Sans when the system has it (most Latin, Greek and
Cyrillic names print as written), else in the Bitstream Vera that ReportLab ships.
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image as PILImage
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

LABELS: dict[str, dict[str, str]] = {
    "en": {"title": "Proof of delivery", "order": "Order", "delivered": "Delivered", "recipient": "Recipient",
           "received_by": "Received by", "address": "Delivery address", "driver": "Driver", "parcels": "Parcels",
           "signature": "Signature", "photos": "Photos", "no_signature": "No signature was taken.",
           "checks": "Checks", "id_checked": "Identity checked", "age_verified": "Age verified",
           "paid": "Paid on delivery: {amount}", "issued": "Issued by {org} on {when}.",
           "when": "{weekday}, {month} {date}, {year} at {clock}"},
    "fr": {"title": "Preuve de livraison", "order": "Commande", "delivered": "Livrée", "recipient": "Destinataire",
           "received_by": "Reçue par", "address": "Adresse de livraison", "driver": "Livreur", "parcels": "Colis",
           "signature": "Signature", "photos": "Photos", "no_signature": "Aucune signature n'a été recueillie.",
           "checks": "Vérifications", "id_checked": "Pièce d'identité vérifiée", "age_verified": "Âge vérifié",
           "paid": "Payé à la livraison : {amount}", "issued": "Émise par {org} le {when}.",
           "when": "{weekday} {date} {month} {year} à {clock}"},
    "es": {"title": "Comprobante de entrega", "order": "Pedido", "delivered": "Entregado", "recipient": "Destinatario",
           "received_by": "Recibido por", "address": "Dirección de entrega", "driver": "Repartidor",
           "parcels": "Paquetes", "signature": "Firma", "photos": "Fotos", "no_signature": "No se recogió ninguna firma.",
           "checks": "Verificaciones", "id_checked": "Identidad verificada", "age_verified": "Edad verificada",
           "paid": "Pagado en la entrega: {amount}", "issued": "Emitido por {org} el {when}.",
           "when": "{weekday} {date} de {month} de {year}, {clock}"},
    "pt": {"title": "Comprovante de entrega", "order": "Pedido", "delivered": "Entregue", "recipient": "Destinatário",
           "received_by": "Recebido por", "address": "Endereço de entrega", "driver": "Entregador",
           "parcels": "Volumes", "signature": "Assinatura", "photos": "Fotos",
           "no_signature": "Nenhuma assinatura foi coletada.", "checks": "Verificações",
           "id_checked": "Identidade verificada", "age_verified": "Idade verificada",
           "paid": "Pago na entrega: {amount}", "issued": "Emitido por {org} em {when}.",
           "when": "{weekday}, {date} de {month} de {year}, {clock}"},
    "de": {"title": "Zustellnachweis", "order": "Bestellung", "delivered": "Zugestellt", "recipient": "Empfänger",
           "received_by": "Entgegengenommen von", "address": "Lieferadresse", "driver": "Fahrer", "parcels": "Pakete",
           "signature": "Unterschrift", "photos": "Fotos", "no_signature": "Es wurde keine Unterschrift erfasst.",
           "checks": "Prüfungen", "id_checked": "Ausweis geprüft", "age_verified": "Alter geprüft",
           "paid": "Bei Lieferung bezahlt: {amount}", "issued": "Ausgestellt von {org} am {when}.",
           "when": "{weekday}, {date}. {month} {year}, {clock}"},
}
# A return's receipt is a proof of collection at the customer's address: these words replace the delivery's.
COLLECTION_LABELS: dict[str, dict[str, str]] = {
    "en": {"title": "Proof of collection", "delivered": "Collected", "recipient": "Customer",
           "received_by": "Handed over by", "address": "Collection address"},
    "fr": {"title": "Preuve de collecte", "delivered": "Collectée", "recipient": "Client",
           "received_by": "Remise par", "address": "Adresse de collecte"},
    "es": {"title": "Comprobante de recogida", "delivered": "Recogido", "recipient": "Cliente",
           "received_by": "Entregado por", "address": "Dirección de recogida"},
    "pt": {"title": "Comprovante de coleta", "delivered": "Coletado", "recipient": "Cliente",
           "received_by": "Entregue por", "address": "Endereço de coleta"},
    "de": {"title": "Abholnachweis", "delivered": "Abgeholt", "recipient": "Kunde",
           "received_by": "Übergeben von", "address": "Abholadresse"},
}
LANGUAGES = tuple(LABELS)
MAX_PHOTOS = 3
PRINT_DPI = 200
# North America prints on Letter, the rest of the world on A4; the layout fits the narrower and shorter of both.
LETTER_CURRENCIES = {"USD", "CAD"}
FONT_CANDIDATES = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/TTF"),
                   Path("/usr/share/fonts/dejavu"))
_fonts_lock = threading.Lock()
_fonts: tuple[str, str] | None = None


@dataclass(frozen=True)
class ReceiptContent:
    language: str
    org_name: str
    brand_colour: str  # "#rrggbb"
    order_ref: str
    recipient_name: str
    received_by: str
    address: str
    delivered_at: str  # written in the language, in the depot's zone
    issued_at: str
    driver_name: str
    currency: str = "CAD"
    collection: bool = False  # a return: collected at the customer's, not delivered to them
    parcel_barcodes: list[str] = field(default_factory=list)
    parcel_count: int = 1
    paid_cents: int = 0
    id_checked: bool = False
    age_verified: bool = False
    logo_png: bytes | None = None
    signature: bytes | None = None
    photos: list[bytes] = field(default_factory=list)


def labels(language: str, *, collection: bool = False) -> dict[str, str]:
    words = LABELS.get(language, LABELS["en"])
    if collection:
        words = {**words, **COLLECTION_LABELS.get(language, COLLECTION_LABELS["en"])}
    return words


def _register_fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered once per process."""
    global _fonts
    with _fonts_lock:
        if _fonts is not None:
            return _fonts
        for folder in FONT_CANDIDATES:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                break
        else:
            regular, bold = Path("Vera.ttf"), Path("VeraBd.ttf")  # found on ReportLab's own font path
        pdfmetrics.registerFont(TTFont("ReceiptSans", str(regular)))
        pdfmetrics.registerFont(TTFont("ReceiptSans-Bold", str(bold)))
        _fonts = ("ReceiptSans", "ReceiptSans-Bold")
        return _fonts


def money(cents: int, currency: str, language: str) -> str:
    """12.50 CAD in English, 12,50 CAD elsewhere; thousands grouped as each language groups them."""
    whole, rest = divmod(abs(cents), 100)
    grouping = {"en": ",", "fr": "\u00a0"}.get(language, ".")  # a no-break space: in every font we may use
    decimal = "." if language == "en" else ","
    return f"{'-' if cents < 0 else ''}{whole:,}".replace(",", grouping) + f"{decimal}{rest:02d} {currency}"


def _picture(data: bytes, max_width: float, max_height: float) -> Image | None:
    """The image fitted in its box, its pixels cut to what 200 dpi needs there (a phone photo is 10x that, and the
    receipt travels by email)."""
    try:
        picture = PILImage.open(io.BytesIO(data))
        picture.load()
    except Exception:  # a file damaged in storage leaves its box out, not the whole receipt
        return None
    width, height = picture.size
    scale = min(max_width / width, max_height / height, 1.0 if width > max_width / 2 else 2.0)
    box = (round(width * scale / 72 * PRINT_DPI), round(height * scale / 72 * PRINT_DPI))
    if width > box[0] * 1.2:
        picture.thumbnail(box)
        out = io.BytesIO()
        if picture.mode in ("RGBA", "LA", "P", "1"):
            picture.save(out, format="PNG", optimize=True)  # a signature keeps its sharp strokes
        else:
            picture.convert("RGB").save(out, format="JPEG", quality=80)
        data = out.getvalue()
    return Image(io.BytesIO(data), width=width * scale, height=height * scale, hAlign="LEFT")


def draw(content: ReceiptContent) -> bytes:
    """The receipt as PDF bytes (CPU work: callers on the web hub run it through backend.green.offload)."""
    regular, bold = _register_fonts()
    words = labels(content.language, collection=content.collection)
    brand = colors.HexColor(content.brand_colour) if content.brand_colour else colors.HexColor("#0b3d2e")
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#555555"))
    label = ParagraphStyle("label", parent=body, fontName=bold, fontSize=9, textColor=colors.HexColor("#444444"))
    heading = ParagraphStyle("heading", parent=body, fontName=bold, fontSize=18, leading=22, textColor=brand)
    org_style = ParagraphStyle("org", parent=body, fontName=bold, fontSize=13, leading=16, alignment=TA_RIGHT)

    page = LETTER if content.currency.upper() in LETTER_CURRENCIES else A4
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=page, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                 bottomMargin=16 * mm, title=f"{words['title']} {content.order_ref}",
                                 author=content.org_name, subject=words["title"], lang=content.language)
    width = document.width

    def text(value: str, style=body) -> Paragraph:
        return Paragraph(escape(value or "").replace("\n", "<br/>"), style)

    story = []
    logo = _picture(content.logo_png, 60 * mm, 20 * mm) if content.logo_png else None
    header = [[logo or "", text(content.org_name, org_style)]]
    story.append(Table(header, colWidths=[65 * mm, width - 65 * mm],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                         ("LINEBELOW", (0, 0), (-1, 0), 2, brand),
                                         ("BOTTOMPADDING", (0, 0), (-1, -1), 6)])))
    story.append(Spacer(0, 6 * mm))
    story.append(text(words["title"], heading))
    story.append(Spacer(0, 2 * mm))

    rows = [(words["order"], content.order_ref), (words["delivered"], content.delivered_at),
            (words["recipient"], content.recipient_name)]
    if content.received_by and content.received_by.strip() != (content.recipient_name or "").strip():
        rows.append((words["received_by"], content.received_by))
    rows += [(words["address"], content.address), (words["driver"], content.driver_name)]
    parcels = ", ".join(content.parcel_barcodes) if content.parcel_barcodes else ""
    rows.append((words["parcels"], f"{content.parcel_count}" + (f" — {parcels}" if parcels else "")))
    checks = [words["id_checked"]] * content.id_checked + [words["age_verified"]] * content.age_verified
    if content.paid_cents:
        checks.append(words["paid"].format(amount=money(content.paid_cents, content.currency, content.language)))
    if checks:
        rows.append((words["checks"], " · ".join(checks)))
    story.append(Table([[text(name, label), text(value)] for name, value in rows],
                       colWidths=[56 * mm, width - 56 * mm],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                         ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.HexColor("#cccccc")),
                                         ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)])))
    if content.order_ref and all(ord(c) < 128 for c in content.order_ref):
        story.append(Spacer(0, 3 * mm))
        story.append(Code128(content.order_ref, barHeight=12 * mm, barWidth=0.9, humanReadable=False))

    story.append(Spacer(0, 6 * mm))
    story.append(text(words["signature"], label))
    signature = _picture(content.signature, 80 * mm, 35 * mm) if content.signature else None
    story.append(signature or text(words["no_signature"], small))
    pictures = [p for p in (_picture(photo, (width - 8 * mm) / MAX_PHOTOS, 55 * mm)
                            for photo in content.photos[:MAX_PHOTOS]) if p is not None]
    if pictures:
        story.append(Spacer(0, 6 * mm))
        story.append(text(words["photos"], label))
        story.append(Spacer(0, 2 * mm))
        story.append(Table([pictures], colWidths=[width / MAX_PHOTOS] * len(pictures), hAlign="LEFT",
                           style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])))
    story.append(Spacer(0, 8 * mm))
    story.append(text(words["issued"].format(org=content.org_name, when=content.issued_at), small))
    document.build(story)
    return out.getvalue()
