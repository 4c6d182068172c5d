"""Sentence vectors: which sentence of a passage says what the question asks, by meaning.

A passage vector averages five or six sentences, so a passage whose one sentence answers the
question ("The war in Ukraine is grinding on ...") scores like its neighbours that talk about
something else. Each sentence is embedded once, at ingest, and stored in the `embeddings`
table under the model's name plus SENTENCE_SUFFIX, keyed by the hash of the sentence text
(so no migration, and an unchanged sentence in an edited passage is not re-encoded).

At query time only the sentences of the leading candidates are needed: they are read by hash
(one indexed query) and kept in a bounded per-passage cache, never all in memory. Encoding
them per query instead would cost ~4 ms a sentence on this machine (40 sentences: ~160 ms).
Cost at 100,000 passages (~6 sentences each): 600k float16 rows of 384 dims, ~0.5 GB on
disk, and about six times the passage encoding time at ingest.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np

from knowledge.embeddings import Embedder
from knowledge.scoring import sentence_texts
from knowledge.storage import Vectors
from knowledge.text import text_hash

SENTENCE_SUFFIX = "/sentences"
CACHE_PASSAGES = 4096  # per-passage sentence matrices kept in memory (~6 x 384 floats each)
ENCODE_CHUNK = 64  # sentences per encode call: short turns for the worker thread


class SentenceVectors:
    """Stores sentence vectors at ingest; returns per-sentence cosines for a few passages."""

    def __init__(self, vectors: Vectors, embedder: Embedder, dtype: type = np.float16) -> None:
        self._vectors = vectors
        self._embedder = embedder
        self._dtype = dtype
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    @property
    def model(self) -> str:
        return self._embedder.name + SENTENCE_SUFFIX

    async def sync(self, texts: Iterable[str], known: set[str]) -> tuple[int, set[str]]:
        """Encode the sentences of `texts` not in `known`; return (encoded, live hashes)."""
        self._cache.clear()
        todo: dict[str, str] = {}
        live: set[str] = set()
        for text in texts:
            for sentence in sentence_texts(text):
                h = text_hash(sentence)
                live.add(h)
                if h not in known:
                    todo.setdefault(h, sentence)
        items = list(todo.items())
        for start in range(0, len(items), ENCODE_CHUNK):
            chunk = items[start : start + ENCODE_CHUNK]
            vectors = await self._embedder.encode([s for _, s in chunk])
            await self._vectors.save(
                self.model,
                [
                    (h, len(v), v.astype(self._dtype).tobytes())
                    for (h, _), v in zip(chunk, vectors, strict=True)
                ],
            )
        return len(items), live

    async def cosines(
        self, vector: np.ndarray, passages: list[tuple[int, str]]
    ) -> dict[int, list[float]]:
        """Cosine of `vector` to each sentence of each (passage id, text), in sentence order;
        a passage whose sentence vectors are missing gets an empty list."""
        missing = [(pid, text) for pid, text in passages if pid not in self._cache]
        if missing:
            await self._fetch(missing)
        query = vector.astype(np.float32)
        found: dict[int, list[float]] = {}
        for pid, _ in passages:
            matrix = self._cache.get(pid)
            if matrix is not None:
                self._cache.move_to_end(pid)
                found[pid] = (matrix @ query).tolist()
            else:
                found[pid] = []
        return found

    async def _fetch(self, passages: list[tuple[int, str]]) -> None:
        wanted = {pid: [text_hash(s) for s in sentence_texts(text)] for pid, text in passages}
        blobs = await self._vectors.some_of(self.model, {h for hs in wanted.values() for h in hs})
        for pid, hs in wanted.items():
            if hs and all(h in blobs for h in hs):
                vectors: list[np.ndarray] = [np.frombuffer(blobs[h], dtype=self._dtype) for h in hs]
                self._cache[pid] = np.vstack(vectors).astype(np.float32)
                if len(self._cache) > CACHE_PASSAGES:
                    self._cache.popitem(last=False)
