"""Subscriptions and delivery records in the SQLite store; the digest's only SQL.

The delivery row is the lock that makes a digest go out once per chat and local date: it is
INSERTed ("claimed") in one transaction *before* sending, and completed after. A second process
trying to claim the same (platform, chat, local date) hits the primary key and does not send.

A claim is a lease: a claim not renewed for `stale` (its sender crashed) may be taken over.
Each claim or takeover bumps the row's `generation`, returned to the claimer as its fencing
token. Renewing and finishing both say `AND generation = ?`, so once a claim has been taken
over its old holder can neither keep it alive nor record over the new holder: it learns it lost
the lease (before sending, it gives up). SQLite runs writes one at a time, so a renewal and a
takeover cannot both succeed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.chat_store import record_look
from bot.core.delivery import ChatTarget
from knowledge.store import Store, parse_stamp

Listener = Callable[[str, str], None]  # (platform, chat_id) whose subscription changed

_SELECT_SUBS = (
    "SELECT platform, chat_id, thread_id, local_time, timezone, quiet, active,"
    " last_delivered_date, last_result, seen_sources, created_at, looked_at"
    " FROM subscriptions LEFT JOIN chat_looks USING (platform, chat_id)"
)


@dataclass(frozen=True, slots=True)
class Subscription:
    platform: str
    chat_id: str
    thread_id: str | None
    local_time: str  # "HH:MM"
    timezone: str  # IANA name
    quiet: bool = False
    active: bool = True
    last_delivered_date: str | None = None
    last_result: str = ""
    seen_sources: tuple[str, ...] = ()
    created_at: str = ""
    looked_at: datetime | None = None  # when the chat last looked (/new, a digest): chat_looks

    @property
    def target(self) -> ChatTarget:
        return ChatTarget(self.platform, self.chat_id, self.thread_id)

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.local_time.split(":")
        return int(hour), int(minute)


@dataclass(frozen=True, slots=True)
class Claim:
    """A held claim: today's delivery for `sub` on its local `day`, under fencing `token`."""

    sub: Subscription
    day: date
    token: int

    @property
    def key(self) -> tuple[str, date, int]:
        return (self.sub.key, self.day, self.token)


@dataclass(frozen=True, slots=True)
class Delivery:
    platform: str
    chat_id: str
    local_date: str
    status: str  # claimed | sent | failed | skipped
    claimed_at: str
    finished_at: str | None
    detail: str
    attempts: int
    generation: int = 1  # the fencing token of the latest claim


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _subscription(row: tuple) -> Subscription:
    platform, chat, thread, hhmm, tz, quiet, active, last_date, result, seen, created, looked = row
    return Subscription(
        platform,
        chat,
        thread,
        hhmm,
        tz,
        bool(quiet),
        bool(active),
        last_date,
        result,
        tuple(json.loads(seen)),
        created,
        parse_stamp(looked) if looked else None,
    )


