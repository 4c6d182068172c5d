"""Schema migrations: named steps applied once, in order, and recorded in `migrations`.

A new schema change is a new function appended to MIGRATIONS; never edit what an applied one
leaves behind (m010 and m011 lost the creation of two chat tables when the bot's tables moved
to bot/migrations.py, whose m012/m013 create them if missing: the same schema either way).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import aiosqlite

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


async def run_statements(db: aiosqlite.Connection, *statements: str) -> None:
    """Execute statements one by one: `executescript` would COMMIT the migration's transaction."""
    for statement in statements:
        await db.execute(statement)


async def m001_sources_and_passages(db: aiosqlite.Connection) -> None:
    await run_statements(
        db,
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            meta TEXT NOT NULL,
            path TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        """
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            speaker TEXT,
            text TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX passages_source ON passages(source_id, position)",
        """
        CREATE VIRTUAL TABLE passages_fts USING fts5(
            text, keywords,
            content='passages', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )""",
        """
        CREATE TRIGGER passages_ai AFTER INSERT ON passages BEGIN
            INSERT INTO passages_fts(rowid, text, keywords)
            VALUES (new.id, new.text, new.keywords);
        END""",
        """
        CREATE TRIGGER passages_ad AFTER DELETE ON passages BEGIN
            INSERT INTO passages_fts(passages_fts, rowid, text, keywords)
            VALUES ('delete', old.id, old.text, old.keywords);
        END""",
        """
        CREATE TRIGGER passages_au AFTER UPDATE ON passages BEGIN
            INSERT INTO passages_fts(passages_fts, rowid, text, keywords)
            VALUES ('delete', old.id, old.text, old.keywords);
            INSERT INTO passages_fts(rowid, text, keywords)
            VALUES (new.id, new.text, new.keywords);
        END""",
    )


async def m005_embeddings(db: aiosqlite.Connection) -> None:
    """Passage vectors by (model, hash of the passage text): see knowledge/vectors.py."""
    await run_statements(
        db,
        """
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, text_hash)
        )""",
    )


async def m006_source_urls_and_feeds(db: aiosqlite.Connection) -> None:
    """URLs and feed-entry ids that identify a source, remembered feeds, and a hash index so a
    source re-published under another address is recognised as a duplicate.

    Also lets the store index a document's passages in one `INSERT … SELECT` instead of the
    per-row insert trigger (about 3-5x faster to ingest): while `fts_sync.deferred` is 1,
    which the store sets and clears inside its own write transaction, the trigger stands aside.
    """
    await run_statements(
        db,
        "CREATE TABLE fts_sync (deferred INTEGER NOT NULL)",
        "INSERT INTO fts_sync (deferred) VALUES (0)",
        "DROP TRIGGER passages_ai",
        """
        CREATE TRIGGER passages_ai AFTER INSERT ON passages
        WHEN (SELECT deferred FROM fts_sync) = 0 BEGIN
            INSERT INTO passages_fts(rowid, text, keywords)
            VALUES (new.id, new.text, new.keywords);
        END""",
        """
        CREATE TABLE source_urls (
            url TEXT PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE
        )""",
        "CREATE INDEX source_urls_source ON source_urls(source_id)",
        "CREATE INDEX sources_content_hash ON sources(content_hash)",
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            added_at TEXT NOT NULL,
            polled_at TEXT,
            entries INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT ''
        )""",
    )


async def m007_passage_sections(db: aiosqlite.Connection) -> None:
    """The heading a passage sits under: shown in its attribution ("§ Heading") and searched as
    context, while the heading itself is never a passage (a quote of a title answers nothing).

    Sources indexed before this were split without sections (headings stored as passages), so
    their content hashes are marked stale: the next ingest of the same file or URL (bundled
    sources: the next start) re-splits them instead of reporting "unchanged".
    """
    await run_statements(
        db,
        "ALTER TABLE passages ADD COLUMN section TEXT NOT NULL DEFAULT ''",
        "UPDATE sources SET content_hash = 'pre-m007:' || content_hash",
    )


