"""Schema migrations: named steps applied once, in order, and recorded in `migrations`.

A new schema change is a new function appended to MIGRATIONS; never edit an applied one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


async def _run(db: aiosqlite.Connection, *statements: str) -> None:
    """Execute statements one by one: `executescript` would COMMIT the migration's transaction."""
    for statement in statements:
        await db.execute(statement)


async def m001_sources_and_passages(db: aiosqlite.Connection) -> None:
    await _run(
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


async def m002_chat_state(db: aiosqlite.Connection) -> None:
    await _run(
        db,
        """
        CREATE TABLE chat_state (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            last_question TEXT NOT NULL,
            shown INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id)
        )""",
    )


async def m003_questions_votes_chats(db: aiosqlite.Connection) -> None:
    """The question log and its votes (feedback, `briefbot stats`), the updates already handled
    (deduplication across restarts) and each chat's reachability (blocked, migrated)."""
    await _run(
        db,
        """
        CREATE TABLE questions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old vote buttons carry ids
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            question TEXT NOT NULL,
            abstained INTEGER NOT NULL,
            latency_ms REAL NOT NULL,
            asked_at TEXT NOT NULL
        )""",
        "CREATE INDEX questions_asked ON questions(asked_at)",
        "CREATE INDEX questions_chat ON questions(platform, chat_id)",
        """
        CREATE TABLE votes (
            question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
            user_id TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            voted_at TEXT NOT NULL,
            PRIMARY KEY (question_id, user_id)
        )""",
        """
        CREATE TABLE processed_updates (
            platform TEXT NOT NULL,
            update_key TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (platform, update_key)
        )""",
        "CREATE INDEX processed_updates_seen ON processed_updates(seen_at)",
        """
        CREATE TABLE chats (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            reason TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id)
        )""",
    )


async def m004_subscriptions_and_deliveries(db: aiosqlite.Connection) -> None:
    """Daily-digest subscriptions, and one delivery row per chat and local date.

    The deliveries primary key is what makes a digest go out once: a sender first INSERTs its
    claim, and a second process's INSERT for the same (platform, chat, local date) fails.
    """
    await _run(
        db,
        """
        CREATE TABLE subscriptions (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            thread_id TEXT,
            local_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            quiet INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            last_delivered_date TEXT,
            last_result TEXT NOT NULL DEFAULT '',
            seen_sources TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id)
        )""",
        """
        CREATE TABLE deliveries (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            local_date TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed', 'skipped')),
            claimed_at TEXT NOT NULL,
            finished_at TEXT,
            detail TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (platform, chat_id, local_date)
        )""",
        "CREATE INDEX deliveries_status ON deliveries(status, claimed_at)",
    )


async def m005_embeddings(db: aiosqlite.Connection) -> None:
    """Passage vectors by (model, hash of the passage text): see knowledge/vectors.py."""
    await _run(
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
    await _run(
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
    await _run(
        db,
        "ALTER TABLE passages ADD COLUMN section TEXT NOT NULL DEFAULT ''",
        "UPDATE sources SET content_hash = 'pre-m007:' || content_hash",
    )


async def m008_health_row(db: aiosqlite.Connection) -> None:
    """One row that the health check (and every open) rewrites: a write that fails when the
    file is read-only, the disk full or the database locked (see knowledge/store_health.py)."""
    await _run(
        db,
        """
        CREATE TABLE health (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            checked_at TEXT NOT NULL
        )""",
        "INSERT INTO health (id, checked_at) VALUES (1, '')",
    )


async def m009_delivery_fencing(db: aiosqlite.Connection) -> None:
    """A fencing token on each delivery claim: `generation` goes up by one on every claim and
    takeover, and the sender's renewals and the UPDATE that records the send carry it, so a
    sender whose claim was taken over can neither renew it nor record over the new holder."""
    await _run(
        db,
        "ALTER TABLE deliveries ADD COLUMN generation INTEGER NOT NULL DEFAULT 1",
    )


async def m010_collections(db: aiosqlite.Connection) -> None:
    """Collections (knowledge/collections.py): which sources each holds (the engines filter a
    search by it before ranking, see knowledge/collection_store.py) and which ones a chat
    searches (bot/chat_store.py). Chats bind to ids, so renaming a slug keeps them bound.

    Every source already indexed joins the bundled story's collection (slug and title from
    the story file), so an existing install answers exactly as before.
    """
    from knowledge.collections import bundled_collection

    bundled = bundled_collection()
    await _run(
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
        """
        CREATE TABLE chat_collections (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (platform, chat_id, collection_id)
        )""",
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
    source's most informative passages. `chat_looks` is when each chat last looked (/new, a
    digest), so "what's new" is new *for that chat*.
    """
    await _run(
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
        """
        CREATE TABLE chat_looks (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            looked_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id)
        )""",
    )


MIGRATIONS: tuple[Migration, ...] = (
    m001_sources_and_passages,
    m002_chat_state,
    m003_questions_votes_chats,
    m004_subscriptions_and_deliveries,
    m005_embeddings,
    m006_source_urls_and_feeds,
    m007_passage_sections,
    m008_health_row,
    m009_delivery_fencing,
    m010_collections,
    m011_arrivals,
)


async def apply_migrations(db: aiosqlite.Connection, now: str) -> list[str]:
    """Apply the pending migrations, each in its own transaction; return the names applied."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT name FROM migrations") as cursor:
        done = {row[0] async for row in cursor}
    applied = []
    for migration in MIGRATIONS:
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