class SubscriptionStore:
    """Reads on the store's reader, writes through `Store.transaction()`; tells listeners
    (the scheduler) when a subscription changes, so its jobs follow without a restart."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every change; returns a function that stops listening."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, platform: str, chat_id: str) -> None:
        for listener in list(self._listeners):
            listener(platform, chat_id)

    # -- subscriptions ---------------------------------------------------------------------
    async def subscribe(self, sub: Subscription, now: datetime) -> Subscription:
        """Create or replace the chat's subscription (active again); keeps its history."""
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO subscriptions (platform, chat_id, thread_id, local_time, timezone,"
                " quiet, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, chat_id) DO UPDATE SET thread_id = excluded.thread_id,"
                " local_time = excluded.local_time, timezone = excluded.timezone,"
                " quiet = excluded.quiet, active = 1, updated_at = excluded.updated_at",
                (
                    sub.platform,
                    sub.chat_id,
                    sub.thread_id,
                    sub.local_time,
                    sub.timezone,
                    int(sub.quiet),
                    _iso(now),
                    _iso(now),
                ),
            )
        self._changed(sub.platform, sub.chat_id)
        found = await self.get(sub.platform, sub.chat_id)
        assert found is not None
        return found

    async def deactivate(self, platform: str, chat_id: str, reason: str, now: datetime) -> bool:
        async with self._store.transaction() as db:
            cursor = await db.execute(
                "UPDATE subscriptions SET active = 0, last_result = ?, updated_at = ?"
                " WHERE platform = ? AND chat_id = ? AND active = 1",
                (reason, _iso(now), platform, chat_id),
            )
            changed = cursor.rowcount > 0
        if changed:
            self._changed(platform, chat_id)
        return changed

    async def get(self, platform: str, chat_id: str) -> Subscription | None:
        rows = await self._store.read(
            _SELECT_SUBS + " WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        )
        return _subscription(rows[0]) if rows else None

    async def all(self, *, active_only: bool = True) -> list[Subscription]:
        rows = await self._store.read(
            _SELECT_SUBS + " WHERE active = 1 OR NOT ? ORDER BY platform, chat_id",
            (active_only,),
        )
        return [_subscription(row) for row in rows]

    # -- deliveries ------------------------------------------------------------------------
    async def claim(
        self, sub: Subscription, local_date: date, now: datetime, stale: timedelta
    ) -> Claim | None:
        """Claim today's delivery for the chat: the claim with its fencing token, or None if
        someone else holds or finished it.

        One statement: a new row (token 1), or the takeover of a claim not renewed for `stale`
        (a crash), which bumps the token so the old holder's renewals and records fail."""
        async with self._store.transaction() as db:
            rows = list(
                await db.execute_fetchall(
                    "INSERT INTO deliveries (platform, chat_id, local_date, status, claimed_at)"
                    " VALUES (?, ?, ?, 'claimed', ?) ON CONFLICT (platform, chat_id, local_date)"
                    " DO UPDATE SET claimed_at = excluded.claimed_at, attempts = attempts + 1,"
                    " generation = generation + 1"
                    " WHERE status = 'claimed' AND claimed_at <= ? RETURNING generation",
                    (
                        sub.platform,
                        sub.chat_id,
                        local_date.isoformat(),
                        _iso(now),
                        _iso(now - stale),
                    ),
                )
            )
        return Claim(sub, local_date, int(rows[0][0])) if rows else None

    async def renew(self, claims: Iterable[Claim], now: datetime) -> list[bool]:
        """Extend the leases of claims still held under their tokens (claimed_at = now), in one
        transaction; per claim, False if it was taken over or finished (its holder must not
        send). Succeeds for an expired lease nobody took over: the token is still the latest."""
        held = []
        async with self._store.transaction() as db:
            for claim in claims:
                cursor = await db.execute(
                    "UPDATE deliveries SET claimed_at = ? WHERE platform = ? AND chat_id = ?"
                    " AND local_date = ? AND status = 'claimed' AND generation = ?",
                    (
                        _iso(now),
                        claim.sub.platform,
                        claim.sub.chat_id,
                        claim.day.isoformat(),
                        claim.token,
                    ),
                )
                held.append(cursor.rowcount > 0)
        return held

    async def finish(
        self,
        claim: Claim,
        status: str,
        detail: str,
        now: datetime,
        *,
        seen_sources: tuple[str, ...] | None = None,
        looked_at: datetime | None = None,
    ) -> bool:
        """Complete a claim (sent | failed | skipped) and note the result on the subscription.

        `looked_at`: a sent digest showed the chat what arrived up to then (`chat_looks`).
        Fenced: only while `claim.token` is the latest claim. False (nothing written) when the
        claim was taken over meanwhile; the new holder records the outcome."""
        sub, day = claim.sub, claim.day.isoformat()
        result = f"{status} on {day}" + (f": {detail}" if detail else "")
        async with self._store.transaction() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET status = ?, finished_at = ?, detail = ?"
                " WHERE platform = ? AND chat_id = ? AND local_date = ? AND status = 'claimed'"
                " AND generation = ?",
                (status, _iso(now), detail, sub.platform, sub.chat_id, day, claim.token),
            )
            if cursor.rowcount == 0:
                return False
            await db.execute(
                "UPDATE subscriptions SET last_result = ?, updated_at = ?,"
                " last_delivered_date = coalesce(?, last_delivered_date),"
                " seen_sources = coalesce(?, seen_sources) WHERE platform = ? AND chat_id = ?",
                (
                    result,
                    _iso(now),
                    day if status == "sent" else None,
                    None if seen_sources is None else json.dumps(list(seen_sources)),
                    sub.platform,
                    sub.chat_id,
                ),
            )
            if looked_at is not None:
                await record_look(db, sub.platform, sub.chat_id, looked_at)
        return True

    async def delivery(self, platform: str, chat_id: str, local_date: date) -> Delivery | None:
        rows = await self._store.read(
            "SELECT platform, chat_id, local_date, status, claimed_at, finished_at, detail,"
            " attempts, generation FROM deliveries"
            " WHERE platform = ? AND chat_id = ? AND local_date = ?",
            (platform, chat_id, local_date.isoformat()),
        )
        return Delivery(*rows[0]) if rows else None

    async def deliveries(self, platform: str, chat_id: str) -> list[Delivery]:
        rows = await self._store.read(
            "SELECT platform, chat_id, local_date, status, claimed_at, finished_at, detail,"
            " attempts, generation FROM deliveries"
            " WHERE platform = ? AND chat_id = ? ORDER BY local_date",
            (platform, chat_id),
        )
        return [Delivery(*row) for row in rows]
