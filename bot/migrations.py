"""The bot's tables: its schema steps, applied after the index's on the same database.

Chat state, the question log and votes, updates handled, chat reachability, subscriptions and
deliveries, a chat's collections and when it last looked. The names m002-m004 and m009 are
those they had when `knowledge/migrations.py` created the bot's tables too: a database made
then has them recorded and runs none of them again. `open_store` is how the bot opens a
database: the index's steps, then these.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import aiosqlite

from knowledge.migrations import MIGRATIONS, Migration, run_statements
from knowledge.store import Store, system_clock


async def m002_chat_state(db: aiosqlite.Connection) -> None:
    await run_statements(
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
    await run_statements(
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
    await run_statements(
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


async def m009_delivery_fencing(db: aiosqlite.Connection) -> None:
    """A fencing token on each delivery claim: `generation` goes up by one on every claim and
    takeover, and the sender's renewals and the UPDATE that records the send carry it, so a
    sender whose claim was taken over can neither renew it nor record over the new holder."""
    await run_statements(
        db,
        "ALTER TABLE deliveries ADD COLUMN generation INTEGER NOT NULL DEFAULT 1",
    )


async def m012_chat_collections(db: aiosqlite.Connection) -> None:
    """The collections each chat searches, in order (bot/chat_store.py). Chats bind to
    collection ids, so renaming a slug keeps them bound. A database made before the bot's
    tables moved here got it from the index's m010, hence IF NOT EXISTS."""
    await run_statements(
        db,
        """
        CREATE TABLE IF NOT EXISTS chat_collections (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            PRIMARY KEY (platform, chat_id, collection_id)
        )""",
    )


async def m013_chat_looks(db: aiosqlite.Connection) -> None:
    """When each chat last looked (/new, a digest), so "what's new" is new *for that chat*.
    A database made before the bot's tables moved here got it from the index's m011."""
    await run_statements(
        db,
        """
        CREATE TABLE IF NOT EXISTS chat_looks (
            platform TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            looked_at TEXT NOT NULL,
            PRIMARY KEY (platform, chat_id)
        )""",
    )


BOT_MIGRATIONS: tuple[Migration, ...] = (
    m002_chat_state,
    m003_questions_votes_chats,
    m004_subscriptions_and_deliveries,
    m009_delivery_fencing,
    m012_chat_collections,
    m013_chat_looks,
)
SCHEMA: tuple[Migration, ...] = (*MIGRATIONS, *BOT_MIGRATIONS)  # the index's first


async def open_store(path: Path | str, *, clock: Callable[[], datetime] = system_clock) -> Store:
    """The store with the index's tables and the bot's (`Store.open`'s errors as they are)."""
    return await Store.open(path, clock=clock, migrations=SCHEMA)
