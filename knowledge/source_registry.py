"""SQL for what identifies a source beyond its id (URLs, feed entry ids) and for remembered feeds.

Writes go through `Store.transaction()`, so a document, its URLs and the duplicate check
commit together or not at all; reads use the store's reader connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import aiosqlite

from knowledge.bulk_store import save_batch
from knowledge.models import Document
from knowledge.source_identity import MAX_SUFFIX, identity_keys, same_file, suffixed
from knowledge.source_registry_types import Saved
from knowledge.store import Store, utc_now


@dataclass(frozen=True, slots=True)
class FeedRecord:
    url: str
    title: str
    added_at: str
    polled_at: str | None
    entries: int
    last_error: str


class SourceRegistry:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def save(self, doc: Document, keys: Sequence[str] = ()) -> Saved:
        """Index `doc` unless it is already known: a known URL/entry id keeps its source id
        (so an edited page or entry updates in place), and text identical to another source
        is reported as a duplicate instead of indexed twice. One transaction."""
        return (await self.save_many([(doc, tuple(keys))]))[0]

    async def save_many(self, items: Sequence[tuple[Document, Sequence[str]]]) -> list[Saved]:
        """`save` for several documents in one transaction (bulk ingest): all or none.

        A document read from a file is also identified by its resolved path (see
        knowledge/source_identity.py), so a second file of the same name gets its own id."""
        items = [(doc, identity_keys(doc.path, tuple(keys))) for doc, keys in items]
        async with self._store.transaction() as db:
            results = await save_batch(db, items, self._store.now()) if len(items) > 1 else None
            if results is None:
                results = [await self._save_in(db, doc, keys) for doc, keys in items]
        if any(r.status in ("added", "updated") for r in results):
            self._store.generation += 1
        return results

    async def _save_in(self, db: aiosqlite.Connection, doc: Document, keys: Sequence[str]) -> Saved:
        note = ""
        if keys:
            marks = ",".join("?" * len(keys))
            async with db.execute(
                f"SELECT source_id FROM source_urls WHERE url IN ({marks}) LIMIT 1",  # noqa: S608
                tuple(keys),
            ) as cursor:
                known = await cursor.fetchone()
            if known is not None and known[0] != doc.meta.id:
                doc = replace(doc, meta=replace(doc.meta, id=known[0]))
            elif known is None:
                free = await self._free_id(db, doc)
                if free is None:
                    return Saved("failed", doc.meta.id, f"too many sources named {doc.meta.id}")
                if free != doc.meta.id:
                    note = f"{doc.meta.id} is another source's id"
                doc = replace(doc, meta=replace(doc.meta, id=free))
        async with db.execute(
            "SELECT id FROM sources WHERE content_hash = ? AND id != ? LIMIT 1",
            (doc.content_hash, doc.meta.id),
        ) as cursor:
            twin = await cursor.fetchone()
        if twin is not None:
            return Saved("duplicate", twin[0], f"same text as {twin[0]}")
        status = await self._store.write_document(db, doc)
        await db.executemany(
            "INSERT OR IGNORE INTO source_urls (url, source_id) VALUES (?, ?)",
            [(key, doc.meta.id) for key in keys],
        )
        return Saved(status, doc.meta.id, note if status == "added" else "")

    async def _free_id(self, db: aiosqlite.Connection, doc: Document) -> str | None:
        """The id for a source seen for the first time: its own unless another source holds
        it (then the first free `ID-2`, `ID-3`, …). A source stored before identity keys
        existed keeps its id when it was read from this very file (its keys are added now)."""
        async with db.execute("SELECT path FROM sources WHERE id = ?", (doc.meta.id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return doc.meta.id
        async with db.execute(
            "SELECT 1 FROM source_urls WHERE source_id = ? LIMIT 1", (doc.meta.id,)
        ) as cursor:
            has_keys = await cursor.fetchone() is not None
        if not has_keys and same_file(row[0], doc.path):
            return doc.meta.id
        for n in range(2, MAX_SUFFIX):
            candidate = suffixed(doc.meta.id, n)
            async with db.execute("SELECT 1 FROM sources WHERE id = ?", (candidate,)) as cursor:
                if await cursor.fetchone() is None:
                    return candidate
        return None

    async def add_feed(self, url: str, title: str) -> bool:
        """Remember a feed; False when it was already remembered (its title is refreshed)."""
        async with self._store.transaction() as db:
            async with db.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)) as cursor:
                known = await cursor.fetchone() is not None
            await db.execute(
                "INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET title = excluded.title",
                (url, title, utc_now()),
            )
        return not known

    async def feeds(self) -> list[FeedRecord]:
        rows = await self._store.reader.execute_fetchall(
            "SELECT url, title, added_at, polled_at, entries, last_error FROM feeds"
            " ORDER BY added_at, url"
        )
        return [FeedRecord(*row) for row in rows]

    async def mark_polled(self, url: str, *, entries: int, error: str = "") -> None:
        async with self._store.transaction() as db:
            await db.execute(
                "UPDATE feeds SET polled_at = ?, entries = ?, last_error = ? WHERE url = ?",
                (utc_now(), entries, error, url),
            )
