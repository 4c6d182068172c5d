"""The collection commands: /collections lists them, /use binds this chat to some.

Declared here (`CollectionCommands.commands`) and handed to the core's catalogue by bot/app.py,
as the digest's are, so adapters need nothing new. Binding a group chat is for the bot's admins
(`ingest.admins`, as for /ingest); in a private chat anyone chooses for themself, so /use is
offered to everyone and its handler refuses the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core import replies
from bot.core.catalogue import Argument, ChatCommand
from bot.core.model import Message, Reply, ReplyKind
from bot.storage import ChatBindings
from knowledge.collections import CollectionError, check_slug
from knowledge.library import Library

USE_USAGE = "Usage: /use SLUG… (one or more, see /collections), or /use all for every one."
REFUSAL = (
    "Sorry, in a group only the bot's admins can choose its collections. "
    "In a private chat with me you can choose your own."
)


class CollectionCommands:
    def __init__(
        self, library: Library, chats: ChatBindings, is_admin: Callable[[Message], bool]
    ) -> None:
        self._library = library
        self._chats = chats
        self._is_admin = is_admin

    def commands(self) -> tuple[ChatCommand, ...]:
        """The declarations for the catalogue."""
        slugs = Argument(
            "slugs", "SLUG…", "One or more slugs (see /collections), or all", required=True
        )
        listing = "the collections, their sources, the ones used here"
        use = "search only these collections here (/use all: every one)"
        return (
            ChatCommand("collections", listing, self.collections),
            ChatCommand("use", use, self.use, (slugs,)),
        )

    async def collections(self, message: Message, argument: str) -> Reply:
        found = await self._library.list_collections()
        if not found:
            return replies.hint("There are no collections yet: no source is indexed.")
        used = await self._chats.collections(message.platform, message.chat_id)
        lines = []
        for collection in found:
            mark = "✓ " if not used or collection.slug in used else "  "
            count = f"{collection.sources} source" + ("" if collection.sources == 1 else "s")
            lines.append(f"{mark}{collection.slug} — {collection.title} ({count})")
        here = "every collection" if not used else ", ".join(used)
        return Reply(
            title="Collections",
            body=tuple(lines),
            footer=(f"This chat searches: {here} (✓). /use SLUG… chooses; /use all resets.",),
        )

    async def use(self, message: Message, argument: str) -> Reply:
        words = argument.split()
        if not words:
            return replies.hint(USE_USAGE)
        if not message.is_private and not self._is_admin(message):
            return Reply(kind=ReplyKind.REFUSAL, body=(REFUSAL,))
        if [w.lower() for w in words] == ["all"]:
            await self._chats.use_collections(message.platform, message.chat_id, ())
            return replies.hint("This chat now searches every collection.")
        try:
            slugs = list(dict.fromkeys(check_slug(w) for w in words))
            for slug in slugs:
                await self._library.collections.get(slug)
        except CollectionError as exc:
            return replies.hint(f"{exc} {USE_USAGE}")
        await self._chats.use_collections(message.platform, message.chat_id, slugs)
        return replies.hint(
            f"This chat now searches: {', '.join(slugs)}. /ingest URL adds to {slugs[0]}."
        )
