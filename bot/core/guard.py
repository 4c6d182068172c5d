"""Who may use the bot, and how fast: a per-platform chat allowlist and a per-user rate limit.

Shared by every adapter because the core applies it. The limit is a sliding window kept in
memory per running copy (a restart forgets it, several copies each allow the limit): it is
there to stop a runaway client or a flood, not to meter usage. Time comes from an injected
monotonic clock so tests can move it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Collection, Mapping

MAX_TRACKED_USERS = 10_000  # past this many, users whose window is empty are forgotten


class Guard:
    def __init__(
        self,
        allowed_chats: Mapping[str, Collection[str]] | None = None,
        *,
        limit: int = 0,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`allowed_chats`: platform -> chat ids; a platform not listed is open to every chat.
        `limit`: questions per user per `window` seconds; 0 turns the limit off."""
        self._allowed = allowed_chats or {}
        self.limit = limit
        self.window = window
        self._clock = clock
        self._asked: dict[tuple[str, str], deque[float]] = {}

    def admits(self, platform: str, chat_id: str) -> bool:
        chats = self._allowed.get(platform)
        return chats is None or chat_id in chats

    def wait_before_asking(self, platform: str, user_id: str) -> float:
        """0 and the question is counted; otherwise the seconds until the user may ask again."""
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        key = (platform, user_id)
        asked = self._asked.setdefault(key, deque())
        while asked and asked[0] <= now - self.window:
            asked.popleft()
        if len(asked) >= self.limit:
            return asked[0] + self.window - now
        asked.append(now)
        if len(self._asked) > MAX_TRACKED_USERS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        idle = [
            k for k, times in self._asked.items() if not times or times[-1] <= now - self.window
        ]
        for key in idle:
            del self._asked[key]
