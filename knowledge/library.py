"""The knowledge layer's front door: ingest files, list sources, answer questions.

`Library` ties the store, the query parser, the searcher and the answer composer together so
callers (the chat core, the CLI, benchmarks) make one call per job and never see SQL.
"""

from __future__ import annotations

import logging
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from knowledge.answer import Answer, compose
from knowledge.embeddings import Embedder
from knowledge.ingest import IngestLimits, Ingestor, IngestReport, expand_paths
from knowledge.models import Source
from knowledge.query import QueryParser
from knowledge.readers.fetch import Fetcher
from knowledge.search import SearchEngine, Searcher, SearchResult
from knowledge.source_identity import bundled_sources_dir
from knowledge.store import Store

log = logging.getLogger(__name__)


class Library:
    def __init__(
        self,
        store: Store,
        parser: QueryParser,
        *,
        min_coverage: float = 0.5,
        max_bullets: int = 5,
        embedder: Embedder | None = None,
        fetcher: Fetcher | None = None,
        engine: SearchEngine | None = None,
        ingest_limits: IngestLimits | None = None,
    ) -> None:
        self.store = store
        self.ingestor = Ingestor(store, fetcher or Fetcher(), ingest_limits)
        self.vectors = None
        if embedder is not None:
            from knowledge.vectors import VectorIndex  # numpy: only with the semantic extra

            self.vectors = VectorIndex(store, embedder)
        self.searcher = Searcher(
            store, parser, min_coverage=min_coverage, vectors=self.vectors, engine=engine
        )
        self._max_bullets = max_bullets

    async def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: Callable[[IngestReport], None] | None = None,
        workers: int = 1,
    ) -> list[IngestReport]:
        """Index files and folders; a bad file is reported and skipped, never half-written.

        `workers` > 1 parses large folders in that many processes (see `knowledge.bulk`).
        """
        async with self._updating():
            reports = await self.ingestor.ingest_paths(
                expand_paths(paths), workers=workers, progress=progress
            )
            await self._embed_new()
        return reports

    async def ingest_url(self, url: str) -> list[IngestReport]:
        """Fetch and index a web page, PDF or text file, or every entry of a feed."""
        async with self._updating():
            reports = await self.ingestor.ingest_url(url)
            await self._embed_new()
        return reports

    async def poll_feeds(self) -> list[IngestReport]:
        """Index the new and changed entries of every remembered feed."""
        async with self._updating():
            reports = await self.ingestor.poll_feeds()
            await self._embed_new()
        return reports

    @asynccontextmanager
    async def _updating(self) -> AsyncIterator[None]:
        """Questions asked meanwhile search what is loaded instead of waiting for the embedding
        (BM25 already sees the new passages)."""
        if self.vectors is None:
            yield
            return
        async with self.vectors.updating():
            yield

    async def _embed_new(self) -> None:
        """With the semantic extra: embed the passages whose text is new (others are kept)."""
        if self.vectors is not None:
            encoded = await self.vectors.sync()
            if encoded:
                log.info("embedded %d new passages", encoded)

    async def aclose(self) -> None:
        """Stop the parser process (the store is closed by whoever opened it)."""
        await self.ingestor.aclose()

    async def sync_bundled(
        self, *, progress: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Index the bundled sources: the first run builds the index, later runs are no-ops
        unless a new release changed a bundled file (content hash)."""
        return await self.ingest([bundled_sources_dir()], progress=progress)

    async def sources(self) -> list[Source]:
        return await self.store.sources()

    async def forget(self, source_id: str) -> bool:
        return await self.store.forget(source_id)

    async def search(self, question: str, *, hybrid: bool | None = None) -> SearchResult:
        return await self.searcher.search(question, hybrid=hybrid)

    async def answer(
        self, question: str, *, offset: int = 0, hybrid: bool | None = None
    ) -> tuple[Answer, float]:
        """Return the answer and how long it took in milliseconds (`hybrid=False`: BM25 only)."""
        started = time.perf_counter()
        result = await self.searcher.search(question, hybrid=hybrid)
        answer = compose(result, offset=offset, max_bullets=self._max_bullets)
        return answer, (time.perf_counter() - started) * 1000


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    examples: tuple[str, ...]
    standing_questions: tuple[str, ...] = ()  # what the daily digest's key points answer


def load_story(path: Path | None = None) -> Story:
    """The story's name and example questions, from `data/story.toml` (data, not code)."""
    text = (path or Path(str(resources.files("knowledge") / "data" / "story.toml"))).read_text(
        encoding="utf-8"
    )
    data = tomllib.loads(text)
    return Story(
        str(data.get("name", "")),
        tuple(str(q) for q in data.get("examples", ())),
        tuple(str(q) for q in data.get("standing_questions", ())),
    )
