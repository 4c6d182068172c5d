"""The database health check: a real read of the full-text index and a real write.

`SELECT count(*) FROM sources` (the old check) passes while the FTS index is corrupt, the disk
is full or another process holds the write lock: questions then fail or hang while /healthz
says ok. So the check runs on a connection of its own (questions never queue behind it, nor
it behind them) with a short busy timeout, and:

- finds one passage, chosen at random, through the index by a word of its own text (a
  corrupt or emptied index fails; over many checks the whole index is swept), and
- checks that the disk holding the database has at least HEALTH_MIN_FREE_BYTES free, and
- rewrites the one row of the `health` table (migration m008), which fails within
  HEALTH_BUSY_MS when the database is locked, and at once when it is read-only or full.

Failures raise the exception classes below, whose names are what /healthz shows.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

HEALTH_BUSY_MS = 1000  # a write lock held longer than this is "locked" for /healthz
# A full disk does not always fail a one-row write (SQLite reuses its write-ahead log's space),
# while the next question's log entry or ingest does: so the free space is checked too.
HEALTH_MIN_FREE_BYTES = 4 * 1024 * 1024
_WORD = re.compile(r"[^\W_]{3,}")
_LOOK_AHEAD = 20  # passages read from the random start, to find one with a word


class IndexUnreadable(Exception):
    """The full-text index cannot be read, or does not find a passage it should."""


class DiskAlmostFull(Exception):
    """Less than HEALTH_MIN_FREE_BYTES left beside the database."""


class DatabaseNotWritable(Exception):
    """The health row could not be written: locked, read-only, disk full or I/O error."""


async def touch_health_row(db: aiosqlite.Connection) -> None:
    """Rewrite the health row (autocommit: one statement, its own transaction)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    await db.execute("UPDATE health SET checked_at = ? WHERE id = 1", (now,))


async def check_index(db: aiosqlite.Connection) -> None:
    """Find a random passage through FTS5 by one of its words; raise IndexUnreadable if not."""
    try:
        rows = await db.execute_fetchall(
            "SELECT id, text FROM passages WHERE id >= ("
            "  SELECT abs(random()) % (coalesce(max(id), 0) + 1) FROM passages"
            ") ORDER BY id LIMIT ?",
            (_LOOK_AHEAD,),
        )
        # the first of these passages with a word to look up ("Hi." has none)
        found_word = next(((pid, w[0]) for pid, text in rows if (w := _WORD.findall(text))), None)
        if found_word is None:  # nothing (wordy) indexed yet: still read the index's structure
            await db.execute_fetchall(
                "SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'health' LIMIT 1"
            )
            return
        passage_id, word = found_word
        found = await db.execute_fetchall(
            "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid = ?",
            (f'"{word}"', passage_id),
        )
    except sqlite3.Error as exc:
        raise IndexUnreadable(type(exc).__name__) from exc
    if not list(found):
        raise IndexUnreadable(f"passage {passage_id} is missing from the index")


def check_free_space(path: Path, minimum: int = HEALTH_MIN_FREE_BYTES) -> None:
    """Raise DiskAlmostFull when the database's file system has less than `minimum` free."""
    if str(path) == ":memory:":
        return
    free = shutil.disk_usage(path.resolve().parent).free
    if free < minimum:
        raise DiskAlmostFull(f"{free} bytes free")


async def check_database(db: aiosqlite.Connection, path: Path) -> bool:
    """All three checks (index, free space, a write); True, or raise the failing one's."""
    await check_index(db)
    check_free_space(path)
    try:
        await touch_health_row(db)
    except sqlite3.Error as exc:
        raise DatabaseNotWritable(type(exc).__name__) from exc
    return True
