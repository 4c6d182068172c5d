"""Token buckets that keep scheduled sends under each platform's flood limits.

Telegram allows about 30 messages/s per bot overall, 1/s per chat and 20/min per group;
Discord about 50 requests/s globally (and 5 per 5 s per channel). On Telegram the digest sends
25/s plus a burst of 5 (at most 30 in any second) and answers to questions, which do not queue
here, still get through beside a 08:00 fan-out. Waits use the injected clock (tests: fake time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.clock import Clock
from bot.core.delivery import ChatTarget


@dataclass(frozen=True, slots=True)
class Limits:
    """Rates in messages per second and the bursts allowed on top."""

    overall: float
    overall_burst: float
    per_chat: float
    per_group: float
    is_group: Callable[[ChatTarget], bool] = field(default=lambda target: False)


def _telegram_group(target: ChatTarget) -> bool:
    return target.chat_id.startswith("-")  # groups and supergroups have negative ids


PLATFORM_LIMITS: dict[str, Limits] = {
    "telegram": Limits(25.0, 5.0, 1.0, 20 / 60, _telegram_group),
    "discord": Limits(45.0, 45.0, 1.0, 1.0),
}
DEFAULT_LIMITS = Limits(10.0, 10.0, 1.0, 1.0)
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

    def __init__(self, clock: Clock, limits: dict[str, Limits] | None = None) -> None:
        self._clock = clock
        self._limits = limits or PLATFORM_LIMITS
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
