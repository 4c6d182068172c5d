"""The one object graph: built from validated settings, owned by `async with`, closed in reverse.

Everything long-lived (store, library, core, the one clock) is created here and nowhere else,
so there is no global state and shutdown is one exit. Only entry modules (the CLI, the runner)
see `App`; they hand each feature just the parts it uses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.chat_store import ChatStore
from bot.collections.commands import CollectionCommands
from bot.collections.scopes import ChatScopes
from bot.config import ConfigError, Settings
from bot.core.admin import AdminCommands
from bot.core.clock import Clock, SystemClock
from bot.core.core import Core
from bot.core.guard import Guard
from bot.core.model import Message
from bot.digest.commands import DigestCommands
from bot.digest.store import SubscriptionStore
from bot.migrations import open_store
from bot.observability.health import HealthRegistry
from bot.observability.metrics import Metrics
from bot.progress import ProgressFactory, no_progress
from bot.semantic import choose_embedder
from bot.whatsnew.commands import WhatsNewCommands
from knowledge.collections import Collection
from knowledge.digest import DigestBuilder
from knowledge.ingest import IngestLimits
from knowledge.library import Library, load_story
from knowledge.query import QueryParser
from knowledge.readers.fetch import Fetcher, FetchLimits
from knowledge.readers.sandbox import ParseLimits
from knowledge.storage import SearchEngine
from knowledge.store import Store


@dataclass(frozen=True, slots=True)
class App:
    settings: Settings
    store: Store
    library: Library
    core: Core
    metrics: Metrics
    health: HealthRegistry
    subscriptions: SubscriptionStore
    digests: DigestBuilder
    clock: Clock
    chats: ChatStore  # chat state, question log, votes, update dedupe (one owner)


@asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    db_path: Path | None = None,
    progress: ProgressFactory = no_progress,
    clock: Clock | None = None,
) -> AsyncIterator[App]:
    """`progress`: how index builds at start-up are shown (the CLI: a bar on a terminal).
    `clock`: the one clock every part reads (default the system's; tests pass a fake): also
    when sources arrive and chats look at what is new."""
    clock = clock or SystemClock()
    store = await open_store(db_path or settings.store.path, clock=clock.now)
    try:
        library = Library(
            store,
            QueryParser.from_files(),
            min_coverage=settings.answers.min_coverage,
            max_bullets=settings.answers.max_bullets,
            embedder=choose_embedder(settings.semantic),
            fetcher=Fetcher(fetch_limits(settings)),
            engine=search_engine(settings, store),
            ingest_limits=ingest_limits(settings),
        )
        if settings.store.bundled_sources:
            async with progress("indexing the bundled sources", None) as tick:
                await library.sync_bundled(progress=tick)
        if settings.store.source_dirs:
            async with progress("indexing store.source_dirs", None) as tick:
                for folder in settings.store.source_dirs:
                    if folder.collection:
                        await library.collections.ensure(
                            Collection(folder.collection, folder.collection)
                        )
                    await library.ingest([folder.path], progress=tick, collection=folder.collection)
        story = load_story()
        metrics = Metrics()
        health = HealthRegistry()
        health.register("database", store.ping)
        access = settings.access
        guard = Guard(
            {p: {str(c) for c in chats} for p, chats in access.allowed_chats.items()},
            limit=access.rate_limit,
            window=access.rate_window_seconds,
            ingest_limit=access.ingest_rate_limit,
            ingest_window=access.ingest_rate_window_seconds,
            clock=clock,
        )
        chats = ChatStore(store, clock, question_days=settings.logging.question_days)
        scopes = ChatScopes(library, chats)

        async def first_collection(message: Message) -> str | None:
            return await scopes.first(message.platform, message.chat_id)

        admin = AdminCommands(library, settings.ingest.admins, first_collection)
        subscriptions = SubscriptionStore(store)
        digests = DigestBuilder(library, story)
        digest = DigestCommands(
            subscriptions, digests, settings.digest, clock, chats, scope_of=scopes.scope
        )
        core = Core(
            library,
            story=story.name,
            examples=story.examples,
            chats=chats,
            guard=guard,
            metrics=metrics,
            commands=(  # the wings' commands, in the order /help and the menus show them
                *WhatsNewCommands(
                    library, chats, digest.chat_zone, clock, scope_of=scopes.scope
                ).commands(),
                *digest.commands(),
                *CollectionCommands(library, chats, admin.is_admin).commands(),
                *admin.commands(),
            ),
            scopes=scopes,
        )
        try:
            yield App(
                settings,
                store,
                library,
                core,
                metrics,
                health,
                subscriptions,
                digests,
                clock,
                chats,
            )
        finally:
            await library.aclose()
    finally:
        await store.aclose()


def fetch_limits(settings: Settings) -> FetchLimits:
    """The `[ingest]` settings as the fetcher's limits."""
    ingest = settings.ingest
    return FetchLimits(
        connect_timeout=ingest.connect_timeout,
        read_timeout=ingest.read_timeout,
        max_bytes=int(ingest.max_megabytes * 1024 * 1024),
        max_redirects=ingest.max_redirects,
        allow_private_networks=ingest.allow_private_networks,
        deadline=ingest.fetch_deadline,
    )


def ingest_limits(settings: Settings) -> IngestLimits:
    """The `[ingest]` settings that bound one ingest: passages, feeds at once, the parser."""
    ingest = settings.ingest
    return IngestLimits(
        max_passages=ingest.max_passages,
        feed_concurrency=ingest.feed_concurrency,
        parse=ParseLimits(ingest.parse_timeout, ingest.parse_memory_megabytes),
    )


def search_engine(settings: Settings, store: Store) -> SearchEngine | None:
    """The configured BM25 engine; None means the store's own FTS5."""
    if settings.search.engine != "tantivy":
        return None
    try:
        from knowledge.tantivy_engine import TantivyEngine
    except ImportError as exc:
        raise ConfigError(
            "search.engine: tantivy is not installed (pip install 'briefbot[fast]')"
        ) from exc
    return TantivyEngine(store)
