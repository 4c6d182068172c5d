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
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from knowledge.answer import Answer, Quote, compose
from knowledge.collection_store import CollectionStore
from knowledge.collections import Collection, Scope, bundled_collection, story_file
from knowledge.embedding_store import EmbeddingStore
from knowledge.embeddings import Embedder
from knowledge.ingest import IngestLimits, Ingestor, IngestReport, expand_paths
from knowledge.kinds import reason_marked
from knowledge.models import Hit, Source
from knowledge.names import NameVocabulary
from knowledge.query import QueryParser
from knowledge.readers.fetch import Fetcher
from knowledge.scoring import is_question, sentence_texts
from knowledge.search import Searcher, SearchResult
from knowledge.source_identity import bundled_sources_dir
from knowledge.storage import Collections, SearchEngine
from knowledge.store import ScopeIds, Store
from knowledge.whatsnew import QUOTED, Arrival, WhatsNew

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

            self.vectors = VectorIndex(store, embedder, EmbeddingStore(store))
        self.searcher = Searcher(
            store, parser, min_coverage=min_coverage, vectors=self.vectors, engine=engine
        )
        self._max_bullets = max_bullets
        self.collections: Collections = CollectionStore(store)
        self._whatsnew = WhatsNew(store, parser.stopwords)

    async def ingest(
        self,
        paths: Iterable[Path],
        *,
        progress: Callable[[IngestReport], None] | None = None,
        workers: int = 1,
        collection: str | None = None,
    ) -> list[IngestReport]:
        """Index files and folders into `collection` (a slug; None: the bundled story's); a
        bad file is reported and skipped, never half-written.

        `workers` > 1 parses large folders in that many processes (see `knowledge.bulk`).
        """
        target = await self._target(collection)
        async with self._updating():
            reports = await self.ingestor.ingest_paths(
                expand_paths(paths), workers=workers, progress=progress
            )
            await self._join(reports, target)
            await self._embed_new()
        return reports

    async def ingest_url(self, url: str, collection: str | None = None) -> list[IngestReport]:
        """Fetch and index a web page, PDF or text file, or every entry of a feed, into
        `collection` (None: the bundled story's)."""
        target = await self._target(collection)
        async with self._updating():
            reports = await self.ingestor.ingest_url(url)
            await self._join(reports, target)
            await self._embed_new()
        return reports

    async def poll_feeds(self) -> list[IngestReport]:
        """Index the new and changed entries of every remembered feed (a new entry joins the
        bundled story's collection unless it is in one already)."""
        async with self._updating():
            reports = await self.ingestor.poll_feeds()
            await self._join(reports, None)
            await self._embed_new()
        return reports

    async def _target(self, collection: str | None) -> Collection | None:
        """The collection an ingest goes into; checked before anything is fetched."""
        return None if collection is None else await self.collections.get(collection)

    async def _join(self, reports: list[IngestReport], target: Collection | None) -> None:
        """Sources just ingested join `target`; with none named, those in no collection yet
        join the bundled story's (a re-ingest never moves a source out of its collections)."""
        ids = [r.source_id for r in reports if not r.failed and r.source_id]
        if target is None:
            homeless = set(await self.collections.homeless())
            ids = [sid for sid in ids if sid in homeless]
        await self.collections.join(ids, target or bundled_collection())

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
        reports = await self.ingest([bundled_sources_dir()], progress=progress)
        await self.adopt_homeless()
        return reports

    async def adopt_homeless(self) -> int:
        """Put the sources in no collection (a remembered feed's first entries, an ingest
        interrupted before it joined them) into the bundled story's; returns how many."""
        return await self.collections.join(await self.collections.homeless(), bundled_collection())

    async def sources(self, scope: Scope = None) -> list[Source]:
        """The indexed sources (of the collections `scope`; None: all)."""
        found = await self.store.sources()
        allowed = await self.collections.source_ids(scope)
        return found if allowed is None else [s for s in found if s.meta.id in allowed]

    async def list_collections(self) -> list[Collection]:
        return await self.collections.all()

    async def create_collection(self, slug: str, title: str) -> Collection:
        return await self.collections.create(slug, title)

    async def rename_collection(
        self, slug: str, *, title: str | None = None, new_slug: str | None = None
    ) -> Collection:
        return await self.collections.rename(slug, title=title, new_slug=new_slug)

    async def delete_collection(self, slug: str) -> int:
        """Remove a collection and the sources only it held; returns how many sources went."""
        return await self.collections.delete(slug)

    async def new_since(
        self,
        since: datetime,
        *,
        source_ids: frozenset[str] | None = None,
        until: datetime | None = None,
        quoted: int = QUOTED,
    ) -> list[Arrival]:
        """The sources that arrived or were changed in place after `since` (and up to `until`,
        None: now), the latest first, each with its most informative passages (an update: what
        it added and removed). `source_ids` narrows it to some sources; None means all.
        Only the first `quoted` are ranked for quotes (see `WhatsNew.since`)."""
        return await self._whatsnew.since(since, source_ids=source_ids, until=until, quoted=quoted)

    async def forget(self, source_id: str) -> bool:
        return await self.store.forget(source_id)

    async def search(
        self, question: str, *, hybrid: bool | None = None, scope: Scope = None
    ) -> SearchResult:
        ids = await self.collections.ids(scope)
        return await self.searcher.search(question, hybrid=hybrid, scope=ids)

    async def answer(
        self,
        question: str,
        *,
        offset: int = 0,
        hybrid: bool | None = None,
        scope: Scope = None,
    ) -> tuple[Answer, float]:
        """Return the answer and how long it took in milliseconds (`hybrid=False`: BM25 only);
        `scope`: only the sources of these collections (None: every collection)."""
        started = time.perf_counter()
        ids = await self.collections.ids(scope)
        result = await self.searcher.search(question, hybrid=hybrid, scope=ids)
        if result.focus.cast:
            result = await self._introductions(result, hybrid=hybrid, scope=ids)
        answer = compose(result, offset=offset, max_bullets=self._max_bullets)
        return answer, (time.perf_counter() - started) * 1000

    async def _introductions(
        self, asked: SearchResult, *, hybrid: bool | None, scope: ScopeIds
    ) -> SearchResult:
        """ "Who were the guests?": the passages that name the sources' speakers in someone
        else's words (the host's introduction, a credit), most people named first. Their own
        turns never name them, and the question's words ("guests") rarely appear at all."""
        people = asked.focus.cast
        found = await self.searcher.search(" ".join(people), hybrid=hybrid, scope=scope)
        forms = {name: _name_parts(name) for name in people}

        def named(hit: Hit) -> int:
            text = hit.passage.text.lower()
            return sum(
                1
                for name, parts in forms.items()
                if name != hit.passage.speaker and any(part in text for part in parts)
            )

        hits = sorted((h for h in found.hits if named(h)), key=lambda h: -named(h))
        if not hits:
            return asked
        return replace(found, hits=tuple(hits), abstained=False, reason="", focus=asked.focus)

    async def names(self) -> NameVocabulary:
        """The names the indexed sources use (for follow-ups and misspellings)."""
        return await self.searcher.names()

    async def reasons(
        self,
        question: str,
        previous: str,
        shown: int,
        *,
        hybrid: bool | None = None,
        scope: Scope = None,
    ) -> Answer:
        """A "why?" after `previous`: sentences that give reasons ("because", "so that", "in
        exchange for" …) for what the previous answer said, other than the quotes it showed,
        so the user reads something new rather than the same answer again.

        The reasons are looked for around the question and around each quote shown (a reason
        is often in the passage next to the claim, not next to the question's words)."""
        ids = await self.collections.ids(scope)
        before = compose(await self.searcher.search(previous, hybrid=hybrid, scope=ids))
        seen = {quote.text for quote in before.quotes}
        result = await self.searcher.search(question, hybrid=hybrid, scope=ids)
        pools = [result.hits] if not result.abstained else []
        for quote in before.quotes[: max(shown, 1)]:
            found = await self.searcher.search(quote.text, hybrid=hybrid, scope=ids)
            pools.append(found.hits)
        quotes = _reason_quotes(pools, seen, self._max_bullets)
        if not quotes:
            return Answer(question, replace(result, abstained=True, reason=NO_REASON), ())
        return Answer(question, replace(result, abstained=False), quotes, 0, len(result.hits))


