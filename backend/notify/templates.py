"""Message wording: built-in English and French texts, an organization's own, and safe rendering.

A template is plain text with {placeholders} from PLACEHOLDERS only — no attribute or index access, so
an organization's wording can never reach into our objects. Times are shown in the depot's time zone.
"""
from __future__ import annotations

import re
import string
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.notify.models import MessageKind

PLACEHOLDERS = ("recipient_name", "first_name", "org_name", "order_ref", "window", "eta", "tracking_url", "reason")
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"

DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    # kind: language: (email subject, text)
    MessageKind.scheduled.value: {
        "en": ("Your {org_name} delivery is scheduled",
               "Hi {first_name}, your {org_name} delivery is scheduled {window}. Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} est planifiée",
               "Bonjour {first_name}, votre livraison {org_name} est prévue {window}. Suivi : {tracking_url}"),
    },
    MessageKind.out_for_delivery.value: {
        "en": ("Your {org_name} delivery is on its way",
               "Hi {first_name}, your {org_name} delivery is on its way, expected {window}. "
               "Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} est en route",
               "Bonjour {first_name}, votre livraison {org_name} est en route, attendue {window}. "
               "Suivi : {tracking_url}"),
    },
    MessageKind.approaching.value: {
        "en": ("Your {org_name} driver is on the way",
               "Hi {first_name}, your driver is heading to you now, arriving around {eta}. Track it: {tracking_url}"),
        "fr": ("Votre livreur {org_name} arrive",
               "Bonjour {first_name}, votre livreur se dirige vers vous, arrivée vers {eta}. Suivi : {tracking_url}"),
    },
    MessageKind.delayed.value: {
        "en": ("Your {org_name} delivery is running late",
               "Hi {first_name}, sorry: your {org_name} delivery is running late. New estimate: {eta}. "
               "Track it: {tracking_url}"),
        "fr": ("Votre livraison {org_name} a du retard",
               "Bonjour {first_name}, désolé : votre livraison {org_name} a du retard. Nouvelle estimation : {eta}. "
               "Suivi : {tracking_url}"),
    },
    MessageKind.delivered.value: {
        "en": ("Your {org_name} order was delivered",
               "Hi {first_name}, your {org_name} order was delivered. Proof of delivery and rating: {tracking_url}"),
        "fr": ("Votre commande {org_name} a été livrée",
               "Bonjour {first_name}, votre commande {org_name} a été livrée. Preuve de livraison et avis : "
               "{tracking_url}"),
    },
    MessageKind.failed.value: {
        "en": ("We could not deliver your {org_name} order",
               "Hi {first_name}, we could not deliver your {org_name} order: {reason}. To choose a new delivery, "
               "reply to this message or visit {tracking_url}"),
        "fr": ("Nous n'avons pas pu livrer votre commande {org_name}",
               "Bonjour {first_name}, nous n'avons pas pu livrer votre commande {org_name} : {reason}. Pour "
               "choisir une nouvelle livraison, répondez à ce message ou visitez {tracking_url}"),
    },
    MessageKind.rebooked.value: {
        "en": ("Your {org_name} delivery is rebooked",
               "Hi {first_name}, done: your {org_name} delivery is rebooked {window}. To change it again: "
               "{tracking_url}"),
        "fr": ("Votre livraison {org_name} est reprogrammée",
               "Bonjour {first_name}, c'est noté : votre livraison {org_name} est reprogrammée {window}. Pour la "
               "modifier de nouveau : {tracking_url}"),
    },
}

REASONS = {
    "not_home": {"en": "nobody was home", "fr": "personne n'était présent"},
    "refused": {"en": "the parcel was refused", "fr": "le colis a été refusé"},
    "damaged": {"en": "the parcel was damaged", "fr": "le colis était endommagé"},
    "wrong_address": {"en": "the address could not be found", "fr": "l'adresse est introuvable"},
    "no_access": {"en": "we could not get access to the address", "fr": "l'adresse était inaccessible"},
    "other": {"en": "an unexpected problem", "fr": "un problème imprévu"},
}

_DAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
         "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]}
_MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"],
           "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                  "octobre", "novembre", "décembre"]}


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def format_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    local = moment.astimezone(tz)
    if language == "fr":
        return f"{local.hour} h {local.minute:02d}"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def format_day(moment: datetime, tz: ZoneInfo, language: str) -> str:
    local = moment.astimezone(tz)
    day, month = _DAYS[language][local.weekday()], _MONTHS[language][local.month - 1]
    if language == "fr":
        return f"le {day} {local.day} {month}"
    return f"on {day}, {month} {local.day}"


def format_window(start: datetime | None, end: datetime | None, tz: ZoneInfo, language: str) -> str:
    """"on Wednesday, November 25, 9:00 AM–11:00 AM" / "le mercredi 25 novembre, 9 h 00 – 11 h 00"."""
    if start is None or end is None:
        return "bientôt" if language == "fr" else "soon"
    return f"{format_day(start, tz, language)}, {format_hours(start, end, tz, language)}"


def format_hours(start: datetime, end: datetime, tz: ZoneInfo, language: str) -> str:
    """"9:00 AM–11:00 AM" / "9 h 00 – 11 h 00"."""
    if language == "fr":
        return f"{format_time(start, tz, language)} – {format_time(end, tz, language)}"
    return f"{format_time(start, tz, language)}–{format_time(end, tz, language)}"


def format_missed_window(start: datetime, end: datetime, now: datetime, tz: ZoneInfo, language: str) -> str:
    """A window that ended before the message goes out, told as missed, never as a promise:
    "today, later than your 9:00 AM–11:00 AM window" (or, for an earlier day, "as soon as possible, later
    than your window on Wednesday, November 25, 9:00 AM–11:00 AM")."""
    hours = format_hours(start, end, tz, language)
    if start.astimezone(tz).date() == now.astimezone(tz).date():
        return (f"aujourd'hui, après votre créneau {hours}" if language == "fr"
                else f"today, later than your {hours} window")
    local = start.astimezone(tz)
    if language == "fr":
        day = f"{_DAYS['fr'][local.weekday()]} {local.day} {_MONTHS['fr'][local.month - 1]}"
        return f"dès que possible, après votre créneau du {day}, {hours}"
    return f"as soon as possible, later than your window {format_day(start, tz, language)}, {hours}"


def format_eta(eta: datetime | None, tz: ZoneInfo, language: str, *, window: tuple[datetime, datetime] | None = None,
               now: datetime | None = None) -> str:
    """"2:30 PM", or when it falls after the window: "2:30 PM, later than your 10:00 AM–12:00 PM window"; an
    ETA on another day than the message names it ("12:30 AM tomorrow", "0 h 30 demain")."""
    if eta is None:
        return "bientôt" if language == "fr" else "soon"
    told = format_time(eta, tz, language)
    if now is not None:
        days = (eta.astimezone(tz).date() - now.astimezone(tz).date()).days
        if days == 1:
            told += " demain" if language == "fr" else " tomorrow"
        elif days != 0:
            told += " " + format_day(eta, tz, language)
    if window is not None and eta > window[1]:
        hours = format_hours(window[0], window[1], tz, language)
        return f"{told}, après votre créneau {hours}" if language == "fr" else f"{told}, later than your {hours} window"
    return told


def reason_text(reason: str | None, language: str) -> str:
    return REASONS.get(reason or "other", REASONS["other"])[language]


def placeholders_in(text: str) -> list[str]:
    """The fields a template uses; raises ValueError on broken braces."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]


def check_template(text: str) -> list[str]:
    """Problems with an organization's template: unknown placeholders, formats, broken braces."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"Broken braces: {exc}. Write {{{{ and }}}} for literal braces."]
    problems = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            problems.append(f"Unknown placeholder {{{name}}}; use one of: {', '.join(PLACEHOLDERS)}.")
        elif spec or conversion:
            problems.append(f"{{{name}}} takes no format or conversion.")
    return problems


def render(text: str, values: dict[str, str]) -> str:
    """Fill a checked template; a field that slipped through unknown is left as written, never an error."""
    out = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return text
    for literal, name, _, _ in parsed:
        out.append(literal)
        if name is not None:
            out.append(str(values.get(name, "{" + name + "}")) if name in PLACEHOLDERS else "{" + name + "}")
    return tidy("".join(out))


def tidy(text: str) -> str:
    """An empty value (a recipient with no name) must not leave "Hi , your" or double spaces behind."""
    text = re.sub(r"[ \t]+([,.])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()
