"""Who may use the bot, and how fast: a per-platform chat allowlist and per-user rate limits.

Shared by every adapter because the core applies it. Every command, question and button press
counts against one limit; `/ingest` (a server-side fetch and a write) also against its own,
stricter one. Each limit is a sliding window kept in memory per running copy (a restart forgets
it, several copies each allow the limit): it is there to stop a runaway client or a flood, not
to meter usage. Time comes from the injected clock's `monotonic()` so tests can move it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping

from bot.core.clock import Clock, SystemClock

MAX_TRACKED_USERS = 10_000  # past this many, users whose window is empty are forgotten


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds; 0 turns it off."""

    def __init__(self, limit: int, window: float, clock: Clock) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[tuple[str, str], deque[float]] = {}

    def wait(self, key: tuple[str, str]) -> float:
        """0 and the event is counted; otherwise the seconds until the key may act again."""
        if self.limit <= 0:
            return 0.0
        now = self._clock.monotonic()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        if len(self._events) > MAX_TRACKED_USERS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [
            k for k, times in self._events.items() if not times or times[-1] <= now - self.window
        ]
        for key in idle:
            del self._events[key]


class Guard:
    def __init__(
        self,
        allowed_chats: Mapping[str, Collection[str]] | None = None,
        *,
        limit: int = 0,
        window: float = 60.0,
        ingest_limit: int = 0,
        ingest_window: float = 600.0,
        clock: Clock | None = None,
    ) -> None:
        """`allowed_chats`: platform -> chat ids; a platform not listed is open to every chat.
        `limit`: messages and presses per user per `window` seconds; `ingest_limit`: /ingest
        per user per `ingest_window` seconds; 0 turns a limit off."""
        self._allowed = allowed_chats or {}
        clock = clock or SystemClock()
        self.messages = SlidingWindow(limit, window, clock)
        self.ingests = SlidingWindow(ingest_limit, ingest_window, clock)

    @property
    def limit(self) -> int:
        return self.messages.limit

    @property
    def window(self) -> float:
        return self.messages.window

    def admits(self, platform: str, chat_id: str) -> bool:
        chats = self._allowed.get(platform)
        return chats is None or chat_id in chats

    def wait_before_asking(self, platform: str, user_id: str) -> float:
        """0 and the message (any command, question or press) is counted; otherwise the
        seconds until the user may send one again."""
        return self.messages.wait((platform, user_id))

    def wait_before_ingesting(self, platform: str, user_id: str) -> float:
        """Like `wait_before_asking`, for the stricter /ingest limit."""
        return self.ingests.wait((platform, user_id))
