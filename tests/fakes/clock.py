"""The clock tests move by hand: `now()` is whatever was set, `sleep()` advances it at once.

Sleeping advances the shared time (like a simulation), so pacing and backoff take no real
time, and what they *would* have waited is visible in `now()`. `monotonic()` is the seconds
since `start`, so rate limits and the feed poller's "stuck" check move with the same hand.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self._start = self._now = start.astimezone(UTC)
        self.slept = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._start).total_seconds()

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        self._now += timedelta(seconds=max(0.0, seconds))
        self.slept += max(0.0, seconds)
        await asyncio.sleep(0)
