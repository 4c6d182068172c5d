"""Poll the remembered feeds on an interval and index their new and changed entries.

One task, created by `start()` and cancelled by `aclose()`; a failed poll is logged and the
next one still runs. New entries become new sources (with `added_at` now), which is what the
digest lists as "new since the last digest".

`briefbot run` starts it after the chat adapters and closes it before them. `health()` is its
/healthz check: a poll round that runs longer than the interval (every fetch has a deadline,
so something is hanging) makes it "stuck".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from bot.core.clock import Clock, SystemClock
from knowledge.ingest import IngestReport

log = logging.getLogger(__name__)
ReportSink = Callable[[list[IngestReport]], None]


class Feeds(Protocol):
    """What the poller polls: `Library` (which also embeds new entries when it can)."""

    async def poll_feeds(self) -> list[IngestReport]: ...


class FeedPoller:
    def __init__(
        self,
        feeds: Feeds,
        interval_seconds: float,
        *,
        on_poll: ReportSink | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._feeds = feeds
        self._interval = interval_seconds
        self._on_poll = on_poll
        self._clock = clock or SystemClock()
        self._round_started: float | None = None  # when the running poll round began
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    async def start(self) -> None:
        """Poll now, then every interval, until `aclose()`."""
        if self._task is not None:
            return
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run(self._stop), name="feed-poller")

    @property
    def connected(self) -> bool:
        """Polling (the health check): started and its task still alive."""
        return self._task is not None and not self._task.done()

    def health(self) -> bool | str:
        """True, or "stuck" while a poll round has run longer than the interval."""
        started = self._round_started
        if started is not None and self._clock.monotonic() - started > self._interval:
            return "stuck"
        return True

    async def aclose(self) -> None:
        if self._task is None:
            return
        if self._stop is not None:
            self._stop.set()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def poll_once(self) -> list[IngestReport]:
        self._round_started = self._clock.monotonic()
        try:
            reports = await self._feeds.poll_feeds()
        finally:
            self._round_started = None
        for report in reports:
            if report.failed:
                log.warning("feed poll: %s", report.detail)
            elif report.status in ("added", "updated"):
                log.info("feed poll: %s %s", report.status, report.source_id)
        return reports

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                reports = await self.poll_once()
            except Exception:
                log.exception("feed poll failed; trying again next interval")
                reports = []
            if self._on_poll is not None:
                self._on_poll(reports)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)
