"""`briefbot serve-health`: the HTTP endpoint alone, until SIGINT/SIGTERM.

For the container recipe check (CI starts it from a venv built exactly like the image) and for
poking at /healthz and /metrics without a chat token. The chat runner opens the same server
with `open_http` when `[http] enabled` is true.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.app import App
from bot.observability.http import open_http

log = logging.getLogger(__name__)


async def cmd_serve_health(app: App, args: argparse.Namespace) -> int:
    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = app.settings.http.model_copy(update=update)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        async with open_http(settings, app.health, app.metrics, force=True) as server:
            assert server is not None
            # one plain line (no wrapping) that scripts can parse for the port
            sys.stderr.write(f"serving {server.url}/healthz and {server.url}/metrics\n")
            sys.stderr.flush()
            await stop.wait()
            log.info("shutdown requested; closing the HTTP endpoint")
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
    log.info("stopped cleanly")
    return 0
