"""The `embeddings` table's one owner (`knowledge.storage.Vectors`): stored vectors by (model,
hash of the text).

Passage vectors (`knowledge.vectors`) and sentence vectors (`knowledge.sentence_vectors`) both
keep their vectors here as raw bytes in the storage dtype the caller chose; this module knows
SQL, not numpy. Writes go through `Store.transaction()`, reads through the store's reader.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from knowledge.storage import StoredVector
from knowledge.store import MAX_PARAMS, Store


class EmbeddingStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def known_hashes(self, model: str) -> set[str]:
        """The hashes of the texts `model` has a stored vector for."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT text_hash FROM embeddings WHERE model = ?", (model,)
        )
        return {h for (h,) in rows}

    async def save(self, model: str, vectors: Iterable[StoredVector]) -> None:
        """Store (or replace) vectors in one transaction."""
        async with self._store.transaction() as db:
            await db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_hash, dim, vector)"
                " VALUES (?, ?, ?, ?)",
                [(model, h, dim, blob) for h, dim, blob in vectors],
            )

    async def drop(self, model: str, hashes: Collection[str]) -> None:
        """Forget `model`'s vectors of these texts (their passages are gone)."""
        if hashes:
            async with self._store.transaction() as db:
                await db.executemany(
                    "DELETE FROM embeddings WHERE model = ? AND text_hash = ?",
                    [(model, h) for h in hashes],
                )

    async def all_of(self, model: str) -> dict[str, bytes]:
        """Every stored vector of `model`, by text hash."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT text_hash, vector FROM embeddings WHERE model = ?", (model,)
        )
        return {h: blob for h, blob in rows}

    async def some_of(self, model: str, hashes: Collection[str]) -> dict[str, bytes]:
        """The stored vectors of `model` for these text hashes (one indexed query per chunk)."""
        ordered = sorted(hashes)
        found: dict[str, bytes] = {}
        for start in range(0, len(ordered), MAX_PARAMS):
            part = ordered[start : start + MAX_PARAMS]
            marks = ",".join("?" * len(part))  # placeholders only; the hashes are parameters
            sql = "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN "
            rows = await self._store.reader.execute_fetchall(f"{sql}({marks})", (model, *part))
            found.update({h: blob for h, blob in rows})
        return found
