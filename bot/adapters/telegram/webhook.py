"""The Telegram webhook server: our own small aiohttp server instead of python-telegram-bot's.

Why our own: PTB's built-in server reads the whole request body before it looks at the secret
token, so an unauthenticated caller could make it buffer a 90 MB body. Here the secret header
(`X-Telegram-Bot-Api-Secret-Token`, compared in constant time) is checked before a single body
byte is read (403), and the body is capped at `MAX_BODY_BYTES` (413) — Telegram's updates are
a few kilobytes. An accepted update goes on PTB's `update_queue`, exactly where its own
webhook server or long polling would put it, so the handlers are the same in both modes.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY_BYTES = 1024 * 1024


class TelegramWebhook:
    """`await start()`, `await aclose()`; `port` is the bound port (useful with port 0)."""

    def __init__(
        self,
        application: Any,
        secret: str,
        *,
        listen: str,
        port: int,
        path: str,
        max_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        """`application`: a started PTB Application (its `bot` and `update_queue` are used)."""
        if not secret:
            raise ValueError("the webhook needs a secret token")
        self._application = application
        self._secret = secret.encode()
        self._listen = listen
        self._port = port
        self._path = "/" + path.strip("/")
        self._max_bytes = max_bytes
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        app = web.Application(client_max_size=self._max_bytes)
        app.router.add_post(self._path, self._receive)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._listen, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def aclose(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):  # before reading any of the body
            log.warning("webhook: refused a request without the right secret token")
            return web.Response(status=403, text="forbidden")
        body = await self._bounded_body(request)
        if body is None:
            log.warning("webhook: refused a body over %d bytes", self._max_bytes)
            return web.Response(status=413, text="too large")
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise TypeError("no update_id")
            update = Update.de_json(data, self._application.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("webhook: not an update (%s)", type(exc).__name__)
            return web.Response(status=400, text="not an update")
        if update is None:
            return web.Response(status=400, text="not an update")
        await self._application.update_queue.put(update)
        return web.Response(text="ok")

    async def _bounded_body(self, request: web.Request) -> bytes | None:
        """The body, or None if it is (or claims to be) over the cap; never reads past it."""
        limit = self._max_bytes
        if request.content_length is not None and request.content_length > limit:
            return None
        body = bytearray()
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > limit:
                return None
        return bytes(body)
