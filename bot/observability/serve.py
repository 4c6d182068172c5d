"""`briefbot serve-health`: the HTTP endpoint alone, until SIGINT/SIGTERM.

For the container recipe check (CI starts it from a venv built exactly like the image) and for
poking at /healthz and /metrics without a chat token. The chat runner opens the same server
with `open_http` when `[http] enabled` is true.
"""

from __future__ import annotations

import logging
import sys

from bot.config import HttpSettings
from bot.observability.health import HealthRegistry
from bot.observability.http import open_http
from bot.observability.metrics import Metrics
from bot.stop_signal import stop_requested

log = logging.getLogger(__name__)


async def serve_health(settings: HttpSettings, health: HealthRegistry, metrics: Metrics) -> int:
    """Serve /healthz and /metrics at `settings`' host and port (even if `[http]` is off)."""
    async with stop_requested() as stop, open_http(settings, health, metrics, force=True) as server:
        assert server is not None
        # one plain line (no wrapping) that scripts can parse for the port
        sys.stderr.write(f"serving {server.url}/healthz and {server.url}/metrics\n")
        sys.stderr.flush()
        await stop.wait()
        log.info("shutdown requested; closing the HTTP endpoint")
    log.info("stopped cleanly")
    return 0
