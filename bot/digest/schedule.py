"""Local-time arithmetic for subscriptions: parse "HH:MM" and "Area/City", and ask
APScheduler's own `CronTrigger` when a digest is next due, so what /settings promises is what
the scheduler does, DST included.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.digest.store import Subscription

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class ScheduleError(ValueError):
    """An unusable time or zone; str() is a hint for the user."""


def parse_time(text: str) -> str:
    """ "8:05", "08:05", "8.05" -> "08:05"; anything else raises ScheduleError."""
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError(f"“{text}” is not a time. Use 24-hour HH:MM, e.g. 08:00 or 18:30.")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_zone(text: str) -> str:
    """An IANA zone name, matched case-insensitively ("europe/berlin" -> "Europe/Berlin")."""
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    zones = {z.lower(): z for z in available_timezones()}
    if "/" not in name or name.lower() not in zones:
        raise ScheduleError(
            f"“{text}” is not a time zone I know. Use Area/City, "
            "e.g. Europe/Berlin, America/New_York, Asia/Seoul or UTC."
        )
    return zones[name.lower()]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name!r}") from exc


def trigger_for(sub: Subscription) -> CronTrigger:
    """Every day at the subscription's local time, in its zone (the scheduler's trigger)."""
    hour, minute = sub.hour_minute
    return CronTrigger(hour=hour, minute=minute, timezone=zone(sub.timezone))


def next_fire(sub: Subscription, now: datetime) -> datetime:
    """The next time strictly after `now` at which the digest is due, in the chat's zone.

    The step past `now` is taken in UTC: local arithmetic would drop `fold` and, on a
    fall-back day, land on the first 01:30 again. On that day the trigger names both 01:30s;
    the delivery record (one per local date) makes the second a no-op.
    """
    after = now.astimezone(UTC) + timedelta(microseconds=1)
    fire = trigger_for(sub).get_next_fire_time(None, after.astimezone(zone(sub.timezone)))
    assert fire is not None  # a daily cron trigger without an end date always has a next time
    return fire


def local_date(sub: Subscription, moment: datetime) -> date:
    """The chat's calendar date at `moment`: the date a delivery is recorded under."""
    return moment.astimezone(zone(sub.timezone)).date()


def due_today(sub: Subscription, now: datetime) -> datetime | None:
    """When today's digest was (or is) due in the chat's local day, or None if not yet.

    On a spring-forward day a nonexistent 02:30 is due an hour later (CronTrigger reads it by
    the winter offset, i.e. 03:30 summer time); on a fall-back day an ambiguous 01:30 is due
    at its first occurrence.
    """
    tz = zone(sub.timezone)
    local = now.astimezone(tz)
    midnight = datetime(local.year, local.month, local.day, tzinfo=tz)
    fire = trigger_for(sub).get_next_fire_time(None, midnight)
    if fire is None or fire.astimezone(tz).date() != local.date() or fire > now:
        return None
    return fire


def describe_in(delta: timedelta) -> str:
    """ "in 13 h", "in 25 min", "in 1 h 5 min" (for /settings and /subscribe)."""
    minutes = max(0, round(delta.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes and hours < 10:
        return f"in {hours} h {minutes} min"
    if hours:
        return f"in {hours + (1 if minutes >= 30 and hours >= 10 else 0)} h"
    return f"in {minutes} min"
