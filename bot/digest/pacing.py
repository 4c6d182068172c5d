"""Token buckets that keep scheduled sends under each platform's flood limits.

Each platform's row states its limits (`Platform.send_limits`, e.g. Telegram's in
bot/adapters/telegram/platform.py); a platform without one gets `DEFAULT_LIMITS`. Answers to
questions do not queue here, so they still get through beside a 08:00 fan-out. Waits use the
injected clock's monotonic time (tests: fake time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.core.clock import Clock
from bot.core.delivery import DEFAULT_LIMITS, ChatTarget, Limits

MIN_WAIT = 0.001  # seconds


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; `delay()` takes one or says how long
    until one is available (the caller waits and asks again)."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._stamp = now

    def delay(self, now: float) -> float:
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = max(self._stamp, now)
        if self._tokens >= 1.0 - 1e-6:  # clocks tick in microseconds: don't chase rounding
            return 0.0
        return max(MIN_WAIT, (1.0 - self._tokens) / self._rate)

    def take(self) -> None:
        self._tokens = max(0.0, self._tokens - 1.0)


class Pacer:
    """Per platform: one overall bucket, one per chat (per-group rate for groups)."""

    MAX_CHATS = 50_000  # buckets kept; an idle chat's bucket is full again and can be dropped

    def __init__(self, clock: Clock, limits: Mapping[str, Limits] | None = None) -> None:
        """`limits`: each platform's row's `send_limits` (the runner passes the table's); a
        platform without one is paced at `DEFAULT_LIMITS`."""
        self._clock = clock
        self._limits = dict(limits or {})
        self._overall: dict[str, TokenBucket] = {}
        self._chats: dict[str, TokenBucket] = {}
        self._lock = asyncio.Lock()

    def _seconds(self) -> float:
        return self._clock.monotonic()

    async def acquire(self, target: ChatTarget) -> None:
        """Wait until one more message to `target` fits every limit, then count it."""
        limits = self._limits.get(target.platform, DEFAULT_LIMITS)
        async with self._lock:  # one waiter at a time keeps the order fair (FIFO)
            while True:
                now = self._seconds()
                overall = self._overall.setdefault(
                    target.platform, TokenBucket(limits.overall, limits.overall_burst, now)
                )
                chat = self._chat_bucket(target, limits, now)
                wait = max(overall.delay(now), chat.delay(now))
                if wait <= 0:
                    overall.take()
                    chat.take()
                    return
                await self._clock.sleep(wait)

    def _chat_bucket(self, target: ChatTarget, limits: Limits, now: float) -> TokenBucket:
        bucket = self._chats.get(target.key)
        if bucket is None:
            if len(self._chats) >= self.MAX_CHATS:
                self._chats.clear()
            rate = limits.per_group if limits.is_group(target) else limits.per_chat
            bucket = self._chats[target.key] = TokenBucket(rate, 1.0, now)
        return bucket
