"""The organization's own settings an admin changes from the browser: its name and branding (shown on the
tracking page), and its quiet hours (when customers may be texted, backend/notify/quiet_hours.py).

Kept in Organization.settings: {"branding": {"colour": "#rrggbb", "logo": "data:image/png;base64,..."},
"quiet_hours": "21:00-08:00" | "" (none), "receipt_in_delivered_email": bool}; without "quiet_hours" the server's
NOTIFY_QUIET_HOURS applies; the receipt (PDF) rides with the "delivered" email only when asked for.
"""
from __future__ import annotations

import base64
import binascii
import io
import re

from flask import current_app
from PIL import Image

from backend.auth import service as auth_service
from backend.errors import InvalidInput
from backend.notify.quiet_hours import parse_quiet_hours
from backend.pod.images import reencode
from backend.unit_of_work import transactional

DEFAULT_COLOUR = "#0b3d2e"
LOGO_BOX = (480, 160)  # the tracking page shows it at most 240x80 CSS pixels; twice that for sharp screens
MAX_LOGO_BYTES = 2_000_000
DATA_URL = re.compile(r"^data:image/(png|jpeg|webp);base64,([A-Za-z0-9+/=\s]+)$")


def settings_of(org_id: int) -> dict:
    org = auth_service.get_organization(org_id)
    settings = org.settings or {}
    branding = settings.get("branding") or {}
    own_quiet = "quiet_hours" in settings
    return {"name": org.name, "currency": org.currency, "colour": branding.get("colour") or DEFAULT_COLOUR,
            "logo": branding.get("logo"), "quiet_hours_default": current_app.config.get("NOTIFY_QUIET_HOURS") or "",
            "quiet_hours": (settings.get("quiet_hours") or "") if own_quiet else None,
            "receipt_in_delivered_email": bool(settings.get("receipt_in_delivered_email"))}


def _logo(data_url: str) -> str:
    """A logo is decoded and drawn again (backend/pod/images.py says why), then fitted in LOGO_BOX."""
    match = DATA_URL.match(data_url)
    if not match:
        raise InvalidInput("Send the logo as a PNG, JPEG or WebP image.", fields={"logo": ["Not an image."]})
    try:
        raw = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError):
        raise InvalidInput("The logo cannot be read.", fields={"logo": ["The image cannot be read."]})
    if len(raw) > MAX_LOGO_BYTES:
        raise InvalidInput("The logo is too large.", fields={"logo": ["At most 2 MB."]})
    try:
        clean, _ = reencode(raw)
    except InvalidInput as refused:
        raise InvalidInput(refused.message, fields={"logo": refused.fields.get("file", ["Not an image."])})
    image = Image.open(io.BytesIO(clean))
    image.thumbnail(LOGO_BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of `colour` (#rrggbb) against white: the tracking page writes with it on white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@transactional
def update_settings(org_id: int, data: dict) -> None:
    org = auth_service.get_organization(org_id)
    settings = dict(org.settings or {})
    branding = dict(settings.get("branding") or {})
    if "name" in data:
        org.name = data["name"]
    if "colour" in data:
        ratio = contrast_on_white(data["colour"])
        if ratio < 4.5:
            raise InvalidInput("The colour is too light to read on white.", fields={"colour": [
                f"Too light to read on white (contrast {ratio:.1f}:1); choose a darker colour (4.5:1 at least)."]})
        branding["colour"] = data["colour"].lower()
    if "logo" in data:
        branding["logo"] = _logo(data["logo"]) if data["logo"] else None
    if "quiet_hours" in data:
        quiet = data["quiet_hours"]
        if quiet is None:
            settings.pop("quiet_hours", None)  # back to the server's default
        elif quiet.strip() and parse_quiet_hours(quiet) is None:
            raise InvalidInput("Quiet hours are written HH:MM-HH:MM.",
                               fields={"quiet_hours": ["Write them as 21:00-08:00, or leave empty for none."]})
        else:
            settings["quiet_hours"] = quiet.strip()
    if "receipt_in_delivered_email" in data:
        settings["receipt_in_delivered_email"] = bool(data["receipt_in_delivered_email"])
    settings["branding"] = branding
    org.settings = settings
