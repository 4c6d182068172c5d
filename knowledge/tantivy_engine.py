"""An optional BM25 engine (tantivy, in memory) behind the same interface as the store's FTS5.

FTS5 scores every passage that contains any query word, so at 100k passages a question with a
common word ("file", "create") costs tens of milliseconds; tantivy's block-max WAND skips
most of them and answers in well under a millisecond. The index mirrors the store's passages:
on first use it is built from SQLite, and whenever the store's generation changes it is brought
up to date source by source (content hash), so SQLite stays the one source of truth.
Install with `pip install 'briefbot[fast]'`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import tantivy

from knowledge.models import Passage
from knowledge.storage import MirrorRow, MirrorSource, ScopeIds

HEAP_BYTES = 32 * 1024 * 1024
# Document counts of (term, scope) kept per index generation: questions share most of their
# words, and in a scope each count is an intersection with the collection filter (~0.05 ms).
MAX_COUNTS = 50_000


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("pid", stored=True, indexed=True, fast=True)
    builder.add_text_field("source", stored=False, tokenizer_name="raw")
    builder.add_text_field("scope", stored=False, tokenizer_name="raw")  # collection ids
    builder.add_text_field("text", stored=False, tokenizer_name="en_stem")
    builder.add_text_field("keywords", stored=False, tokenizer_name="en_stem")
    return builder.build()


class TantivyEngine:
    """`fts_search` and `term_document_counts`, as `Store` has them, over a tantivy index."""

    def __init__(self, store: MirrorSource) -> None:
        self._store = store
        self._index: Any = None
        self._generation = -1
        self._hashes: dict[str, str] = {}
        self._total = 0
        self._totals: dict[frozenset[int], int] = {}  # passages per scope, this generation
        self._counts: dict[tuple[str, ScopeIds], int] = {}  # this generation
        self._lock = asyncio.Lock()

    async def fts_search(
        self, match: str, limit: int, scope: ScopeIds = None
    ) -> list[tuple[Passage, str, float]]:
        if scope is not None and not scope:
            return []
        await self._sync()
        searcher = self._index.searcher()
        hits = searcher.search(self._query(match, scope), limit).hits
        scores = {searcher.doc(address)["pid"][0]: score for score, address in hits}
        if not scores:
            return []
        rows = await self._store.passages_by_id(tuple(scores))
        found = [(passage, keywords, scores[pid]) for pid, (passage, keywords) in rows.items()]
        return sorted(found, key=lambda row: (-row[2], row[0].id))

    async def term_document_counts(
        self, terms: Iterable[str], scope: ScopeIds = None
    ) -> tuple[int, dict[str, int]]:
        await self._sync()
        searcher = self._index.searcher()
        if len(self._counts) > MAX_COUNTS:
            self._counts.clear()
        counts = {}
        for term in terms:
            count = self._counts.get((term, scope))
            if count is None:
                count = searcher.search(self._query(term, scope), count=True).count
                self._counts[term, scope] = count
            counts[term] = count
        if scope is None:
            return self._total, counts
        total = self._totals.get(scope)
        if total is None:  # per generation: `_sync` empties it
            total = self._totals[scope] = searcher.search(
                self._scope_filter(scope), count=True
            ).count
        return total, counts

    def _query(self, match: str, scope: ScopeIds = None) -> Any:
        """The question's terms; with a scope, also a term filter on the collection ids that
        scores nothing (the passages' ranking is the same as without it) and lets tantivy skip
        other collections' documents while it intersects the posting lists."""
        query = self._index.parse_query(
            match, ["text", "keywords"], field_boosts={"text": 1.0, "keywords": 0.5}
        )
        if scope is None:
            return query
        must = tantivy.Occur.Must
        return tantivy.Query.boolean_query([(must, query), (must, self._scope_filter(scope))])

    def _scope_filter(self, scope: frozenset[int]) -> Any:
        """Any of the scope's collections, scoring nothing. Term queries joined by "should":
        tantivy's term-set query cost ~0.2 ms more per search here (it builds an automaton)."""
        schema = self._index.schema
        terms = [tantivy.Query.term_query(schema, "scope", str(c)) for c in sorted(scope)]
        anyof = (
            terms[0]
            if len(terms) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        )
        return tantivy.Query.const_score_query(anyof, 0.0)

    async def _sync(self) -> None:
        """Mirror the store: drop sources removed or changed since the last sync, add new ones."""
        async with self._lock:
            if self._generation == self._store.generation and self._index is not None:
                return
            generation = self._store.generation
            # the version includes the source's collections: one that moved is indexed again
            current = await self._store.source_versions()
            stale = [s for s, h in self._hashes.items() if current.get(s) != h]
            fresh = [s for s, h in current.items() if self._hashes.get(s) != h]
            rows = await self._store.passages_to_mirror(fresh)
            await asyncio.to_thread(self._apply, stale, rows)
            self._hashes = current
            self._total = await self._store.passage_count()
            self._totals.clear()
            self._counts.clear()
            self._generation = generation

    def _apply(self, stale: list[str], rows: list[MirrorRow]) -> None:
        if self._index is None:
            self._index = tantivy.Index(_schema())
        writer = self._index.writer(heap_size=HEAP_BYTES, num_threads=1)
        for source_id in stale:
            writer.delete_documents_by_term("source", source_id)
        for pid, source_id, text, keywords, scope in rows:  # scope: the collection ids
            writer.add_document(
                tantivy.Document(
                    pid=pid, source=source_id, text=text, keywords=keywords, scope=list(scope)
                )
            )
        writer.commit()
        writer.wait_merging_threads()
        self._index.reload()
