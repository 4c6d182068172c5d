"""The bot's own records in the store: questions and votes, updates handled, chat reachability.

Kept apart from `knowledge.store` (which knows nothing of chats) but on the same SQLite file:
writes go through `Store.transaction()` (the one writer), reads through `Store.reader`. The
core calls these methods; no handler or adapter touches SQL. Time comes from an injected clock
so tests can age records (update pruning, `stats --days`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiosqlite

from bot.core.clock import Clock, SystemClock
from knowledge.store import Store, parse_stamp, stamp

UPDATE_RETENTION = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
PRUNE_EVERY = timedelta(minutes=10)
_UPSERT_CHAT_STATE = (
    "INSERT INTO chat_state (platform, chat_id, last_question, shown, updated_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
    " last_question = excluded.last_question, shown = excluded.shown,"
    " updated_at = excluded.updated_at"
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    id: int
    platform: str
    chat_id: str
    question: str
    abstained: bool


@dataclass(frozen=True, slots=True)
class PlatformStats:
    platform: str
    questions: int
    abstained: int
    up: int
    down: int

    @property
    def abstention_rate(self) -> float:
        return self.abstained / self.questions if self.questions else 0.0


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the sources did not serve: abstained on, or voted down."""

    question: str
    times: int
    abstained: int
    down: int


@dataclass(frozen=True, slots=True)
class Stats:
    since: datetime
    platforms: tuple[PlatformStats, ...]
    gaps: tuple[Gap, ...]
    per_day: tuple[tuple[str, int, int], ...] = ()  # (UTC date, questions, abstained)
    top: tuple[tuple[str, int], ...] = ()  # the most asked questions and how often


