"""The bot's storage seam: what the chat layer may ask of a backend, one narrow job each.

The SQLite classes implement them today: `bot.chat_store.ChatStore` (chat state, the question
log with its votes, update dedupe, chat reachability) and `bot.digest.store.SubscriptionStore`
(subscriptions and delivery claims). Features are typed with these protocols, so a second
backend (PostgreSQL) is a second set of classes; nothing outside the owner modules sees a
connection or SQL (`tests/test_storage_seam.py`), and `tests/contract/` is the contract every
backend meets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the digest wing's values; the core imports this module, not the wing
    from bot.chat_store import LoggedQuestion, Stats
    from bot.digest.store import Claim, Delivery, Subscription

SubscriptionListener = Callable[[str, str], None]  # (platform, chat_id) whose subscription changed


class ChatState(Protocol):
    """A chat's last question and how far /more has shown it."""

    async def remember_question(
        self, platform: str, chat_id: str, question: str, shown: int
    ) -> None: ...
    async def last_question(self, platform: str, chat_id: str) -> tuple[str, int] | None: ...


class ChatLooks(Protocol):
    """When a chat last looked at what is new (/new, a digest)."""

    async def last_looked(self, platform: str, chat_id: str) -> datetime | None: ...
    async def mark_looked(self, platform: str, chat_id: str, at: datetime) -> None: ...


class ChatBindings(Protocol):
    """The collections a chat searches, first one first; empty: every collection."""

    async def collections(self, platform: str, chat_id: str) -> tuple[str, ...]: ...
    async def use_collections(self, platform: str, chat_id: str, slugs: Sequence[str]) -> None: ...
    async def bound_only_to(self, slug: str) -> list[tuple[str, str]]: ...


class QuestionLog(Protocol):
    """Answered questions (with the /more state, in one write) and the votes on them."""

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
    ) -> int: ...
    async def question(self, question_id: int) -> LoggedQuestion | None: ...
    async def last_question_id(self, platform: str, chat_id: str) -> int | None: ...
    async def vote(self, question_id: int, user_id: str, vote: int) -> int | None: ...
    async def stats(self, days: float, *, gaps: int = 20) -> Stats: ...


class UpdateDedupe(Protocol):
    """Each platform update handled once, across restarts."""

    async def first_time(self, platform: str, update_key: str) -> bool: ...


class ChatReachability(Protocol):
    """Chats that blocked the bot or moved (a group that became a supergroup)."""

    async def set_active(
        self, platform: str, chat_id: str, active: bool, reason: str = ""
    ) -> None: ...
    async def inactive_reason(self, platform: str, chat_id: str) -> str | None: ...
    async def move_chat(self, platform: str, old: str, new: str) -> None: ...


class ChatRecords(ChatState, QuestionLog, UpdateDedupe, ChatReachability, Protocol):
    """Everything the core keeps per chat."""


class Subscriptions(Protocol):
    """Digest subscriptions and the fenced delivery claims (one per chat and local date)."""

    def listen(self, listener: SubscriptionListener) -> Callable[[], None]: ...
    async def subscribe(self, sub: Subscription, now: datetime) -> Subscription: ...
    async def deactivate(self, platform: str, chat_id: str, reason: str, now: datetime) -> bool: ...
    async def get(self, platform: str, chat_id: str) -> Subscription | None: ...
    async def all(self, *, active_only: bool = True) -> list[Subscription]: ...
    async def claim(
        self, sub: Subscription, local_date: date, now: datetime, stale: timedelta
    ) -> Claim | None: ...
    async def renew(self, claims: Iterable[Claim], now: datetime) -> list[bool]: ...
    async def finish(
        self,
        claim: Claim,
        status: str,
        detail: str,
        now: datetime,
        *,
        seen_sources: tuple[str, ...] | None = None,
        looked_at: datetime | None = None,
    ) -> bool: ...
    async def delivery(self, platform: str, chat_id: str, local_date: date) -> Delivery | None: ...
    async def deliveries(self, platform: str, chat_id: str) -> list[Delivery]: ...
