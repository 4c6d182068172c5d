"""A progress bar for index builds and large ingests: on stderr, only on a terminal, and only
once the work has taken more than half a second, so quick runs and pipes stay quiet."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

DELAY_SECONDS = 0.5
Tick = Callable[[Any], None]  # called once per item done (the item is ignored)
ProgressFactory = Callable[[str, int | None], AbstractAsyncContextManager[Tick]]


@asynccontextmanager
async def no_progress(description: str, total: int | None) -> AsyncIterator[Tick]:
    """For library callers and tests: counts nothing, shows nothing."""
    yield lambda _item: None


def terminal_progress(console: Console, delay: float = DELAY_SECONDS) -> ProgressFactory:
    """A factory of progress bars on `console` (give it the stderr console)."""

    @asynccontextmanager
    async def progress(description: str, total: int | None) -> AsyncIterator[Tick]:
        if not console.is_terminal:
            yield lambda _item: None
            return
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,  # the report that follows is what stays on screen
        )
        task = bar.add_task(description, total=total)
        # the bar redraws from its own thread, so it moves while the loop is busy parsing
        timer = asyncio.get_running_loop().call_later(delay, bar.start)
        try:
            yield lambda _item: bar.advance(task)
        finally:
            timer.cancel()
            bar.stop()

    return progress
