"""Message wording: the built-in texts (backend/notify/wording.py), an organization's own, and safe rendering.

A template is plain text with {placeholders} from PLACEHOLDERS only — no attribute or index access, so
an organization's wording can never reach into our objects. Times are shown in the depot's time zone.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from backend.notify import wording

PLACEHOLDERS = ("recipient_name", "first_name", "org_name", "order_ref", "window", "eta", "tracking_url", "reason")
LANGUAGES = wording.LANGUAGES
DEFAULT_LANGUAGE = "en"
DEFAULTS = wording.DEFAULTS
REASONS = wording.REASONS


@dataclass(frozen=True)
class Dates:
    """How one language tells times, windows and days, as its own speakers write them (CLDR's short formats)."""
    clock: Callable[[datetime], str]  # a local time: "2:30 PM", "14 h 30", "14:30"
    time: str  # a time on its own: "{clock}", or "{clock} Uhr"
    hours: str  # a window's hours: "{start}–{end}", "de {start} a {end}"
    day: str  # a day after a verb: "on {weekday}, {month} {date}", "el {weekday} {date} de {month}"
    days: tuple[str, ...]
    months: tuple[str, ...]
    soon: str
    missed_today: str  # a window that ended earlier today
    missed_before: str  # a window that ended on an earlier day ({when} is `day` filled)
    late: str  # an ETA after the window
    tomorrow: str
    on: Callable[[int], str] = lambda weekday: ""  # Portuguese: "na segunda-feira" but "no sábado"
    articles: Callable[[int], tuple[str, str]] = lambda hour: ("", "")  # Portuguese: "das 09:00 às 11:00"


def _twelve_hour(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


DATES = {
    "en": Dates(clock=_twelve_hour, time="{clock}", hours="{start}–{end}", day="on {weekday}, {month} {date}",
                days=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                months=("January", "February", "March", "April", "May", "June", "July", "August", "September",
                        "October", "November", "December"),
                soon="soon", missed_today="today, later than your {hours} window",
                missed_before="as soon as possible, later than your window {when}, {hours}",
                late="{told}, later than your {hours} window", tomorrow="{time} tomorrow"),
    "fr": Dates(clock=lambda t: f"{t.hour} h {t.minute:02d}", time="{clock}", hours="{start} – {end}",
                day="le {weekday} {date} {month}",
                days=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
                months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                        "octobre", "novembre", "décembre"),
                soon="bientôt", missed_today="aujourd'hui, après votre créneau {hours}",
                missed_before="dès que possible, après votre créneau du {weekday} {date} {month}, {hours}",
                late="{told}, après votre créneau {hours}", tomorrow="{time} demain"),
    "es": Dates(clock=lambda t: f"{t.hour}:{t.minute:02d}", time="{clock}", hours="de {start} a {end}",
                day="el {weekday} {date} de {month}",
                days=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
                months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                        "octubre", "noviembre", "diciembre"),
                soon="pronto", missed_today="hoy, después de su franja horaria {hours}",
                missed_before="lo antes posible, después de su franja horaria del {weekday} {date} de {month}, "
                              "{hours}",
                late="{told}, después de su franja horaria {hours}", tomorrow="mañana, {time}"),
    "pt": Dates(clock=lambda t: f"{t.hour:02d}:{t.minute:02d}", time="{clock}", hours="{from_} {start} {to} {end}",
                day="{on} {weekday}, {date} de {month}",
                days=("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado",
                      "domingo"),
                months=("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
                        "outubro", "novembro", "dezembro"),
                soon="em breve", missed_today="hoje, após a sua janela de entrega {hours}",
                missed_before="o quanto antes, após a sua janela de entrega de {weekday}, {date} de {month}, {hours}",
                late="{told}, após a sua janela de entrega {hours}", tomorrow="amanhã, {time}",
                on=lambda weekday: "no" if weekday >= 5 else "na",
                articles=lambda hour: ("da", "à") if hour == 1 else ("das", "às")),
    "de": Dates(clock=lambda t: f"{t.hour:02d}:{t.minute:02d}", time="{clock} Uhr", hours="{start}–{end} Uhr",
                day="am {weekday}, {date}. {month}",
                days=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
                months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                        "Oktober", "November", "Dezember"),
                soon="bald", missed_today="heute, nach Ihrem Zeitfenster {hours}",
                missed_before="so bald wie möglich, nach Ihrem Zeitfenster {when}, {hours}",
                late="{told}, nach Ihrem Zeitfenster {hours}", tomorrow="morgen, {time}"),
}


