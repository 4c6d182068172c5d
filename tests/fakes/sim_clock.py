"""A discrete-event clock: `sleep()` waits until the test moves time past its wake-up.

Unlike FakeClock (where every sleep moves the shared time at once, so two tasks' waits add
up), concurrent sleeps here overlap as in real life: the test drives time with `wake_next()`,
which jumps to the earliest wake-up and resumes whoever was due. Used to interleave two
senders, slow sends and crashes deterministically (tests/test_digest_fencing.py).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class _Sleeper:
    until: datetime
    wake: asyncio.Future[None]


@dataclass
class SimClock:
    start: datetime
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # set when someone sleeps
    _now: datetime = field(init=False)
    _sleepers: list[_Sleeper] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._now = self.start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self.start.astimezone(UTC)).total_seconds()

    def set(self, moment: datetime) -> None:
        """Move time forward (never back) without waking anyone early."""
        self._now = max(self._now, moment.astimezone(UTC))

    async def sleep(self, seconds: float) -> None:
        sleeper = _Sleeper(
            self._now + timedelta(seconds=max(0.0, seconds)),
            asyncio.get_running_loop().create_future(),
        )
        self._sleepers.append(sleeper)
        self.changed.set()
        try:
            await sleeper.wake
        finally:
            self._sleepers.remove(sleeper)

    @property
    def sleeping(self) -> int:
        """Tasks waiting on this clock now."""
        return sum(not s.wake.done() for s in self._sleepers)

    def next_wake(self) -> datetime | None:
        waiting = [s.until for s in self._sleepers if not s.wake.done()]
        return min(waiting) if waiting else None

    def wake_next(self) -> None:
        """Jump to the earliest wake-up and resume every sleeper due by then."""
        until = self.next_wake()
        if until is None:
            return
        self.set(until)
        for sleeper in self._sleepers:
            if sleeper.until <= self._now and not sleeper.wake.done():
                sleeper.wake.set_result(None)
