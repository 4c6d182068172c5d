"""Waiting for the operator to stop a long-running command: SIGINT (Ctrl-C) or SIGTERM.

`briefbot run` and `briefbot serve-health` both serve until one of these arrives, then close
what they opened. The handlers are the event loop's (not `signal.signal`), so the wait is an
`asyncio.Event` and closing happens in the loop, not in a signal handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.asynccontextmanager
async def stop_requested() -> AsyncIterator[asyncio.Event]:
    """An event set by the first SIGINT or SIGTERM while inside; the handlers are removed on
    exit. Where the loop cannot take signal handlers (Windows) Ctrl-C still interrupts."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        yield stop
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
