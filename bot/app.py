"""The one object graph: built from validated settings, owned by `async with`, closed in reverse.

Everything long-lived (store, library, core; later the adapters, scheduler and HTTP server)
is created here and nowhere else, so there is no global state and shutdown is one exit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core.core import Core
from bot.core.digest_commands import DigestCommands
from bot.digest.store import SubscriptionStore
from knowledge.digest import DigestBuilder
from knowledge.library import Library, load_story
from knowledge.query import QueryParser
from knowledge.store import Store


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    store: Store
    library: Library
    core: Core
    subscriptions: SubscriptionStore
    digests: DigestBuilder


@asynccontextmanager
async def open_app(settings: Settings, *, db_path: Path | None = None) -> AsyncIterator[App]:
    store = await Store.open(db_path or settings.store.path)
    try:
        library = Library(
            store,
            QueryParser.from_files(),
            min_coverage=settings.answers.min_coverage,
            max_bullets=settings.answers.max_bullets,
        )
        if settings.store.bundled_sources:
            await library.sync_bundled()
        if settings.store.source_dirs:
            await library.ingest(settings.store.source_dirs)
        story = load_story()
        core = Core(library, story=story.name, examples=story.examples)
        subscriptions = SubscriptionStore(store)
        digests = DigestBuilder(library, story)
        DigestCommands(subscriptions, digests, settings.digest).register(core)
        yield App(settings, store, library, core, subscriptions, digests)
    finally:
        await store.aclose()
