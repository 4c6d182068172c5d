"""The collections' rows: which collections exist, which sources each holds.

The one module that writes `collections` and `source_collections` (migration m010).
Callers (the `Library`, the CLI, chat commands through the `Library`) never see SQL.
Membership changes bump `Store.generation`, so search caches (the tantivy mirror, the vector
masks, idf counts) are rebuilt for the new membership.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import aiosqlite

from knowledge.collections import (
    Collection,
    CollectionError,
    Scope,
    check_slug,
    check_title,
)
from knowledge.store import ScopeIds, Store, utc_now


class CollectionStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def all(self) -> list[Collection]:
        """Every collection with its number of sources, oldest first."""
        rows = await self._store.read(
            "SELECT c.slug, c.title, count(sc.source_id) FROM collections c"
            " LEFT JOIN source_collections sc ON sc.collection_id = c.id"
            " GROUP BY c.id ORDER BY c.id"
        )
        return [Collection(slug, title, int(n)) for slug, title, n in rows]

    async def get(self, slug: str) -> Collection:
        """The collection `slug`, or a CollectionError naming the ones there are."""
        slug = check_slug(slug)
        for collection in await self.all():
            if collection.slug == slug:
                return collection
        raise CollectionError(await self._unknown(slug))

    async def create(self, slug: str, title: str) -> Collection:
        slug, title = check_slug(slug), check_title(title)
        try:
            async with self._store.transaction() as db:
                await db.execute(
                    "INSERT INTO collections (slug, title, created_at) VALUES (?, ?, ?)",
                    (slug, title, utc_now()),
                )
        except sqlite3.IntegrityError as exc:
            raise CollectionError(f"There is already a collection “{slug}”.") from exc
        return Collection(slug, title, 0)

    async def ensure(self, collection: Collection) -> int:
        """The id of `collection`, created (with its title) when it does not exist yet."""
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO collections (slug, title, created_at) VALUES (?, ?, ?)",
                (collection.slug, collection.title, utc_now()),
            )
            return await _id(db, collection.slug)

    async def rename(
        self, slug: str, *, title: str | None = None, new_slug: str | None = None
    ) -> Collection:
        """Change a collection's title or slug. Chats and sources refer to it by id, so both
        follow a new slug; only people who typed the old one need telling."""
        current = await self.get(slug)
        title = check_title(title) if title is not None else current.title
        target = check_slug(new_slug) if new_slug is not None else current.slug
        try:
            async with self._store.transaction() as db:
                await db.execute(
                    "UPDATE collections SET slug = ?, title = ? WHERE slug = ?",
                    (target, title, current.slug),
                )
        except sqlite3.IntegrityError as exc:
            raise CollectionError(f"There is already a collection “{target}”.") from exc
        return Collection(target, title, current.sources)

    async def delete(self, slug: str) -> int:
        """Remove a collection, and the sources that were in no other one (a source in no
        collection would still be searched by chats that use every collection); returns how
        many sources were removed. Chats bound to it fall back to their other collections."""
        current = await self.get(slug)
        async with self._store.transaction() as db:
            cid = await _id(db, current.slug)
            orphans = [
                sid
                for (sid,) in await db.execute_fetchall(
                    "SELECT source_id FROM source_collections WHERE collection_id = ?"
                    " AND source_id NOT IN (SELECT source_id FROM source_collections"
                    "   WHERE collection_id != ?)",
                    (cid, cid),
                )
            ]
            await db.executemany(
                "DELETE FROM passages WHERE source_id = ?", [(s,) for s in orphans]
            )
            await db.executemany("DELETE FROM sources WHERE id = ?", [(s,) for s in orphans])
            await db.execute("DELETE FROM collections WHERE id = ?", (cid,))
        self._store.generation += 1
        return len(orphans)

    async def join(self, source_ids: Iterable[str], collection: Collection) -> int:
        """Put sources into `collection` (created if need be); returns how many joined now."""
        wanted = list(dict.fromkeys(source_ids))
        if not wanted:
            return 0
        cid = await self.ensure(collection)
        async with self._store.transaction() as db:
            joined = []
            for source_id in wanted:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO source_collections (source_id, collection_id)"
                    " SELECT id, ? FROM sources WHERE id = ?",
                    (cid, source_id),
                )
                if cursor.rowcount:
                    joined.append(source_id)
        if joined:
            self._store.generation += 1
        return len(joined)

    async def homeless(self) -> list[str]:
        """Sources in no collection (indexed by an older release, or an interrupted ingest)."""
        rows = await self._store.read(
            "SELECT id FROM sources WHERE id NOT IN (SELECT source_id FROM source_collections)"
        )
        return [sid for (sid,) in rows]

    async def ids(self, scope: Scope) -> ScopeIds:
        """The collection ids of `scope`; an unknown slug is a CollectionError."""
        if scope is None:
            return None
        rows = await self._store.read("SELECT slug, id FROM collections")
        known = {slug: int(cid) for slug, cid in rows}
        missing = sorted(scope - known.keys())
        if missing:
            raise CollectionError(await self._unknown(missing[0]))
        return frozenset(known[slug] for slug in scope)

    async def source_ids(self, scope: Scope) -> frozenset[str] | None:
        """The ids of the sources in `scope` (None: no restriction)."""
        ids = await self.ids(scope)
        if ids is None:
            return None
        marks = ",".join("?" * len(ids))  # placeholders only; the ids are parameters
        rows = await self._store.read(
            f"SELECT DISTINCT source_id FROM source_collections WHERE collection_id IN ({marks})",  # noqa: S608
            sorted(ids),
        )
        return frozenset(sid for (sid,) in rows)

    async def of_sources(self) -> dict[str, tuple[str, ...]]:
        """Each source's collection slugs (for listings)."""
        rows = await self._store.read(
            "SELECT sc.source_id, c.slug FROM source_collections sc"
            " JOIN collections c ON c.id = sc.collection_id ORDER BY c.id"
        )
        found: dict[str, tuple[str, ...]] = {}
        for sid, slug in rows:
            found[sid] = (*found.get(sid, ()), slug)
        return found

    async def _unknown(self, slug: str) -> str:
        known = ", ".join(c.slug for c in await self.all()) or "none yet"
        return f"There is no collection “{slug}”. Collections: {known}."


async def _id(db: aiosqlite.Connection, slug: str) -> int:
    rows = await db.execute_fetchall("SELECT id FROM collections WHERE slug = ?", (slug,))
    row = next(iter(rows), None)
    if row is None:
        raise CollectionError(f"There is no collection “{slug}”.")
    return int(row[0])