class ChatStore:
    def __init__(
        self, store: Store, clock: Clock | None = None, *, question_days: float = 90.0
    ) -> None:
        self._store = store
        self._clock = clock or SystemClock()
        self._question_retention = timedelta(days=question_days)
        self._next_prune: datetime | None = None
        self._next_question_prune: datetime | None = None

    # -- questions and votes ---------------------------------------------------------------
    async def record_answer(
        self,
        platform: str,
        chat_id: str,
        user_id: str,
        question: str,
        shown: int,
        *,
        abstained: bool,
        latency_ms: float,
    ) -> int:
        """An answered question in one write transaction: the chat's /more state (`shown`
        passages so far) and the question log. Returns the logged question's id.

        One transaction instead of two halves the per-question write cost, and /more can
        never see a question the log lacks (or the reverse) after a crash."""
        async with self._store.transaction() as db:
            await db.execute(_UPSERT_CHAT_STATE, (platform, chat_id, question, shown, self._now()))
            return await self._insert_question(
                db, platform, chat_id, user_id, question, abstained, latency_ms
            )

    async def remember_question(
        self, platform: str, chat_id: str, question: str, shown: int
    ) -> None:
        """The chat's /more state alone (after /more showed `shown` passages in all)."""
        async with self._store.transaction() as db:
            await db.execute(_UPSERT_CHAT_STATE, (platform, chat_id, question, shown, self._now()))

    async def last_question(self, platform: str, chat_id: str) -> tuple[str, int] | None:
        """The chat's last question and how many passages it has been shown (/more, /why)."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT last_question, shown FROM chat_state WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        row = next(iter(rows), None)
        return (row[0], int(row[1])) if row else None

    async def _insert_question(
        self,
        db: aiosqlite.Connection,
        platform: str,
        chat_id: str,
        user_id: str,
        question: str,
        abstained: bool,
        latency_ms: float,
    ) -> int:
        now = self._clock.now()
        if self._next_question_prune is None or now >= self._next_question_prune:
            self._next_question_prune = now + PRUNE_EVERY
            await db.execute(
                "DELETE FROM questions WHERE asked_at < ?",
                (_stamp(now - self._question_retention),),
            )
        cursor = await db.execute(
            "INSERT INTO questions (platform, chat_id, user_id, question, abstained,"
            " latency_ms, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (platform, chat_id, user_id, question, int(abstained), latency_ms, _stamp(now)),
        )
        return int(cursor.lastrowid or 0)

    async def question(self, question_id: int) -> LoggedQuestion | None:
        rows = await self._store.reader.execute_fetchall(
            "SELECT id, platform, chat_id, question, abstained FROM questions WHERE id = ?",
            (question_id,),
        )
        row = next(iter(rows), None)
        return LoggedQuestion(row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    async def last_question_id(self, platform: str, chat_id: str) -> int | None:
        rows = await self._store.reader.execute_fetchall(
            "SELECT max(id) FROM questions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )
        row = next(iter(rows), None)
        return int(row[0]) if row and row[0] is not None else None

    async def vote(self, question_id: int, user_id: str, vote: int) -> int | None:
        """Record (or change) this user's vote on an answer; returns their previous vote."""
        async with self._store.transaction() as db:
            async with db.execute(
                "SELECT vote FROM votes WHERE question_id = ? AND user_id = ?",
                (question_id, user_id),
            ) as cursor:
                row = await cursor.fetchone()
            await db.execute(
                "INSERT INTO votes (question_id, user_id, vote, voted_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_id) DO UPDATE SET"
                " vote = excluded.vote, voted_at = excluded.voted_at",
                (question_id, user_id, vote, self._now()),
            )
        return int(row[0]) if row else None

    async def stats(self, days: float, *, gaps: int = 20) -> Stats:
        """Questions, abstentions and votes per platform since `days` ago, and the top gaps."""
        since = self._clock.now() - timedelta(days=days)
        reader = self._store.reader
        asked = await reader.execute_fetchall(
            "SELECT platform, count(*), sum(abstained) FROM questions WHERE asked_at >= ?"
            " GROUP BY platform ORDER BY count(*) DESC, platform",
            (_stamp(since),),
        )
        votes = await reader.execute_fetchall(
            "SELECT q.platform, sum(v.vote = 1), sum(v.vote = -1) FROM votes v"
            " JOIN questions q ON q.id = v.question_id WHERE q.asked_at >= ? GROUP BY q.platform",
            (_stamp(since),),
        )
        tally = {platform: (int(up), int(down)) for platform, up, down in votes}
        platforms = tuple(
            PlatformStats(p, int(n), int(a), *tally.get(p, (0, 0))) for p, n, a in asked
        )
        rows = await reader.execute_fetchall(
            "SELECT min(q.question), count(*), sum(q.abstained), sum(coalesce(v.down, 0))"
            " FROM questions q LEFT JOIN (SELECT question_id, sum(vote = -1) AS down"
            "   FROM votes GROUP BY question_id) v ON v.question_id = q.id"
            " WHERE q.asked_at >= ? AND (q.abstained = 1 OR coalesce(v.down, 0) > 0)"
            " GROUP BY lower(trim(q.question)) ORDER BY count(*) DESC, max(q.asked_at) DESC"
            " LIMIT ?",
            (_stamp(since), gaps),
        )
        found = tuple(Gap(q, int(n), int(a), int(d)) for q, n, a, d in rows)
        days_rows = await reader.execute_fetchall(
            "SELECT substr(asked_at, 1, 10), count(*), sum(abstained) FROM questions"
            " WHERE asked_at >= ? GROUP BY 1 ORDER BY 1",
            (_stamp(since),),
        )
        top_rows = await reader.execute_fetchall(
            "SELECT min(question), count(*) FROM questions WHERE asked_at >= ?"
            " GROUP BY lower(trim(question)) ORDER BY count(*) DESC, max(asked_at) DESC LIMIT ?",
            (_stamp(since), gaps),
        )
        per_day = tuple((day, int(n), int(a)) for day, n, a in days_rows)
        top = tuple((question, int(n)) for question, n in top_rows)
        return Stats(since, platforms, found, per_day, top)

    # -- updates handled -------------------------------------------------------------------
    async def first_time(self, platform: str, update_key: str) -> bool:
        """Claim an update; False when it was claimed before (by this or an earlier run).

        Claimed before it is answered: a crash mid-answer loses that answer rather than
        sending it twice. Old claims are pruned now and then, after UPDATE_RETENTION.
        """
        now = self._clock.now()
        async with self._store.transaction() as db:
            if self._next_prune is None or now >= self._next_prune:
                self._next_prune = now + PRUNE_EVERY
                await db.execute(
                    "DELETE FROM processed_updates WHERE seen_at < ?",
                    (_stamp(now - UPDATE_RETENTION),),
                )
            cursor = await db.execute(
                "INSERT OR IGNORE INTO processed_updates (platform, update_key, seen_at)"
                " VALUES (?, ?, ?)",
                (platform, update_key, _stamp(now)),
            )
            return cursor.rowcount == 1

    # -- when the chat last looked (/new, a digest) -----------------------------------------
    async def last_looked(self, platform: str, chat_id: str) -> datetime | None:
        """When this chat last asked /new or got a digest; None if it never did."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT looked_at FROM chat_looks WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        row = next(iter(rows), None)
        return parse_stamp(row[0]) if row else None

    async def mark_looked(self, platform: str, chat_id: str, at: datetime) -> None:
        """This chat has seen what arrived up to `at` (never moves the mark back)."""
        async with self._store.transaction() as db:
            await record_look(db, platform, chat_id, at)

    # -- chats -----------------------------------------------------------------------------
    async def set_active(self, platform: str, chat_id: str, active: bool, reason: str = "") -> None:
        """Mark a chat reachable or not; an unreachable chat's digest subscription stops too
        (it does not come back by itself: the chat subscribes again when it wants it)."""
        now = self._now()
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO chats (platform, chat_id, active, reason, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
                " active = excluded.active, reason = excluded.reason,"
                " updated_at = excluded.updated_at",
                (platform, chat_id, int(active), reason, now),
            )
            if not active:
                await db.execute(
                    "UPDATE subscriptions SET active = 0, last_result = ?, updated_at = ?"
                    " WHERE platform = ? AND chat_id = ? AND active = 1",
                    (f"stopped: {reason}", now, platform, chat_id),
                )

    async def inactive_reason(self, platform: str, chat_id: str) -> str | None:
        """Why the chat is unreachable, or None when it is active (or unknown)."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT reason FROM chats WHERE platform = ? AND chat_id = ? AND active = 0",
            (platform, chat_id),
        )
        row = next(iter(rows), None)
        return str(row[0]) if row else None

    async def move_chat(self, platform: str, old: str, new: str) -> None:
        """A group became a supergroup: its /more state, questions, status and digest
        subscription follow it (the digest scheduler picks the new id up at its next sweep)."""
        now = self._now()
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO chat_state (platform, chat_id, last_question, shown, updated_at)"
                " SELECT platform, ?, last_question, shown, updated_at FROM chat_state"
                " WHERE platform = ? AND chat_id = ? ON CONFLICT (platform, chat_id) DO UPDATE"
                " SET last_question = excluded.last_question, shown = excluded.shown,"
                " updated_at = excluded.updated_at WHERE excluded.updated_at > updated_at",
                (new, platform, old),
            )
            await db.execute(
                "DELETE FROM chat_state WHERE platform = ? AND chat_id = ?", (platform, old)
            )
            # the chat's whole state moves in this one transaction, its digest included
            for table in (
                "questions",
                "subscriptions",
                "deliveries",
                "chat_looks",
                "chat_collections",
            ):
                await db.execute(
                    f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE platform = ? AND chat_id = ?",  # noqa: S608 - fixed names
                    (new, platform, old),
                )
            for chat_id, active, reason in ((old, 0, f"migrated to {new}"), (new, 1, "")):
                await db.execute(
                    "INSERT INTO chats (platform, chat_id, active, reason, updated_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, chat_id) DO UPDATE SET"
                    " active = excluded.active, reason = excluded.reason,"
                    " updated_at = excluded.updated_at",
                    (platform, chat_id, active, reason, now),
                )

    # -- collections -----------------------------------------------------------------------
    async def collections(self, platform: str, chat_id: str) -> tuple[str, ...]:
        """The slugs of the collections this chat searches, first one first (where `/ingest`
        adds); empty: every collection (a chat that never ran /use)."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT c.slug FROM chat_collections cc JOIN collections c ON c.id = cc.collection_id"
            " WHERE cc.platform = ? AND cc.chat_id = ? ORDER BY cc.position",
            (platform, chat_id),
        )
        return tuple(slug for (slug,) in rows)

    async def bound_only_to(self, slug: str) -> list[tuple[str, str]]:
        """(platform, chat_id) of the chats that search this collection and no other: deleting
        it would leave them unbound, i.e. searching every collection."""
        rows = await self._store.reader.execute_fetchall(
            "SELECT cc.platform, cc.chat_id FROM chat_collections cc"
            " JOIN collections c ON c.id = cc.collection_id WHERE c.slug = ?"
            " AND NOT EXISTS (SELECT 1 FROM chat_collections other"
            "   WHERE other.platform = cc.platform AND other.chat_id = cc.chat_id"
            "   AND other.collection_id != cc.collection_id)"
            " ORDER BY cc.platform, cc.chat_id",
            (slug,),
        )
        return [(str(platform), str(chat_id)) for platform, chat_id in rows]

    async def use_collections(self, platform: str, chat_id: str, slugs: Sequence[str]) -> None:
        """Bind the chat to these (existing) collections, in order; none: every collection."""
        async with self._store.transaction() as db:
            await db.execute(
                "DELETE FROM chat_collections WHERE platform = ? AND chat_id = ?",
                (platform, chat_id),
            )
            await db.executemany(
                "INSERT OR IGNORE INTO chat_collections"
                " (platform, chat_id, collection_id, position)"
                " SELECT ?, ?, id, ? FROM collections WHERE slug = ?",
                [(platform, chat_id, position, slug) for position, slug in enumerate(slugs)],
            )

    def _now(self) -> str:
        return _stamp(self._clock.now())


async def record_look(db: aiosqlite.Connection, platform: str, chat_id: str, at: datetime) -> None:
    """Inside a write transaction (the digest records its delivery and the look together)."""
    await db.execute(
        "INSERT INTO chat_looks (platform, chat_id, looked_at) VALUES (?, ?, ?)"
        " ON CONFLICT (platform, chat_id) DO UPDATE SET looked_at = excluded.looked_at"
        " WHERE excluded.looked_at > looked_at",
        (platform, chat_id, stamp(at)),
    )
