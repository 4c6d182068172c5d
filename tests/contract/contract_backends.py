"""The backends the contract tests run against, each as the protocols the code sees."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fakes.clock import FakeClock

from bot.chat_store import ChatStore
from bot.digest.store import SubscriptionStore
from bot.migrations import open_store
from bot.storage import ChatBindings, ChatLooks, ChatRecords, Subscriptions
from knowledge.collection_store import CollectionStore
from knowledge.embedding_store import EmbeddingStore
from knowledge.source_registry import SourceRegistry
from knowledge.storage import Collections, IndexStore, Registry, Vectors

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Backend:
    """Every owner of one backend, typed by the protocols the rest of the code sees."""

    index: IndexStore
    collections: Collections
    vectors: Vectors
    registry: Registry
    chats: ChatRecords
    bindings: ChatBindings
    looks: ChatLooks
    subscriptions: Subscriptions
    clock: FakeClock


@asynccontextmanager
async def sqlite_backend(folder: Path) -> AsyncIterator[Backend]:
    clock = FakeClock(START)
    async with await open_store(folder / "contract.sqlite3", clock=clock.now) as store:
        chats = ChatStore(store, clock)
        yield Backend(
            store,
            CollectionStore(store),
            EmbeddingStore(store),
            SourceRegistry(store),
            chats,
            chats,
            chats,
            SubscriptionStore(store),
            clock,
        )


BACKENDS: dict[str, Callable[[Path], AbstractAsyncContextManager[Backend]]] = {
    "sqlite": sqlite_backend,
}
