"""The moment "/new …" asks about, in the words people use, and that moment said back to them.

Accepted: nothing (since this chat last looked), a span back from now ("24h", "3d", "90m",
"2w", "1 day"), or "since" a day or date ("since monday", "since yesterday", "since today",
"since 2026-12-01", "since 1 Dec"), which means that day's start in the chat's time zone.
Anything else raises `SinceError`, whose text is the hint to show.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

USAGE = (
    "Use /new (since you last looked), /new 24h, /new 3d, /new since monday "
    "or /new since 2026-12-01."
)
_SPAN = re.compile(
    r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|weeks?)$", re.IGNORECASE
)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([a-z]{3})[a-z]*\.?(?:\s+(\d{4}))?$", re.IGNORECASE)
MAX_BACK = timedelta(days=3660)


class SinceError(ValueError):
    """An argument /new cannot read; str() is the hint for the person."""


def parse_since(argument: str, now: datetime, zone: tzinfo) -> datetime | None:
    """The moment asked about (aware), or None for "since this chat last looked"."""
    text = " ".join(argument.lower().split())
    if not text:
        return None
    if text.startswith("since "):
        moment = _day_start(text.removeprefix("since ").strip(), now, zone)
    elif (span := _SPAN.match(text)) is not None:
        amount, unit = int(span.group(1)), _UNITS[span.group(2)[0].lower()]
        moment = now - timedelta(**{unit: amount})
    else:
        moment = _day_start(text, now, zone)
    if moment >= now:
        raise SinceError(f"“{argument.strip()}” is not in the past. {USAGE}")
    if now - moment > MAX_BACK:
        raise SinceError(f"“{argument.strip()}” is too long ago. {USAGE}")
    return moment


def _day_start(text: str, now: datetime, zone: tzinfo) -> datetime:
    today = now.astimezone(zone).date()
    day = _day(text, today)
    if day is None:
        raise SinceError(f"I can't read “{text}” as a time. {USAGE}")
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


def _day(text: str, today: date) -> date | None:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text in _WEEKDAYS or (len(text) <= 4 and text[:3] in {w[:3] for w in _WEEKDAYS}):
        wanted = next(i for i, w in enumerate(_WEEKDAYS) if w.startswith(text[:3]))
        return today - timedelta(days=(today.weekday() - wanted) % 7)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    match = _DAY_MONTH.match(text)
    if match is None or match.group(2).lower()[:3] not in _MONTHS:
        return None
    month = _MONTHS.index(match.group(2).lower()[:3]) + 1
    year = int(match.group(3)) if match.group(3) else today.year
    try:
        day = date(year, month, int(match.group(1)))
    except ValueError:
        return None
    if not match.group(3) and day > today:  # "since 20 Dec" in January: last December
        day = day.replace(year=year - 1)
    return day


def describe(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """ "08:00 today", "yesterday 18:30", "Tue 1 Dec 09:15", "1 Dec 2025 09:15": said in the
    chat's zone, as precisely as a person needs."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"{clock} today"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    if today - local.date() < timedelta(days=180):
        return f"{local:%a %-d %b} {clock}"
    return f"{local:%-d %b %Y} {clock}"
