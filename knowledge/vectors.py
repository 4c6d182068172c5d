"""Passage embeddings: stored in the index file, searched in memory with numpy.

Vectors live in the `embeddings` table keyed by (model, hash of the passage text), so
re-ingesting a changed source only encodes the passages whose text changed, and moving a
passage (new row id, same text) costs nothing. They are stored as float16: half the bytes of
float32 with a cosine error around 1e-4, far below the gap between neighbouring results
(`bench/vector_storage.py` measures float32, float16 and int8). Search is a brute-force
float32 matrix-vector product over every passage, rebuilt when the store's generation changes:
at 100,000 passages that is ~11 ms, and it needs no SQLite extension (this Python's sqlite3
cannot load one).

A large ingest never holds questions up: passages are encoded in batches of BATCH_SIZE (each in
the embedder's worker thread, each saved in its own short transaction), and while an ingest is
saving or embedding (`updating()`), questions search the vectors loaded so far instead of
waiting; BM25 sees the new passages at once, the vector side when their embedding is done.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import numpy as np

from knowledge.embeddings import BATCH_SIZE, Embedder
from knowledge.models import Passage
from knowledge.neighbours import Neighbours
from knowledge.sentence_vectors import SentenceVectors
from knowledge.storage import Documents, PassageOwner, Vectors
from knowledge.text import text_hash

STORAGE_DTYPE = np.float16
ENCODE_CHUNK = BATCH_SIZE  # passages per encode call and per transaction at ingest
QUERY_CACHE = 512  # query vectors kept per text: a repeated or re-asked question skips the model
NEIGHBOURS_IN_ORDER = 50  # the closest passages sorted per question; any other's rank on demand

__all__ = ["Neighbours", "VectorIndex", "text_hash"]


class VectorIndex:
    """Embeds passages at ingest (only new texts) and answers nearest-neighbour queries."""

    def __init__(self, store: Documents, embedder: Embedder, vectors: Vectors) -> None:
        self._store = store
        self._embedder = embedder
        self._lock = asyncio.Lock()
        self._updating = 0  # ingests saving or embedding right now
        self._generation = -1
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._rows: dict[int, int] = {}  # passage id -> its row in the matrix
        # each row's source and speaker as small ints, so a restriction is one comparison
        self._source_codes: dict[str, int] = {}
        self._speaker_codes: dict[str, int] = {}
        self._sources = np.zeros(0, dtype=np.int32)
        self._speakers = np.zeros(0, dtype=np.int32)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._masks: dict[frozenset[int], np.ndarray] = {}  # per scope, this generation's rows
        self._vectors = vectors  # the stored embeddings (`knowledge.embedding_store`)
        self.sentences = SentenceVectors(self._vectors, embedder, STORAGE_DTYPE)

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    @property
    def size(self) -> int:
        return len(self._ids)

    async def sync(self) -> int:
        """Encode passages whose text has no stored vector, drop orphans, reload; return
        how many passages were encoded."""
        async with self._lock:
            generation = self._store.generation
            rows = await self._store.passage_owners()
            hashes = {pid: text_hash(text) for pid, _, _, text in rows}
            known = await self._known_hashes(self._embedder.name)
            todo: dict[str, str] = {}
            for pid, _, _, text in rows:
                if hashes[pid] not in known:
                    todo.setdefault(hashes[pid], text)
            items = list(todo.items())
            for start in range(0, len(items), ENCODE_CHUNK):
                chunk = items[start : start + ENCODE_CHUNK]
                vectors = await self._embedder.encode([text for _, text in chunk])
                await self._save((h for h, _ in chunk), vectors)
            await self._drop_orphans(self._embedder.name, set(hashes.values()))
            model = self.sentences.model
            done, live = await self.sentences.sync(
                (text for _, _, _, text in rows), await self._known_hashes(model)
            )
            await self._drop_orphans(model, live)
            await self._load(rows, hashes)
            self._generation = generation
            return len(items) + done

    @asynccontextmanager
    async def updating(self) -> AsyncIterator[None]:
        """Mark an ingest (its saves and the `sync` after them): meanwhile `ensure` does not
        wait for it, so a question is never stuck behind embedding."""
        self._updating += 1
        try:
            yield
        finally:
            self._updating -= 1

    async def ensure(self) -> None:
        """Reload when the store changed since the last sync (new or removed passages), unless
        an ingest is under way: then its own sync will, and the question uses what is loaded."""
        if self._updating or self._lock.locked():
            return
        if self._generation != self._store.generation:
            await self.sync()

    async def query_vector(self, text: str) -> np.ndarray:
        """The question's vector, encoded once per text (the model is the slow part of an ask)."""
        cached = self._queries.get(text)
        if cached is None:
            cached = (await self._embedder.encode([text]))[0]
            self._queries[text] = cached
            if len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        self._queries.move_to_end(text)
        return cached

    async def query_vectors(self, texts: list[str]) -> list[np.ndarray]:
        """Several texts' vectors, cached like `query_vector`'s, the new ones in one batch
        (a question's variants without one idea each, `knowledge.unsaid`)."""
        new = [text for text in dict.fromkeys(texts) if text not in self._queries]
        if new:
            for text, vector in zip(new, await self._embedder.encode(new), strict=True):
                self._queries[text] = vector
        found = [self._queries[text] for text in texts]
        for text in texts:
            self._queries.move_to_end(text)
        while len(self._queries) > QUERY_CACHE:
            self._queries.popitem(last=False)
        return found

    def forget_queries(self) -> None:
        """Drop the cached question vectors (a benchmark times new questions this way)."""
        self._queries.clear()

    def neighbours(
        self,
        vector: np.ndarray,
        *,
        source_id: str | None = None,
        speaker: str | None = None,
        top: int = NEIGHBOURS_IN_ORDER,
        rows: np.ndarray | None = None,
    ) -> Neighbours:
        """Every passage's cosine to `vector` (optionally only one source's or speaker's, or
        only the `rows` a scope allows, see `scope_mask`), the closest `top` in order."""
        sims = self._matrix @ vector.astype(np.float32) if len(self._ids) else np.zeros(0)
        allowed = np.ones(len(self._ids), dtype=bool) if rows is None else rows.copy()
        if source_id is not None:
            allowed &= self._sources == self._source_codes.get(source_id, -1)
        if speaker is not None:
            allowed &= self._speakers == self._speaker_codes.get(speaker, -1)
        return Neighbours(sims, self._ids, self._rows, allowed, top)

    async def scope_mask(self, scope: frozenset[int] | None) -> np.ndarray | None:
        """Which rows of the matrix belong to the collections `scope` (None: no mask), read
        once per loaded generation: a question in one collection never ranks the others."""
        if scope is None:
            return None
        mask = self._masks.get(scope)
        if mask is None or len(mask) != len(self._ids):
            inside = await self._store.passage_ids_in(scope)
            mask = np.isin(self._ids, np.asarray(inside, dtype=np.int64))
            self._masks[scope] = mask
        return mask

    async def passages(self, ids: list[int]) -> list[tuple[Passage, str]]:
        """The passages (and their keyword column) for ids, in the order given."""
        if not ids:
            return []
        found = await self._store.passages_by_id(ids)
        return [found[i] for i in ids if i in found]

    async def _known_hashes(self, model: str) -> set[str]:
        return await self._vectors.known_hashes(model)

    async def _save(self, hashes: Iterable[str], vectors: np.ndarray) -> None:
        await self._vectors.save(
            self._embedder.name,
            [
                (h, len(v), v.astype(STORAGE_DTYPE).tobytes())
                for h, v in zip(hashes, vectors, strict=True)
            ],
        )

    async def _drop_orphans(self, model: str, live: set[str]) -> None:
        await self._vectors.drop(model, (await self._known_hashes(model)) - live)

    async def _load(self, rows: list[PassageOwner], hashes: dict[int, str]) -> None:
        """Hold the vectors of `rows` (id, source id, speaker, text) that are stored."""
        by_hash = await self._vectors.all_of(self._embedder.name)
        ids = [pid for pid, _, _, _ in rows if hashes[pid] in by_hash]
        owners = {pid: (sid, speaker or "") for pid, sid, speaker, _ in rows}
        self._ids = np.asarray(ids, dtype=np.int64)
        self._rows = {pid: row for row, pid in enumerate(ids)}
        sources: dict[str, int] = {}
        speakers: dict[str, int] = {}
        self._sources = np.asarray(
            [sources.setdefault(owners[pid][0], len(sources)) for pid in ids], dtype=np.int32
        )
        self._speakers = np.asarray(
            [speakers.setdefault(owners[pid][1], len(speakers)) for pid in ids], dtype=np.int32
        )
        self._source_codes, self._speaker_codes = sources, speakers
        self._masks = {}
        if not ids:
            self._matrix = np.zeros((0, 0), dtype=np.float32)
            return
        blob = b"".join(by_hash[hashes[pid]] for pid in ids)
        matrix = np.frombuffer(blob, dtype=STORAGE_DTYPE).reshape(len(ids), -1)
        self._matrix = matrix.astype(np.float32)
