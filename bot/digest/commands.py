"""The digest's chat commands: /subscribe, /unsubscribe, /settings, /digest.

Declared here (`DigestCommands.commands`) and handed to the core's catalogue by bot/app.py, so
the core stays the one entry point, never imports the digest, and adapters need nothing new.
Subscriptions are written through the `SubscriptionStore`, which tells a running scheduler, so
changes apply without a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import DigestSettings
from bot.core import replies
from bot.core.catalogue import ArgKind, Argument, ChatCommand, Surface
from bot.core.clock import Clock, SystemClock
from bot.core.model import Message, Reply
from bot.digest.reply import digest_reply
from bot.digest.schedule import (
    ScheduleError,
    describe_in,
    due_today,
    local_date,
    next_fire,
    parse_time,
    parse_zone,
    zone,
)
from bot.digest.store import Subscription
from bot.storage import ChatLooks, Subscriptions
from knowledge.collections import Scope
from knowledge.digest import DigestBuilder

USAGE = (
    "Use /subscribe [HH:MM] [Area/City] [quiet], e.g. /subscribe 08:00 Europe/Berlin, "
    "/subscribe 7:30 America/New_York or /subscribe 18:00 Asia/Seoul quiet "
    "(quiet: only on days with a new source)."
)
NO_DIGEST = "This chat has no daily digest. " + USAGE
_NEVER = timedelta(days=3650)  # a claim made by /subscribe is never taken over as "stale"


class DigestCommands:
    def __init__(
        self,
        subscriptions: Subscriptions,
        builder: DigestBuilder,
        settings: DigestSettings,
        clock: Clock | None = None,
        chats: ChatLooks | None = None,
        scope_of: Callable[[str, str], Awaitable[Scope]] | None = None,
    ) -> None:
        """`chats`: where /digest reads and records when this chat last looked (/new too).
        `scope_of(platform, chat_id)`: the collections the chat searches; None: every one."""
        self._chats = chats
        self._subs = subscriptions
        self._scope_of = scope_of
        self._builder = builder
        self._settings = settings
        self._clock = clock or SystemClock()

    async def chat_zone(self, platform: str, chat_id: str) -> ZoneInfo:
        """The zone of the chat's subscription, else the default: the zone in which other
        wings (/new's "since monday") read a chat's days."""
        sub = await self._subs.get(platform, chat_id)
        return zone(sub.timezone if sub else self._settings.default_timezone)

    def commands(self) -> tuple[ChatCommand, ...]:
        """The declarations for the catalogue. Delivery needs a chat, so the daily ones are
        offered on the chat platforms only (the console can still show /digest now)."""
        chat = Surface.CHAT
        when = (
            Argument("time", "HH:MM", "HH:MM, e.g. 08:00", ArgKind.TIME),
            Argument("timezone", "Area/City", "Area/City, e.g. Europe/Berlin", ArgKind.TIMEZONE),
            Argument("quiet", "quiet", "Only on days with a new source", ArgKind.FLAG),
        )
        return (
            ChatCommand("digest", "today's briefing digest, now", self.digest),
            ChatCommand(
                "subscribe",
                "the digest here every day at that local time; quiet: only on days with a "
                "new source",
                self.subscribe,
                when,
                surface=chat,
            ),
            ChatCommand(
                "unsubscribe", "stop the daily digest here", self.unsubscribe, surface=chat
            ),
            ChatCommand(
                "settings",
                "this chat's digest time and last delivery",
                self.settings,
                surface=chat,
            ),
        )

    async def subscribe(self, message: Message, argument: str) -> Reply:
        try:
            hhmm, tz, quiet = self._parse(argument)
        except ScheduleError as exc:
            return replies.hint(f"{exc} {USAGE}")
        now = self._clock.now()
        wanted = Subscription(message.platform, message.chat_id, message.thread_id, hhmm, tz, quiet)
        if due_today(wanted, now) is not None:  # today's time has passed: start tomorrow
            day = local_date(wanted, now)
            if (claim := await self._subs.claim(wanted, day, now, stale=_NEVER)) is not None:
                await self._subs.finish(claim, "skipped", "subscribed after the time", now)
        sub = await self._subs.subscribe(wanted, now)
        quiet_note = " Quiet: only on days with a new source." if sub.quiet else ""
        return replies.hint(
            f"Subscribed: a daily digest here at {sub.local_time} {sub.timezone}. "
            f"Next: {self._next(sub, now)}.{quiet_note} /unsubscribe stops it."
        )

    async def unsubscribe(self, message: Message, argument: str) -> Reply:
        now = self._clock.now()
        if await self._subs.deactivate(message.platform, message.chat_id, "unsubscribed", now):
            return replies.hint("Unsubscribed: no more daily digests here. /subscribe restarts.")
        return replies.hint(NO_DIGEST)

    async def settings(self, message: Message, argument: str) -> Reply:
        sub = await self._subs.get(message.platform, message.chat_id)
        if sub is None:
            return replies.hint(NO_DIGEST)
        now = self._clock.now()
        lines = [
            f"Daily digest: {sub.local_time} {sub.timezone}" + (" (quiet)" if sub.quiet else "")
        ]
        if sub.active:
            lines.append(f"Next: {self._next(sub, now)}")
        else:
            lines.append(f"Stopped ({sub.last_result or 'unsubscribed'}). /subscribe restarts it.")
        last = sub.last_delivered_date or "none yet"
        lines.append(f"Last delivered: {last}")
        if sub.last_result and sub.active:
            lines.append(f"Last result: {sub.last_result}")
        return Reply(title="Digest settings", body=tuple(lines))

    async def digest(self, message: Message, argument: str) -> Reply:
        """Today's digest, now, in this chat (does not count as the scheduled delivery, but
        the chat has seen what is new: the next /new or digest starts from here)."""
        sub = await self._subs.get(message.platform, message.chat_id)
        tz = zone(sub.timezone if sub else self._settings.default_timezone)
        now = self._clock.now()
        looked = None
        if self._chats is not None:
            looked = await self._chats.last_looked(message.platform, message.chat_id)
        since = looked.astimezone(tz) if looked else None
        scope = await self._scope_of(message.platform, message.chat_id) if self._scope_of else None
        digest = await self._builder.build(
            now.astimezone(tz).date(),
            sub.seen_sources if sub else (),
            since=since,
            until=now,
            scope=scope,
        )
        if self._chats is not None:
            await self._chats.mark_looked(message.platform, message.chat_id, now)
        return digest_reply(digest, subscribed=sub is not None and sub.active)

    def _parse(self, argument: str) -> tuple[str, str, bool]:
        hhmm, tz, quiet = self._settings.default_time, self._settings.default_timezone, False
        for token in argument.split():
            if token.lower() == "quiet":
                quiet = True
            elif token[:1].isdigit():
                hhmm = parse_time(token)
            else:
                tz = parse_zone(token)
        return hhmm, tz, quiet

    @staticmethod
    def _next(sub: Subscription, now: datetime) -> str:
        fire = next_fire(sub, now)
        local = fire.astimezone(zone(sub.timezone))
        return f"{local:%a %-d %b %H:%M} {sub.timezone}, {describe_in(fire - now)}"