def _shown(sentence: str, seen: set[str]) -> bool:
    """Whether a sentence was (part of) a quote already shown; quotes may be spans of several
    sentences or one trimmed with "…", so containment either way counts."""
    text = " ".join(sentence.split())
    for quote in seen:
        shown = " ".join(quote.replace("…", " ").split())
        if text in shown or (len(shown) > MIN_SHOWN_CHARS and shown in text):
            return True
    return False


MIN_SHOWN_CHARS = 20  # a trimmed quote shorter than this could be inside any sentence


def _name_parts(name: str) -> tuple[str, ...]:
    """The words of a name long enough to find it by ("angela", "stent")."""
    return tuple(f" {part}" for part in name.lower().split() if len(part) > 3)


NO_REASON = "no passage gives a reason beyond what was shown"
REASON_POOL = 5  # leading hits of each search looked at for reasons: nearer ones are off-topic


def _reason_quotes(pools: list[tuple[Hit, ...]], seen: set[str], limit: int) -> tuple[Quote, ...]:
    """Up to `limit` reason-giving sentences, one per passage, the question's own hits first."""
    quotes: list[Quote] = []
    used: set[int] = set()
    for depth in range(REASON_POOL):  # round-robin: each pool's best before any second-best
        for hits in pools:
            if depth >= len(hits) or len(quotes) >= limit:
                continue
            hit = hits[depth]
            if hit.passage.id in used:
                continue
            for sentence in sentence_texts(hit.passage.text):
                if (
                    reason_marked(sentence)
                    and not _shown(sentence, seen)
                    and not is_question(sentence)
                ):
                    quotes.append(Quote(sentence, hit))
                    used.add(hit.passage.id)
                    break
    return tuple(quotes)


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    examples: tuple[str, ...]
    standing_questions: tuple[str, ...] = ()  # what the daily digest's key points answer
    slug: str = ""  # the collection the bundled sources form (knowledge/collections.py)


def load_story(path: Path | None = None) -> Story:
    """The story's name, collection slug and example questions, from `data/story.toml`
    (data, not code)."""
    data = tomllib.loads((path or story_file()).read_text(encoding="utf-8"))
    return Story(
        str(data.get("name", "")),
        tuple(str(q) for q in data.get("examples", ())),
        tuple(str(q) for q in data.get("standing_questions", ())),
        str(data.get("slug", "")),
    )
