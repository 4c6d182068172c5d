"""A fake Telegram Bot API server (aiohttp on 127.0.0.1, random port) for end-to-end tests.

Point the real python-telegram-bot at it::

    async with running_fake_telegram() as tg:
        app = (ApplicationBuilder().token(tg.TOKEN).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).build())

PTB posts every method to `{base_url}{token}/{method}`, form-encoded, with every non-string value
JSON-encoded (numbers, `reply_markup`, `entities`, ...); JSON bodies, multipart forms and query
strings are accepted too. Answers are Telegram's envelopes, `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": ..., "description": ..., "parameters": {...}}`, which PTB turns into
RetryAfter (429), ChatMigrated, BadRequest (400), Forbidden (403), InvalidToken (401/404),
Conflict (409) or NetworkError (anything else, or a dropped connection).

* Inject traffic with `send_text`, `press_button`, `inline_query` or `push_update`; the bot gets
  it from getUpdates (long polling), or `post_to_webhook()` POSTs it to the setWebhook URL
  (`post_update(update, url)`: one update, again if need be, to one replica's address).
* Observe `calls`, `sent`, `edited`, `messages`, `chats`, `commands`, `webhook`, or await
  `wait_for_call` / `wait_for_sent` (never sleep-poll).
* Simulate trouble with `fail_next`, `block_chat` and `migrate_group`.

The per-method behaviour lives in telegram_botapi.py, the HTML parse mode in telegram_html.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import ClientSession, web

from .telegram_botapi import ApiError, BotApiState
from .telegram_html import utf16_len

T = TypeVar("T")

# Free-text parameters are never JSON-decoded, so a message text "42" or "[1]" stays a string.
_TEXT_PARAMS = frozenset(
    """text caption query title description short_description name question next_offset url
    secret_token ip_address callback_query_id inline_query_id action parse_mode language_code
    emoji first_name last_name phone_number address""".split()
)


@dataclass
class Call:
    """One request to the fake: the method as requested and its decoded parameters."""

    method: str
    params: dict[str, Any]
    status: int | None = None  # HTTP status answered; None while pending (long poll) or dropped
    response: dict | None = None  # the JSON envelope answered


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram(BotApiState):
    """The Bot API for one bot. Use `async with FakeTelegram() as tg:` or start()/close()."""

    TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"  # shaped like a real token
    DEFAULT_USER_ID = 1001  # sender of group messages when no user_id is given

    def __init__(self, *, username: str = "briefbot_test_bot") -> None:
        super().__init__(username)
        self.calls: list[Call] = []  # every request, in order
        self.base_url = ""  # "http://127.0.0.1:PORT/bot", for Bot(base_url=...)
        self.base_file_url = ""  # "http://127.0.0.1:PORT/file/bot"
        self._failures: dict[str, list[tuple[int, int, bool, str]]] = {}
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"

    async def close(self) -> None:
        self._closing = True  # pending long polls answer [] at once
        self._bump()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- inbound traffic -------------------------------------------------------------------
    def push_update(self, update: dict) -> int:
        """Queue a raw Update dict for getUpdates, setting its update_id, which is returned."""
        update["update_id"] = next(self._ids["update"])
        self.pending.append(update)
        self._bump()
        return update["update_id"]

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        first_name: str = "Ann",
        reply_to: dict | None = None,
        message_thread_id: int | None = None,
        is_forum: bool = False,
        entities: list | None = None,
    ) -> dict:
        """A user writes `text`; returns the queued update. user_id defaults to chat_id in a
        private chat, else DEFAULT_USER_ID. A leading /command gets its bot_command entity."""
        if user_id is None:
            user_id = chat_id if chat_type == "private" else self.DEFAULT_USER_ID
        chat = {"id": chat_id, "type": chat_type}
        chat |= {"first_name": first_name} if chat_type == "private" else {"title": "Tests"}
        chat |= {"is_forum": True} if is_forum else {}
        self.chats[chat_id] = chat
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        msg = self._new_message(chat, user, text, message_thread_id)
        if entities is None and text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])}]
        msg |= {"entities": entities} if entities else {}
        msg |= {"reply_to_message": reply_to} if reply_to else {}
        update = {"message": msg}
        self.push_update(update)
        return update

    def press_button(
        self, chat_id: int, message: dict, data: str, *, user_id: int | None = None
    ) -> dict:
        """A user (default: chat_id) presses the inline button carrying `data` under `message`,
        a message the bot sent; returns the queued callback_query update."""
        query_id = str(next(self._ids["query"]))
        self._open_queries.add(query_id)
        user = {"id": chat_id if user_id is None else user_id, "is_bot": False, "first_name": "Ann"}
        message = self.messages.get((chat_id, message["message_id"]), message)  # current state
        query = {"id": query_id, "from": user, "message": message, "data": data}
        update = {"callback_query": query | {"chat_instance": f"instance{chat_id}"}}
        self.push_update(update)
        return update

    def inline_query(self, user_id: int, query: str) -> dict:
        """A user types `@bot query` in some chat; returns the queued inline_query update."""
        query_id = str(next(self._ids["query"]))
        self._open_queries.add(query_id)
        user = {"id": user_id, "is_bot": False, "first_name": "Ann"}
        update = {"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}}
        self.push_update(update)
        return update

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: calls with old_chat_id fail with 400 and
        parameters.migrate_to_chat_id (PTB: ChatMigrated)."""
        self._migrated[old_chat_id] = new_chat_id
        title = self.chats.get(old_chat_id, {}).get("title", "Tests")
        self.chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": title}

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: calls with this chat_id fail with 403 (PTB: Forbidden)."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        drop: bool = False,
        description: str = "",
    ) -> None:
        """Fail the next `times` calls of `method`: 429 with parameters.retry_after (PTB:
        RetryAfter), any other HTTP status (5xx: NetworkError), or with drop=True close the
        connection without answering (PTB: NetworkError); `description` replaces the status's
        phrase ("Bad Request: chat not found")."""
        failure = (status, retry_after, drop, description)
        self._failures.setdefault(method.lower(), []).extend([failure] * times)

    async def post_to_webhook(self) -> list[int]:
        """POST pending updates, oldest first, to the setWebhook URL (with its secret token).
        Each one answered 2xx is confirmed; stops at the first failure. Returns the statuses."""
        if not self.webhook["url"]:
            raise RuntimeError("no webhook is set")
        secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        statuses: list[int] = []
        async with ClientSession() as session:
            for update in list(self._deliverable()):
                async with session.post(self.webhook["url"], json=update, headers=headers) as r:
                    statuses.append(r.status)
                if r.status >= 300:
                    break
                self.pending.remove(update)
        return statuses

    async def post_update(self, update: dict, url: str | None = None) -> int:
        """POST one update (e.g. one already delivered: Telegram retries an update whose POST
        timed out) to `url` (default the setWebhook URL; a replica's own address stands for a
        load balancer that picked it), with the webhook's secret token. Returns the status;
        the update stays pending either way."""
        target = url or self.webhook["url"]
        if not target:
            raise RuntimeError("no webhook is set")
        secret = self.webhook.get("secret_token")
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with (
            ClientSession() as session,
            session.post(target, json=update, headers=headers) as response,
        ):
            return response.status

    # -- observation -----------------------------------------------------------------------
    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, applied with asyncio.timeout
        start: int = 0,
    ) -> Call:
        """The first call of `method` (case-insensitive) at index >= start in `calls` that
        matches predicate, waiting for it if needed. Its status is None until answered."""

        def find() -> Call | None:
            calls = (c for c in self.calls[start:] if c.method.lower() == method.lower())
            return next((c for c in calls if predicate is None or predicate(c)), None)

        return await self._wait(find, timeout, f"a {method} call")

    async def wait_for_sent(
        self,
        count: int = 1,
        *,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline, applied with asyncio.timeout
    ) -> list[dict]:
        """The first `count` messages in `sent` (to chat_id, if given), waiting for them."""

        def find() -> list[dict] | None:
            found = [m for m in self.sent if chat_id is None or m["chat"]["id"] == chat_id]
            return found[:count] if len(found) >= count else None

        return await self._wait(find, timeout, f"{count} sent message(s)")

    async def _wait(self, find: Callable[[], T | None], deadline: float, what: str) -> T:
        try:
            async with asyncio.timeout(deadline):
                while (found := find()) is None:
                    await self._changed.wait()
        except TimeoutError:
            methods = [c.method for c in self.calls]
            raise TimeoutError(f"no {what} within {deadline}s; calls: {methods}") from None
        return found

    # -- HTTP ------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        params = {k: _decode(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = {"filename": value.filename, "size": len(value.file.read())}
                else:
                    params[key] = _decode(key, value)
        call = Call(request.match_info["method"], params)
        self.calls.append(call)
        self._bump()
        try:
            if request.match_info["token"] != self.TOKEN:
                raise ApiError(401, "Unauthorized")
            if failures := self._failures.get(call.method.lower()):
                status, retry_after, drop, description = failures.pop(0)
                if drop and request.transport is not None:
                    request.transport.abort()  # the client sees the connection reset
                    return web.Response()
                if status == 429:
                    description = f"Too Many Requests: retry after {retry_after}"
                    raise ApiError(429, description, {"retry_after": retry_after})
                raise ApiError(status, description or HTTPStatus(status).phrase)
            body: dict[str, Any] = {"ok": True, "result": await self.dispatch(call.method, params)}
            call.status = 200
        except ApiError as err:
            body = {"ok": False, "error_code": err.status, "description": err.description}
            body |= {"parameters": err.parameters} if err.parameters else {}
            call.status = err.status
        call.response = body
        self._bump()
        return web.json_response(body, status=call.status)


@contextlib.asynccontextmanager
async def running_fake_telegram(
    *, username: str = "briefbot_test_bot"
) -> AsyncIterator[FakeTelegram]:
    """`async with running_fake_telegram() as tg:` - a started FakeTelegram, closed on exit."""
    async with FakeTelegram(username=username) as fake:
        yield fake
