"""/new: what arrived or changed in the index since this chat last looked (or since when asked).

Its own wing rather than part of bot/digest/: it works in any chat, subscribed or not, and the
digest builds on it (the digest's "New since yesterday" is the same list), not the reverse.
Declared here (`WhatsNewCommands.commands`) and handed to the core's catalogue by bot/app.py,
like the digest's commands; /help, Telegram's menu and Discord's slash command (`since:`)
follow from the declaration.

"Last looked" is when this chat last asked /new or got a digest (`ChatStore.last_looked`);
a chat that never looked gets the last FIRST_LOOK. Asking moves the mark to now, so asking
again says "Nothing new since …" until a source arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, tzinfo

from bot.core import replies
from bot.core.catalogue import Argument, ChatCommand
from bot.core.clock import Clock, SystemClock
from bot.core.model import Message, Reply
from bot.storage import ChatLooks
from bot.whatsnew.reply import MAX_SOURCES, new_reply
from bot.whatsnew.since import SinceError, describe, parse_since
from knowledge.collections import Scope
from knowledge.library import Library

log = logging.getLogger(__name__)

NAME = "new"
HELP_LINE = "what arrived or changed since this chat last looked"
ZoneOf = Callable[[str, str], Awaitable[tzinfo]]
FIRST_LOOK = timedelta(days=7)  # a chat that never looked: the last week


class WhatsNewCommands:
    def __init__(
        self,
        library: Library,
        chats: ChatLooks,
        zone_of: ZoneOf,
        clock: Clock | None = None,
        scope_of: Callable[[str, str], Awaitable[Scope]] | None = None,
    ) -> None:
        """`zone_of(platform, chat_id)`: the chat's time zone, in which "since monday" is
        read (the digest wing's `chat_zone`: the zone of the chat's subscription).
        `scope_of(platform, chat_id)`: the collections the chat searches (None: every one);
        /new lists only their sources."""
        self._scope_of = scope_of
        self._library = library
        self._chats = chats
        self._zone_of = zone_of
        self._clock = clock or SystemClock()

    def commands(self) -> tuple[ChatCommand, ...]:
        """The declaration for the catalogue (bot/core/catalogue.py)."""
        since = Argument("since", "SINCE", "e.g. 24h, 3d, since monday (default: last look)")
        return (ChatCommand(NAME, HELP_LINE, self.new, (since,)),)

    async def new(self, message: Message, argument: str) -> Reply:
        now = self._clock.now()
        tz = await self._zone_of(message.platform, message.chat_id)
        try:
            asked = parse_since(argument, now, tz)
        except SinceError as exc:
            return replies.hint(str(exc))
        since = asked or await self.last_looked(message) or now - FIRST_LOOK
        scope = await self._scope_of(message.platform, message.chat_id) if self._scope_of else None
        allowed = await self._library.collections.source_ids(scope)
        arrivals = await self._library.new_since(
            since, source_ids=allowed, until=now, quoted=MAX_SOURCES
        )
        try:
            await self._chats.mark_looked(message.platform, message.chat_id, now)
        except Exception as exc:  # disk full, locked: the reply is computed, send it anyway
            log.warning("/new: the look was not recorded (%s)", type(exc).__name__)

        def said(moment: datetime) -> str:
            return describe(moment, now, tz)

        return new_reply(arrivals, said(since), said)

    async def last_looked(self, message: Message) -> datetime | None:
        return await self._chats.last_looked(message.platform, message.chat_id)
