"""The knowledge layer's front door: ingest files, list sources, answer questions.

`Library` ties the store, the query parser, the searcher and the answer composer together so
callers (the chat core, the CLI, benchmarks) make one call per job and never see SQL.
"""

from __future__ import annotations

import logging
import time
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from knowledge.answer import Answer, compose
from knowledge.documents import TEXT_SUFFIXES, DocumentError, parse_document
from knowledge.embeddings import Embedder
from knowledge.models import Source
from knowledge.query import QueryParser
from knowledge.search import Searcher, SearchResult
from knowledge.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestReport:
    path: str
    status: str  # added | updated | unchanged | failed
    source_id: str = ""
    passages: int = 0
    detail: str = ""


def bundled_sources_dir() -> Path:
    return Path(str(resources.files("knowledge") / "sources"))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the text files inside any directory given, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES))
        else:
            found.append(path)
    return found


class Library:
    def __init__(
        self,
        store: Store,
        parser: QueryParser,
        *,
        min_coverage: float = 0.5,
        max_bullets: int = 5,
        embedder: Embedder | None = None,
    ) -> None:
        self.store = store
        self.vectors = None
        if embedder is not None:
            from knowledge.vectors import VectorIndex  # numpy: only with the semantic extra

            self.vectors = VectorIndex(store, embedder)
        self.searcher = Searcher(store, parser, min_coverage=min_coverage, vectors=self.vectors)
        self._max_bullets = max_bullets

    async def ingest(
        self, paths: Iterable[Path], *, progress: Callable[[IngestReport], None] | None = None
    ) -> list[IngestReport]:
        """Index files one by one; a bad file is reported and skipped, never half-written."""
        reports = []
        for path in expand_paths(paths):
            report = await self._ingest_one(path)
            reports.append(report)
            if progress is not None:
                progress(report)
        if self.vectors is not None:
            encoded = await self.vectors.sync()  # only passages whose text is new
            log.info("embedded %d new passages", encoded)
        return reports

    async def _ingest_one(self, path: Path) -> IngestReport:
        try:
            doc = parse_document(path)
        except (DocumentError, OSError) as exc:
            log.warning("not ingested: %s", exc)
            return IngestReport(str(path), "failed", detail=str(exc))
        status = await self.store.upsert_document(doc)
        if doc.removed:
            log.info("%s: cleaning removed %d boilerplate spans", path.name, len(doc.removed))
        return IngestReport(str(path), status, doc.meta.id, len(doc.passages))

    async def sync_bundled(self) -> list[IngestReport]:
        """Index the bundled sources: the first run builds the index, later runs are no-ops
        unless a new release changed a bundled file (content hash)."""
        return await self.ingest([bundled_sources_dir()])

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
