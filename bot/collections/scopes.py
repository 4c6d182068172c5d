"""A chat's scope: the collections its questions, /more, /why, inline queries and digest search.

Read from the chat's state (`ChatStore.collections`); a chat that never ran /use searches every
collection, so a single-story install behaves as before collections existed.
"""

from __future__ import annotations

from bot.storage import ChatBindings
from knowledge.answer import Answer
from knowledge.collections import Collection, Scope
from knowledge.library import Library


class ChatScopes:
    def __init__(self, library: Library, chats: ChatBindings) -> None:
        self._library = library
        self._chats = chats

    async def slugs(self, platform: str, chat_id: str) -> tuple[str, ...]:
        """The chat's collections in /use order; empty: every collection."""
        return await self._chats.collections(platform, chat_id)

    async def scope(self, platform: str, chat_id: str) -> Scope:
        slugs = await self.slugs(platform, chat_id)
        return frozenset(slugs) if slugs else None

    async def first(self, platform: str, chat_id: str) -> str | None:
        """Where `/ingest URL` adds: the chat's first collection (None: the bundled story's)."""
        slugs = await self.slugs(platform, chat_id)
        return slugs[0] if slugs else None

    async def titles(self, scope: Scope) -> tuple[str, ...]:
        """The titles of the collections searched (every one when `scope` is None)."""
        return tuple(c.title for c in await self._searched(scope))

    async def header(self, scope: Scope, answer: Answer) -> str:
        """ "From: <collection title>" for an answer searched in more than one collection
        (the quoted sources' collections); "" otherwise."""
        if answer.abstained or not answer.quotes:
            return ""
        searched = await self._searched(scope)
        if len(searched) < 2:
            return ""
        members = await self._library.collections.of_sources()
        cited = {slug for q in answer.quotes for slug in members.get(q.hit.source.id, ())}
        titles = [c.title for c in searched if c.slug in cited]
        return f"From: {'; '.join(titles)}" if titles else ""

    async def _searched(self, scope: Scope) -> list[Collection]:
        collections = await self._library.list_collections()
        return [c for c in collections if scope is None or c.slug in scope]
