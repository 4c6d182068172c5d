"""Time as a dependency: the digest asks a `Clock` what time it is and how to wait.

Scheduling logic never calls `datetime.now()` or `asyncio.sleep()` directly, so tests drive it
with a clock they move by hand (tests/fakes/clock.py) instead of sleeping until 08:00.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
