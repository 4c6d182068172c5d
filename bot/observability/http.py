"""The HTTP endpoint for operators: `/healthz` (JSON, 200 or 503) and `/metrics` (Prometheus).

Off by default (`[http] enabled`); the runner opens it with `open_http(...)` next to the chat
adapters, in the same event loop. It serves only these two read-only paths, binds to
127.0.0.1 unless told otherwise, and never echoes request data, so it needs no auth of its own.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot.config import HttpSettings
from bot.observability.health import HealthRegistry
from bot.observability.metrics import Metrics

log = logging.getLogger(__name__)


class HttpServer:
    """`start()` binds and serves (port 0 picks a free port, see `port`), `aclose()` stops."""

    def __init__(self, settings: HttpSettings, health: HealthRegistry, metrics: Metrics) -> None:
        self._settings = settings
        self._health = health
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the running server, e.g. http://127.0.0.1:8080."""
        if self.port is None:
            raise RuntimeError("the HTTP server is not running")
        host = self._settings.host
        if host in ("0.0.0.0", "", "::"):  # noqa: S104 (a comparison): all interfaces
            host = "127.0.0.1"
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._serve_metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._settings.host, self._settings.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])  # the real port when settings say 0
        log.info("HTTP endpoint listening on %s (/healthz, /metrics)", self.url)

    async def aclose(self) -> None:
        """Stop serving; safe to call twice or after a failed start."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("HTTP endpoint stopped")
        self.port = None

    async def _healthz(self, request: web.Request) -> web.Response:
        report = await self._health.run()
        status = 200 if report.healthy else 503
        if not report.healthy:
            log.warning("health check failing: %s", report.checks)
        return web.json_response(report.to_dict(), status=status)

    async def _serve_metrics(self, request: web.Request) -> web.Response:
        body, content_type = self._metrics.exposition(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})


@asynccontextmanager
async def open_http(
    settings: HttpSettings, health: HealthRegistry, metrics: Metrics, *, force: bool = False
) -> AsyncIterator[HttpServer | None]:
    """The running server while the block runs; None when `[http] enabled` is false (and not
    `force`d by `briefbot serve-health`)."""
    if not (settings.enabled or force):
        yield None
        return
    server = HttpServer(settings, health, metrics)
    await server.start()
    try:
        yield server
    finally:
        await server.aclose()
