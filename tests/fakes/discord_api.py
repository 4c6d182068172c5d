"""A fake Discord (REST API v10 + websocket gateway) for end-to-end tests of the real discord.py.

Usage::

    async with FakeDiscord() as fake:
        with discord_base_url(fake.base_url):
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            await client.login(FakeDiscord.TOKEN)
            task = asyncio.create_task(client.connect())
            await client.wait_until_ready()     # the guild is in client.guilds
            fake.user_message("hi", mentions_bot=True)   # -> on_message
            sent = await fake.wait_for_message()         # what the bot posted
            await client.close()
            await task

``guild_ready_timeout``: discord.py fires ``on_ready`` only once no GUILD_CREATE arrived
for that long (default 2 s), so tests shorten it.

Injected events are full gateway payloads, dispatched in order on the live session and
returned for assertions.  Everything the client does is recorded: ``requests`` (every REST
call), ``messages`` (every message the bot created or edited, each a dict with ``kind`` in
create/response/followup/edit/edit_original/update, ``id``, ``channel_id``, ``content``,
``embeds``, ``components``, ``allowed_mentions``, ``flags``, ``message_reference``,
``interaction_id`` and the raw ``body``; fields the client did not send are ``None``),
``commands`` (the last synced command set), ``interaction_responses`` and ``gateway_frames``.
As on Discord, the bot's own non-ephemeral messages come back to it over the gateway
(MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE), so ``on_message`` sees them too.
Close the client before the fake: closing the fake first makes discord.py reconnect.
Waiting helpers poll nothing: they wake on each recorded change and time out with a
``TimeoutError`` that says what was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from . import _discord_payloads as p
from ._discord_gateway import FakeGateway
from ._discord_rest import Failure, Recorded, RestApi, compile_route
from ._discord_world import DiscordWorld

__all__ = ["FakeDiscord", "Recorded", "discord_base_url", "running_fake_discord"]


@contextlib.contextmanager
def discord_base_url(url: str, *, gateway_url: str | None = None) -> Iterator[None]:
    """Points discord.py at another Discord-compatible server inside the block.

    discord.py has no setting for its host.  Every REST route (webhooks and interaction
    callbacks included) is built from the class attribute ``discord.http.Route.BASE``, read
    when each ``Route`` is created; and a plain ``discord.Client`` never calls
    ``GET /gateway/bot``: it dials the class attribute ``DiscordWebSocket.DEFAULT_GATEWAY``
    (``wss://gateway.discord.gg``), then READY's ``resume_gateway_url``.  So both attributes
    are patched, process-wide, and restored on exit so that later tests (and anything else
    in the process) talk to the real values again.  ``gateway_url`` defaults to
    ``ws(s)://<host of url>/gateway``, which is where :class:`FakeDiscord` serves it.
    """
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    if gateway_url is None:
        parts = urlsplit(url)
        gateway_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}/gateway"
    old = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old


class FakeDiscord(DiscordWorld):
    """The server: REST + gateway on 127.0.0.1, recording, failure injection, waiting.

    The ids, identities and the event-injection methods (``user_message``,
    ``slash_command``, ``autocomplete``, ``press_button``) come from :class:`DiscordWorld`.
    """

    def __init__(self, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.requests: list[Recorded] = []
        self.messages: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.interaction_responses: list[dict[str, Any]] = []  # callback bodies + interaction_id
        self._ids = p.Snowflakes()
        self._changed = asyncio.Event()
        self._failures: list[Failure] = []
        self._command_sets: dict[int | None, list[dict[str, Any]]] = {}  # None = global
        self._stored: dict[int, dict[str, Any]] = {}  # message id -> full message object
        self._interactions: dict[str, dict[str, Any]] = {}  # token -> interaction context
        self._dm_channels: dict[int, int] = {self.USER_ID: self.DM_CHANNEL_ID}
        self._user_names: dict[int, str] = {self.USER_ID: self.USER_NAME}
        self._blocked_dm_users: set[int] = set()
        self._rest = RestApi(self)
        self.gateway = FakeGateway(
            token=self.TOKEN,
            heartbeat_interval_ms=heartbeat_interval_ms,
            initial_events=self._initial_events,
            notify=self._notify,
        )
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- gateway -----------------------------------------------------------------------

    @property
    def intents(self) -> int | None:
        """The intents bitfield of the last IDENTIFY."""
        return self.gateway.intents

    @property
    def gateway_frames(self) -> list[dict[str, Any]]:
        return self.gateway.frames

    # Every wait is bounded by an explicit ``timeout`` (hence the ASYNC109 waivers).

    async def wait_until_identified(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        await self.wait_for_gateway_op(2, timeout=timeout)

    async def wait_for_gateway_op(
        self,
        op: int,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Waits until the client has sent ``count`` frames with opcode ``op`` (2 IDENTIFY,
        6 RESUME, 1 HEARTBEAT)."""
        frames = self.gateway.frames
        await self._wait(
            lambda: sum(f.get("op") == op for f in frames) >= count or None,
            timeout,
            lambda: f"{count} gateway op {op} frame(s); got ops {[f.get('op') for f in frames]}",
        )

    async def disconnect(self, *, code: int = 4000) -> None:
        """Drops the gateway connection server-side; discord.py reconnects and RESUMEs.
        Events injected meanwhile are replayed on RESUME."""
        await self.gateway.disconnect(code)

    # -- failure injection -------------------------------------------------------------

    def fail_next(
        self,
        route: str,
        *,
        status: int = 429,
        retry_after: float = 0.05,
        times: int = 1,
        global_: bool = False,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """Makes the next ``times`` calls matching ``route`` fail with ``status``.

        ``route`` is ``"[METHOD ]/path"`` relative to the API base; ``{name}`` or ``*``
        match one segment, e.g. ``"POST /channels/*/messages"``.  A 429 carries Discord's
        rate-limit body and headers, so discord.py sleeps ``retry_after`` and retries.
        Other statuses get ``{"message": message, "code": code}`` (e.g. 403 / 50013
        "Missing Permissions").  Note discord.py retries 500/502/504 itself after sleeping
        1 s, 3 s, ...; 503 or 4xx raise at once."""
        method, pattern = compile_route(route)
        failure = Failure(method, pattern, status, retry_after, global_, times, code, message)
        self._failures.append(failure)

    def block_dms(self, user_id: int) -> None:
        """The user doesn't accept DMs: opening the DM channel works (as on Discord), sending
        into it gets 403 ``{"code": 50007, "message": "Cannot send messages to this user"}``."""
        self._blocked_dm_users.add(user_id)

    # -- recording (called by the REST handlers) ---------------------------------------

    def _store_message(
        self,
        kind: str | None,
        channel_id: int,
        body: dict[str, Any] | None,
        *,
        interaction: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = body or {}
        extra = {k: body[k] for k in ("embeds", "components", "message_reference") if k in body}
        extra["flags"] = body.get("flags") or 0
        if body.get("nonce") is not None:
            extra["nonce"] = str(body["nonce"])
        extra["attachments"] = [self._attachment(a) for a in body.get("attachments") or []]
        if "message_reference" in body:
            extra["type"] = 19
            ref = self._stored.get(int(body["message_reference"].get("message_id", 0)))
            extra["referenced_message"] = ref
        if interaction is not None:
            extra.update(webhook_id=str(self.APP_ID), application_id=str(self.APP_ID))
        content = body.get("content") or ""
        msg = p.message(self._ids(), channel_id, self.bot_user, content, extra=extra)
        self._stored[int(msg["id"])] = msg
        if kind is not None:
            self._record(kind, msg["id"], channel_id, body, interaction)
            self._echo("MESSAGE_CREATE", msg)
        return msg

    def _same_nonce(self, channel_id: int, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """The bot's message already created in the channel with this body's nonce, when the
        body asks for `enforce_nonce` (Discord checks the past few minutes; the fake, forever)."""
        body = body or {}
        if body.get("nonce") is None or not body.get("enforce_nonce"):
            return None
        for msg in self._stored.values():
            if msg["channel_id"] == str(channel_id) and msg.get("nonce") == str(body["nonce"]):
                return msg
        return None

    def _edit_message(
        self, kind: str, message_id: int, body: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        msg = self._stored.get(message_id)
        if msg is None:
            return None
        body = body or {}
        empty = {"content": "", "embeds": [], "components": [], "flags": 0}
        for key, default in empty.items():
            if key in body:
                msg[key] = default if body[key] is None else body[key]
        msg["edited_timestamp"] = p.now_iso()
        self._record(kind, msg["id"], int(msg["channel_id"]), body, None)
        self._echo("MESSAGE_UPDATE", msg)
        return msg

    def _delete_message(self, message_id: int) -> bool:
        msg = self._stored.pop(message_id, None)
        if msg is not None:
            self._echo("MESSAGE_DELETE", {"id": msg["id"], "channel_id": msg["channel_id"]})
        return msg is not None

    def _echo(self, event: str, msg: dict[str, Any]) -> None:
        """Like Discord, tells the bot's own gateway about the messages it creates, edits and
        deletes (bots see their own messages in ``on_message``); ephemeral ones excepted."""
        if self.gateway.session_id is None or (msg.get("flags") or 0) & 64:
            return
        data = dict(msg)
        guild_id = self.guild_of(int(msg["channel_id"]))
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
            if event != "MESSAGE_DELETE":
                data["member"] = p.member(None, [self.bot_role_in(guild_id)])
        self.gateway.dispatch(event, data)

    def _attachment(self, sent: dict[str, Any]) -> dict[str, Any]:
        att_id, filename = self._ids(), sent.get("filename", "file")
        url = f"http://127.0.0.1:{self.port}/attachments/{att_id}/{filename}"
        attachment = {"id": str(att_id), "filename": filename, "size": 0, "url": url}
        return {**attachment, "proxy_url": url, "description": sent.get("description")}

    def _record(
        self,
        kind: str,
        message_id: str,
        channel_id: int,
        body: dict[str, Any],
        interaction: dict[str, Any] | None,
    ) -> None:
        self.messages.append(
            {
                "kind": kind,
                "id": int(message_id),
                "channel_id": channel_id,
                **{k: body.get(k) for k in ("content", "embeds", "components")},
                **{k: body.get(k) for k in ("allowed_mentions", "flags", "message_reference")},
                "interaction_id": interaction["id"] if interaction else None,
                "body": body,
            }
        )
        self._notify()

    # -- waiting -----------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, found: Callable[[], Any], seconds: float, what: Callable[[], str]) -> Any:
        """Re-checks ``found()`` after every recorded change until it isn't None."""
        try:
            async with asyncio.timeout(seconds):
                while (result := found()) is None:
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(f"fake Discord: timed out waiting for {what()}") from None
        return result

    async def wait_for_message(
        self,
        count: int = 1,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Waits until ``count`` recorded messages match ``predicate``; returns all matches."""

        def matches() -> list[dict[str, Any]] | None:
            hits = [m for m in self.messages if predicate is None or predicate(m)]
            return hits if len(hits) >= count else None

        return await self._wait(
            matches, timeout, lambda: f"{count} message(s); recorded {self.messages!r}"
        )

    async def wait_for_request(
        self,
        method: str,
        path_pattern: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Recorded:
        """Waits for (and returns) the first REST call matching, e.g.
        ``wait_for_request("POST", "/interactions/*/*/callback")``."""
        _, pattern = compile_route(path_pattern)

        def first() -> Recorded | None:
            hits = (r for r in self.requests if r.method == method.upper())
            return next((r for r in hits if pattern.fullmatch(r.path)), None)

        return await self._wait(
            first,
            timeout,
            lambda: f"{method} {path_pattern}; got {[(r.method, r.path) for r in self.requests]}",
        )


@contextlib.asynccontextmanager
async def running_fake_discord() -> AsyncIterator[FakeDiscord]:
    """`async with running_fake_discord() as fake:` - a started FakeDiscord that discord.py
    talks to (``discord_base_url``) inside the block, closed on exit."""
    async with FakeDiscord() as fake:
        with discord_base_url(fake.base_url):
            yield fake