async def m008_health_row(db: aiosqlite.Connection) -> None:
    """One row that the health check (and every open) rewrites: a write that fails when the
    file is read-only, the disk full or the database locked (see knowledge/store_health.py)."""
    await run_statements(
        db,
        """
        CREATE TABLE health (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            checked_at TEXT NOT NULL
        )""",
        "INSERT INTO health (id, checked_at) VALUES (1, '')",
    )


async def m010_collections(db: aiosqlite.Connection) -> None:
    """Collections (knowledge/collections.py): which sources each holds (the engines filter a
    search by it before ranking, see knowledge/collection_store.py). Which ones a chat searches
    is the bot's table (`m012_chat_collections` in bot/migrations.py; until the bot's tables
    moved there, this migration created it, so existing databases have it from here).

    Every source already indexed joins the bundled story's collection (slug and title from
    the story file), so an existing install answers exactly as before.
    """
    from knowledge.collections import bundled_collection

    bundled = bundled_collection()
    await run_statements(
        db,
        """
        CREATE TABLE collections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: chats bind to ids
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """
        CREATE TABLE source_collections (
            source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            PRIMARY KEY (collection_id, source_id)
        )""",
        "CREATE INDEX source_collections_source ON source_collections(source_id)",
    )
    if await db.execute_fetchall("SELECT 1 FROM sources LIMIT 1"):
        await db.execute(
            "INSERT INTO collections (slug, title, created_at) VALUES (?, ?, datetime('now'))",
            (bundled.slug, bundled.title),
        )
        await db.execute(
            "INSERT INTO source_collections (source_id, collection_id)"
            " SELECT id, (SELECT id FROM collections WHERE slug = ?) FROM sources",
            (bundled.slug,),
        )


async def m011_arrivals(db: aiosqlite.Connection) -> None:
    """What's new: when each source arrived and what changed when it was updated in place.

    A source's arrival is `sources.added_at` (its first ingest) and its last change
    `updated_at`; both exist since m001 and every existing row has them, so existing sources
    keep their recorded ingest time as their arrival (a row without one gets this migration's
    time). `passage_changes` records, per re-ingest, the passages added and removed (by text
    hash; a removed passage keeps its text, since its row is gone). `passages_vocab` exposes
    the full-text index's own term statistics (how many passages hold each stem), which rank a
    source's most informative passages. (When each chat last looked is the bot's table,
    `m013_chat_looks` in bot/migrations.py; existing databases have it from here.)
    """
    await run_statements(
        db,
        "UPDATE sources SET added_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')"
        " WHERE coalesce(added_at, '') = ''",
        "CREATE INDEX sources_added ON sources(added_at)",
        """
        CREATE TABLE passage_changes (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            changed_at TEXT NOT NULL,
            change TEXT NOT NULL CHECK (change IN ('added', 'removed')),
            text_hash TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',  -- kept for removed passages only
            speaker TEXT,
            section TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX passage_changes_at ON passage_changes(changed_at)",
        "CREATE INDEX passage_changes_source ON passage_changes(source_id, changed_at)",
        "CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, 'row')",
    )


# The index's own steps. The bot's tables (m002-m004, m009 and on) are created by
# bot/migrations.py, applied after these on the same database: a name is applied once, so a
# database made before they moved keeps its record of them and runs nothing again.
MIGRATIONS: tuple[Migration, ...] = (
    m001_sources_and_passages,
    m005_embeddings,
    m006_source_urls_and_feeds,
    m007_passage_sections,
    m008_health_row,
    m010_collections,
    m011_arrivals,
)


async def apply_migrations(
    db: aiosqlite.Connection, now: str, migrations: Sequence[Migration] = MIGRATIONS
) -> list[str]:
    """Apply the pending `migrations` (by name), each in its own transaction; return the names
    applied."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT name FROM migrations") as cursor:
        done = {row[0] async for row in cursor}
    applied = []
    for migration in migrations:
        if migration.__name__ in done:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            await migration(db)
            await db.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (migration.__name__, now)
            )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        applied.append(migration.__name__)
    return applied
