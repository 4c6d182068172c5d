"""Time as a dependency: one `Clock` answers what time it is, how long since, and how to wait.

Behaviour that depends on time (digest schedules and pacing, rate limits, record retention,
the feed poller's "stuck" check) never calls `datetime.now()`, `time.monotonic()` or
`asyncio.sleep()` directly. `open_app` builds one `SystemClock` and hands it down, so tests
drive every part with the one clock they move by hand (tests/fakes/clock.py) instead of
sleeping until 08:00. Pure measurements (answer latency) read `time.perf_counter()` directly.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC): for dates, schedules and stored stamps."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start that never go back: for windows and timeouts."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
