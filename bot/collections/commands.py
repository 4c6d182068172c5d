"""The collection commands: /collections lists them, /use binds this chat to some.

Each command's name, usage and /help line (bot/collections/docs.py) sit next to its handler in
`CollectionCommands.commands()`; `register` adds the handlers to the core's command table, as
the digest's commands are added, so adapters need nothing new. Binding a group chat is for the
bot's admins (`ingest.admins`, as for /ingest); in a private chat anyone chooses for themself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.chat_store import ChatStore
from bot.collections.docs import COLLECTION_COMMANDS
from bot.core import replies
from bot.core.model import Message, Reply, ReplyKind
from knowledge.collections import CollectionError, check_slug
from knowledge.library import Library

Handler = Callable[[Message, str], Awaitable[Reply]]
USE_USAGE = "Usage: /use SLUG… (one or more, see /collections), or /use all for every one."
REFUSAL = (
    "Sorry, in a group only the bot's admins can choose its collections. "
    "In a private chat with me you can choose your own."
)


class CollectionCommands:
    def __init__(
        self, library: Library, chats: ChatStore, is_admin: Callable[[Message], bool]
    ) -> None:
        self._library = library
        self._chats = chats
        self._is_admin = is_admin

    def commands(self) -> tuple[tuple[str, str, str, bool, Handler], ...]:
        """(name, usage, /help line, admins only, handler) of each command."""
        handlers: dict[str, Handler] = {"collections": self.collections, "use": self.use}
        return tuple((*doc, handlers[doc[0]]) for doc in COLLECTION_COMMANDS)

    def register(self, core: object) -> None:
        """Add the handlers to a `Core` (anything with `register(name, handler)`)."""
        for name, *_, handler in self.commands():
            core.register(name, handler)  # type: ignore[attr-defined]

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