def language_of(value: str | None) -> str:
    """The language to write to someone in: "es-MX" and "pt_BR" are written to in es and pt; one we do not
    write (or none) gets the default."""
    base = (value or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def _day_fields(moment: datetime, tz: ZoneInfo, language: str) -> dict[str, str]:
    local, dates = moment.astimezone(tz), DATES[language]
    return {"weekday": dates.days[local.weekday()], "date": str(local.day), "month": dates.months[local.month - 1],
            "on": dates.on(local.weekday())}


def format_time(moment: datetime, tz: ZoneInfo, language: str) -> str:
    dates = DATES[language]
    return dates.time.format(clock=dates.clock(moment.astimezone(tz)))


def format_day(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """"on Wednesday, November 25", "le mercredi 25 novembre", "am Mittwoch, 25. November"."""
    return DATES[language].day.format(**_day_fields(moment, tz, language))


def format_window(start: datetime | None, end: datetime | None, tz: ZoneInfo, language: str) -> str:
    """"on Wednesday, November 25, 9:00 AM–11:00 AM" / "le mercredi 25 novembre, 9 h 00 – 11 h 00"."""
    if start is None or end is None:
        return DATES[language].soon
    return f"{format_day(start, tz, language)}, {format_hours(start, end, tz, language)}"


def format_hours(start: datetime, end: datetime, tz: ZoneInfo, language: str) -> str:
    """"9:00 AM–11:00 AM" / "9 h 00 – 11 h 00" / "de 9:00 a 11:00" / "das 09:00 às 11:00" / "09:00–11:00 Uhr"."""
    dates = DATES[language]
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    from_, to = dates.articles(local_start.hour)[0], dates.articles(local_end.hour)[1]
    return dates.hours.format(start=dates.clock(local_start), end=dates.clock(local_end), from_=from_, to=to)


def format_missed_window(start: datetime, end: datetime, now: datetime, tz: ZoneInfo, language: str) -> str:
    """A window that ended before the message goes out, told as missed, never as a promise:
    "today, later than your 9:00 AM–11:00 AM window" (or, for an earlier day, "as soon as possible, later
    than your window on Wednesday, November 25, 9:00 AM–11:00 AM")."""
    dates = DATES[language]
    hours = format_hours(start, end, tz, language)
    if start.astimezone(tz).date() == now.astimezone(tz).date():
        return dates.missed_today.format(hours=hours)
    return dates.missed_before.format(hours=hours, when=format_day(start, tz, language),
                                      **_day_fields(start, tz, language))


def format_eta(eta: datetime | None, tz: ZoneInfo, language: str, *, window: tuple[datetime, datetime] | None = None,
               now: datetime | None = None) -> str:
    """"2:30 PM", or when it falls after the window: "2:30 PM, later than your 10:00 AM–12:00 PM window"; an
    ETA on another day than the message names it ("12:30 AM tomorrow", "0 h 30 demain")."""
    dates = DATES[language]
    if eta is None:
        return dates.soon
    told = format_time(eta, tz, language)
    if now is not None:
        days = (eta.astimezone(tz).date() - now.astimezone(tz).date()).days
        if days == 1:
            told = dates.tomorrow.format(time=told)
        elif days != 0:
            told = f"{told} {format_day(eta, tz, language)}"
    if window is not None and eta > window[1]:
        return dates.late.format(told=told, hours=format_hours(window[0], window[1], tz, language))
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
