"""The SQLite index behind one object: sources, passages and full-text search (the
`Documents`, `SearchStatistics` and `MirrorSource` of `knowledge.storage`).

One file, WAL mode, two connections: every write goes through a single writer connection
guarded by a lock, so one coroutine's transaction can never commit another's half-done work;
reads use their own connection and see only committed data.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite

from knowledge.migrations import MIGRATIONS, Migration, apply_migrations
from knowledge.models import Document, Passage, Source, SourceMeta, Speaker
from knowledge.passage_changes import Change, record_replacement
from knowledge.scope_filter import RANKED, ScopeFilters
from knowledge.storage import MirrorRow, PassageOwner
from knowledge.storage import ScopeIds as ScopeIds  # where search and collections import it
from knowledge.store_errors import StoreOpenError, open_error
from knowledge.store_health import HEALTH_BUSY_MS, check_database, touch_health_row

BUSY_TIMEOUT_MS = 5000
MAX_PARAMS = 500  # bound parameters per statement, well under SQLite's limit


Clock = Callable[[], datetime]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def system_clock() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A stored moment: UTC, to the microsecond, so "arrived after I last looked" never
    depends on two things happening in the same second."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def meta_to_json(meta: SourceMeta) -> str:
    return json.dumps(asdict(meta), ensure_ascii=False)


def meta_from_json(text: str) -> SourceMeta:
    data: dict[str, Any] = json.loads(text)
    data["authors"] = tuple(data.get("authors", ()))
    data["speakers"] = tuple(Speaker(**s) for s in data.get("speakers", ()))
    data["search_aliases"] = tuple(tuple(pair) for pair in data.get("search_aliases", ()))
    data["keywords"] = tuple(data.get("keywords", ()))
    data["corrections"] = tuple(tuple(pair) for pair in data.get("corrections", ()))
    return SourceMeta(**data)


def passage_keywords(meta: SourceMeta, speaker: str | None, text: str, section: str = "") -> str:
    """Searchable words that are never quoted: speaker and role, the heading the passage sits
    under, the source's outlet and keywords ("episode", "article"), and what a machine
    transcript mis-heard."""
    words = [speaker or "", meta.speaker_role(speaker), section, meta.outlet, *meta.keywords]
    lowered = text.lower()
    words += [meant for heard, meant in meta.search_aliases if heard.lower() in lowered]
    return " ".join(w for w in words if w)


# A document's rows, as the one-by-one writer (`Store.write_document`) and the batch writer
# (`knowledge.bulk_store`) both write them.
INSERT_SOURCE = (
    "INSERT INTO sources (id, meta, path, content_hash, added_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
UPDATE_SOURCE = (
    "UPDATE sources SET meta = ?, path = ?, content_hash = ?, updated_at = ? WHERE id = ?"
)


def new_source_row(doc: Document, now: str) -> tuple[str, str, str, str, str, str]:
    """The values of INSERT_SOURCE."""
    return (doc.meta.id, meta_to_json(doc.meta), doc.path, doc.content_hash, now, now)


def changed_source_row(doc: Document, now: str) -> tuple[str, str, str, str, str]:
    """The values of UPDATE_SOURCE."""
    return (meta_to_json(doc.meta), doc.path, doc.content_hash, now, doc.meta.id)


async def write_passages(db: aiosqlite.Connection, docs: Iterable[Document]) -> None:
    """Insert the passages of `docs` (whose old passages are already deleted) inside the
    caller's transaction, and index them in one `INSERT … SELECT` (see migration m006):
    several times faster than the per-row trigger."""
    async with db.execute("SELECT coalesce(max(id), 0) FROM passages") as cursor:
        row = await cursor.fetchone()
    last_id = int(row[0]) if row else 0  # new rows get ids above it (rowid = max + 1)
    await db.execute("UPDATE fts_sync SET deferred = 1")
    await db.executemany(
        "INSERT INTO passages (source_id, position, speaker, text, keywords, section)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                doc.meta.id,
                p.position,
                p.speaker,
                p.text,
                passage_keywords(doc.meta, p.speaker, p.text, p.section),
                p.section,
            )
            for doc in docs
            for p in doc.passages
        ],
    )
    await db.execute(
        "INSERT INTO passages_fts (rowid, text, keywords)"
        " SELECT id, text, keywords FROM passages WHERE id > ?",
        (last_id,),
    )
    await db.execute("UPDATE fts_sync SET deferred = 0")


class Store:
    """Open with `await Store.open(path)` (or `async with`), close with `aclose()`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        checker: aiosqlite.Connection | None = None,
        clock: Clock = system_clock,
    ):
        self.path = path
        self.clock = clock  # when sources arrive and change (tests: a clock moved by hand)
        self._writer = writer
        self._reader = reader
        self._checker = checker  # the health check's own connection (knowledge/store_health.py)
        self._write_lock = asyncio.Lock()
        self.generation = 0  # bumped when indexed content changes; search caches key on it
        self._scope_filters = ScopeFilters(reader)  # how FTS5 searches some collections

    @classmethod
    async def open(
        cls,
        path: Path | str,
        *,
        clock: Clock = system_clock,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> Store:
        """Raises StoreOpenError (one line: read-only, corrupt, not a briefbot database, …)
        with every connection it opened closed again: an open aiosqlite connection is a
        non-daemon thread, and one left behind kept the process alive after the error.
        `migrations`: the index's own by default; the bot adds its tables' (bot/migrations.py)."""
        path = Path(path)
        opened: list[aiosqlite.Connection] = []
        try:
            if str(path) != ":memory:":
                path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(_probe, path)
            writer = await _connect(path)
            opened.append(writer)
            await _check_is_ours(writer, path)
            await writer.execute("PRAGMA journal_mode=WAL")
            await apply_migrations(writer, utc_now(), migrations)
            await touch_health_row(writer)  # a read-only file fails here, not at the 1st answer
            reader = await _connect(path)
            opened.append(reader)
            checker = await _connect(path, busy_ms=HEALTH_BUSY_MS)
        except BaseException as exc:
            for db in reversed(opened):
                await db.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise open_error(path, exc) from exc
            raise
        return cls(path, writer, reader, checker, clock)

    def now(self) -> str:
        """The store's time as stored (`stamp`): when a source is written, it arrived then."""
        return stamp(self.clock())

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read-only connection, for store modules of other features (e.g. vectors)."""
        return self._reader

    async def aclose(self) -> None:
        if self._checker is not None:
            await self._checker.close()
        await self._reader.close()
        await self._writer.close()

    async def ping(self) -> bool:
        """The health check: the reader answers, a passage is found through the full-text
        index, the disk has room and the health row takes a write (knowledge/store_health.py)."""
        rows = await self._reader.execute_fetchall("SELECT count(*) FROM sources")
        if self._checker is None:
            count: int = next(iter(rows))[0]
            return count >= 0
        return await check_database(self._checker, self.path)

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The one way to write: serialised, BEGIN IMMEDIATE, committed or rolled back whole."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query on the reader connection (committed data only).

        For store modules that keep their own tables (e.g. bot/digest/store.py); writes go
        through `transaction()`.
        """
        return [tuple(row) for row in await self._reader.execute_fetchall(sql, tuple(params))]

    # -- sources -------------------------------------------------------------------------

    async def upsert_document(self, doc: Document) -> str:
        """Index a document; return "added", "updated" or "unchanged" (same content hash)."""
        async with self.transaction() as db:
            status = await self.write_document(db, doc)
        if status != "unchanged":
            self.generation += 1
        return status

    async def write_document(self, db: aiosqlite.Connection, doc: Document) -> str:
        """Write `doc` inside the caller's `transaction()` (so related rows commit with it);
        the caller bumps `generation` after the commit when the status is not "unchanged"."""
        now = self.now()
        async with db.execute(
            "SELECT content_hash FROM sources WHERE id = ?", (doc.meta.id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None and row[0] == doc.content_hash:
            return "unchanged"
        if row is None:
            await db.execute(INSERT_SOURCE, new_source_row(doc, now))
        else:
            await record_replacement(db, [doc], now)  # what changed, before it is gone
            await db.execute("DELETE FROM passages WHERE source_id = ?", (doc.meta.id,))
            await db.execute(UPDATE_SOURCE, changed_source_row(doc, now))
        await write_passages(db, [doc])
        return "added" if row is None else "updated"

    async def forget(self, source_id: str) -> bool:
        async with self.transaction() as db:
            await db.execute("DELETE FROM passages WHERE source_id = ?", (source_id,))
            cursor = await db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
            removed = cursor.rowcount > 0
        self.generation += 1
        return removed

    async def sources(self) -> list[Source]:
        rows = await self._reader.execute_fetchall(
            "SELECT s.meta, s.content_hash, s.added_at, s.path,"
            " (SELECT count(*) FROM passages p WHERE p.source_id = s.id)"
            " FROM sources s ORDER BY s.added_at, s.id"
        )
        return [Source(meta_from_json(m), n, h, added, path) for m, h, added, path, n in rows]

    async def source_metas(self) -> dict[str, SourceMeta]:
        rows = await self._reader.execute_fetchall("SELECT id, meta FROM sources")
        return {source_id: meta_from_json(meta) for source_id, meta in rows}

    async def passage_count(self, scope: ScopeIds = None) -> int:
        if scope is not None:
            return (await self._scope_filters.get(scope, self.generation)).passages
        rows = await self._reader.execute_fetchall("SELECT count(*) FROM passages")
        return int(next(iter(rows))[0])

    async def source_ids_in(self, scope: frozenset[int]) -> frozenset[str]:
        """The ids of the sources in the collections `scope`."""
        ids = ",".join(str(int(c)) for c in sorted(scope))  # ints only: safe in the SQL text
        rows = await self._reader.execute_fetchall(
            f"SELECT source_id FROM source_collections WHERE collection_id IN ({ids})"  # noqa: S608
        )
        return frozenset(sid for (sid,) in rows)

    async def passages_of(self, source_id: str) -> list[Passage]:
        """A source's passages in reading order (what's new quotes from them)."""
        rows = await self._reader.execute_fetchall(
            "SELECT id, position, text, speaker, section FROM passages WHERE source_id = ?"
            " ORDER BY position",
            (source_id,),
        )
        return [Passage(pid, source_id, pos, text, sp, sec) for pid, pos, text, sp, sec in rows]

    async def passage_texts(self) -> list[str]:
        """Every passage's text, for the vocabulary of names (`knowledge.names`)."""
        rows = await self._reader.execute_fetchall("SELECT text FROM passages")
        return [text for (text,) in rows]

    async def passage_owners(self) -> list[PassageOwner]:
        """Every passage as (id, source id, speaker, text), by id: what the vector index holds."""
        rows = await self._reader.execute_fetchall(
            "SELECT id, source_id, speaker, text FROM passages ORDER BY id"
        )
        return cast(list[PassageOwner], list(rows))  # rows are these tuples already

    async def passages_by_id(self, ids: Sequence[int]) -> dict[int, tuple[Passage, str]]:
        """The passages (and their keyword column) with these ids; missing ids are left out."""
        found: dict[int, tuple[Passage, str]] = {}
        for start in range(0, len(ids), MAX_PARAMS):
            chunk = tuple(ids[start : start + MAX_PARAMS])
            marks = ",".join("?" * len(chunk))  # placeholders only; the ids are parameters
            rows = await self._reader.execute_fetchall(
                "SELECT id, source_id, position, text, speaker, section, keywords"  # noqa: S608
                f" FROM passages WHERE id IN ({marks})",
                chunk,
            )
            for pid, sid, pos, text, speaker, section, keywords in rows:
                found[pid] = (Passage(pid, sid, pos, text, speaker, section), keywords)
        return found

    async def passage_ids_in(self, scope: frozenset[int]) -> list[int]:
        """The ids of the passages of the sources in the collections `scope`."""
        marks = ",".join("?" * len(scope))  # placeholders only; the ids are parameters
        rows = await self._reader.execute_fetchall(
            "SELECT p.id FROM passages p JOIN source_collections c"  # noqa: S608
            f" ON c.source_id = p.source_id WHERE c.collection_id IN ({marks})",
            tuple(sorted(scope)),
        )
        return [int(pid) for (pid,) in rows]

    async def source_versions(self) -> dict[str, str]:
        """Each source's version for a search mirror: its content hash and its collections, so
        a source that changed or moved to another collection is indexed again."""
        rows = await self._reader.execute_fetchall(
            "SELECT s.id, s.content_hash || ':' || coalesce((SELECT group_concat("
            "collection_id) FROM source_collections c WHERE c.source_id = s.id), '')"
            " FROM sources s"
        )
        return {str(sid): str(key) for sid, key in rows}

    async def passages_to_mirror(self, source_ids: Sequence[str]) -> list[MirrorRow]:
        """The passages of these sources as a search mirror indexes them: (id, source id,
        text, keywords, the source's collection ids)."""
        found: list[MirrorRow] = []
        for start in range(0, len(source_ids), MAX_PARAMS):
            chunk = tuple(source_ids[start : start + MAX_PARAMS])
            marks = ",".join("?" * len(chunk))
            rows = await self._reader.execute_fetchall(
                "SELECT id, source_id, text, keywords, (SELECT group_concat(collection_id,"  # noqa: S608
                " ' ') FROM source_collections c WHERE c.source_id = passages.source_id)"
                f" FROM passages WHERE source_id IN ({marks})",
                chunk,
            )
            found += [
                (pid, sid, text, keywords, tuple((scope or "").split()))
                for pid, sid, text, keywords, scope in rows
            ]
        return found

    async def stem_document_counts(self, stems: Collection[str]) -> dict[str, int]:
        """How many passages of the whole index hold each (stemmed) term; absent: none."""
        found: dict[str, int] = {}
        ordered = sorted(stems)
        for start in range(0, len(ordered), MAX_PARAMS):
            chunk = ordered[start : start + MAX_PARAMS]
            marks = ",".join("?" * len(chunk))
            rows = await self._reader.execute_fetchall(
                f"SELECT term, doc FROM passages_vocab WHERE term IN ({marks})",  # noqa: S608 - placeholders only
                chunk,
            )
            found.update((str(term), int(doc)) for term, doc in rows)
        return found

    async def changes_since(self, since: datetime) -> list[Change]:
        """Passage changes recorded from `since` on (to the second; the caller filters
        exactly), in the order they were made."""
        rows = await self._reader.execute_fetchall(
            "SELECT source_id, changed_at, change, text_hash, text, speaker, section"
            " FROM passage_changes WHERE substr(changed_at, 1, 19) >= ? ORDER BY id",
            (since.isoformat(timespec="seconds")[:19],),
        )
        return [Change(*row) for row in rows]

    # -- search --------------------------------------------------------------------------

    async def fts_search(
        self, match: str, limit: int, scope: ScopeIds = None
    ) -> list[tuple[Passage, str, float]]:
        """Run an already-escaped FTS5 MATCH expression, in the collections `scope` (ids;
        None: all). Other collections' passages are never scored: FTS5 skips them or drops
        them as it yields them, before bm25() and the sort (knowledge/scope_filter.py).

        Returns (passage, keywords, score) best first, with score = -bm25 so higher wins.
        """
        if scope is not None and not scope:
            return []
        ranked, params = (
            f"{RANKED} WHERE passages_fts MATCH ? ORDER BY score LIMIT ?",
            [
                match,
                limit,
            ],
        )
        if scope is not None:
            scoped = await self._scope_filters.get(scope, self.generation)
            ranked, params = scoped.ranked(), scoped.ranked_params(match, limit)
        rows = await self._reader.execute_fetchall(
            "SELECT p.id, p.source_id, p.position, p.text, p.speaker, p.section, p.keywords,"  # noqa: S608 - fixed SQL
            f" s.score FROM ({ranked}) AS s JOIN passages p ON p.id = s.rowid ORDER BY s.score",
            params,
        )
        return [
            (Passage(pid, sid, pos, text, speaker, section), keywords, -score)
            for pid, sid, pos, text, speaker, section, keywords, score in rows
        ]

    async def term_document_counts(
        self, terms: Iterable[str], scope: ScopeIds = None
    ) -> tuple[int, dict[str, int]]:
        """How many passages (of the collections `scope`) contain each (escaped) FTS term;
        used to weigh query terms."""
        if scope is not None and not scope:
            return 0, dict.fromkeys(terms, 0)
        total = await self.passage_count(scope)
        scoped = None if scope is None else await self._scope_filters.get(scope, self.generation)
        counts: dict[str, int] = {}
        for term in terms:
            if scoped is None:
                rows = await self._reader.execute_fetchall(
                    "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", (term,)
                )
            else:
                rows = await self._reader.execute_fetchall(
                    scoped.count(), scoped.count_params(term)
                )
            counts[term] = int(next(iter(rows))[0])
        return total, counts


def _probe(path: Path) -> None:
    """Open and read the file with plain sqlite3 first: a folder, a missing permission or a
    file that is not a database fails here, cleanly. (When `aiosqlite.connect` itself fails,
    its worker thread is stopped without being awaited, and it may outlive the event loop:
    a traceback from that thread at exit, or a process that never ends.)"""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        connection.close()


async def _connect(path: Path, busy_ms: int = BUSY_TIMEOUT_MS) -> aiosqlite.Connection:
    """A configured connection, or an exception with nothing left open."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA temp_store=MEMORY")  # knowledge/scope_filter.py's tables
    except BaseException:
        await db.close()
        raise
    return db


async def _check_is_ours(db: aiosqlite.Connection, path: Path) -> None:
    """Refuse a SQLite file of another program (tables, but not our `migrations` table):
    migrating it would write our tables into somebody else's database."""
    rows = await db.execute_fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    names = {row[0] for row in rows}
    if names and "migrations" not in names:
        raise StoreOpenError(
            f"cannot open the database {path}: it is not a briefbot database"
            " (it has other tables); give --db a new file name"
        )
