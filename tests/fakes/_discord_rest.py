"""The REST (API v10) half of the fake Discord server (see ``discord_api.py``).

Every request under ``/api/v10`` goes through :meth:`RestApi.handle`: it is recorded, checked
against the failures queued with ``FakeDiscord.fail_next``, then routed.  Unknown routes get
Discord's 404 body.  JSON responses carry exactly ``Content-Type: application/json``:
discord.py compares the header verbatim and treats anything else (even with
``; charset=utf-8``) as plain text.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _discord_payloads as p

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .discord_api import FakeDiscord

    Handler = Callable[["Call"], Awaitable[web.Response]]


@dataclass
class Recorded:
    """One REST call as the client sent it (``path`` is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int = 0
    files: list[str] = field(default_factory=list)  # file names of a multipart upload


@dataclass
class Failure:
    method: str | None
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    global_: bool
    times: int
    code: int = 0
    message: str | None = None


@dataclass
class Call:
    request: web.Request
    params: dict[str, str]
    body: Any

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query)


def compile_route(pattern: str) -> tuple[str | None, re.Pattern[str]]:
    """``"POST /channels/{id}/messages"`` or ``"/channels/*/messages"`` -> (method, regex).

    ``{name}`` and ``*`` match one path segment; everything else is literal."""
    method, _, path = pattern.strip().rpartition(" ")
    path = "/" + path.strip("/")
    regex = ""
    for part in re.split(r"(\{\w+\}|\*)", path):
        if part == "*":
            regex += "[^/]+"
        elif part.startswith("{"):
            regex += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            regex += re.escape(part)
    return (method.upper() or None), re.compile(regex + "/?")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None):
    body = json.dumps(data).encode()
    return web.Response(
        body=body, status=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def error_response(status: int, message: str, code: int) -> web.Response:
    return json_response(p.error(message, code), status)


def rate_limited(failure: Failure) -> web.Response:
    """A 429 exactly as discord.py expects it: JSON body with ``retry_after`` and a ``Via``
    header (without ``Via`` discord.py assumes a Cloudflare ban and raises instead of retrying)."""
    scope = "global" if failure.global_ else "user"
    headers = {
        "Retry-After": str(max(1, round(failure.retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + failure.retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{failure.retry_after:.3f}",
        "X-RateLimit-Bucket": "fakebucket0000000000000000000000",
        "X-RateLimit-Scope": scope,
        "Via": "1.1 google",
    }
    if failure.global_:
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": failure.retry_after,
        "global": failure.global_,
    }
    return json_response(body, 429, headers)


class RestApi:
    """Route table and handlers; all state lives on the owning :class:`FakeDiscord`."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.routes: list[tuple[str | None, re.Pattern[str], Handler]] = []
        for spec, handler in [
            ("GET /users/@me", self.get_me),
            ("GET /gateway", self.get_gateway),
            ("GET /gateway/bot", self.get_gateway),
            ("GET /oauth2/applications/@me", self.get_application),
            ("GET /applications/@me", self.get_application),
            ("PUT /applications/{app}/commands", self.put_commands),
            ("GET /applications/{app}/commands", self.get_commands),
            ("PUT /applications/{app}/guilds/{guild}/commands", self.put_commands),
            ("GET /applications/{app}/guilds/{guild}/commands", self.get_commands),
            ("POST /channels/{channel}/messages", self.create_message),
            ("PATCH /channels/{channel}/messages/{message}", self.edit_message),
            ("DELETE /channels/{channel}/messages/{message}", self.delete_message),
            ("POST /channels/{channel}/typing", self.no_content),
            ("POST /users/@me/channels", self.open_dm),
            ("POST /interactions/{interaction}/{token}/callback", self.interaction_callback),
            ("POST /webhooks/{app}/{token}", self.followup),
            ("GET /webhooks/{app}/{token}/messages/{message}", self.get_webhook_message),
            ("PATCH /webhooks/{app}/{token}/messages/{message}", self.edit_webhook_message),
            ("DELETE /webhooks/{app}/{token}/messages/{message}", self.delete_webhook_message),
        ]:
            method, regex = compile_route(spec)
            self.routes.append((method, regex, handler))

    async def handle(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"].strip("/")
        body, files = await _read_body(request)
        rec = Recorded(request.method, path, dict(request.query), body, files=files)
        self.fake.requests.append(rec)
        response = self._injected_failure(rec) or await self._route(request, rec)
        rec.status = response.status
        self.fake._notify()
        return response

    def _injected_failure(self, rec: Recorded) -> web.Response | None:
        for failure in self.fake._failures:
            if failure.method in (None, rec.method) and failure.pattern.fullmatch(rec.path):
                failure.times -= 1
                if failure.times <= 0:
                    self.fake._failures.remove(failure)
                if failure.status == 429:
                    return rate_limited(failure)
                text = failure.message or f"{failure.status}: injected failure"
                return error_response(failure.status, text, failure.code)
        return None

    async def _route(self, request: web.Request, rec: Recorded) -> web.Response:
        webhook = rec.path.startswith(("/webhooks/", "/interactions/"))  # authorised by token
        auth = request.headers.get("Authorization")
        if not webhook and auth != f"Bot {self.fake.TOKEN}":
            return error_response(401, "401: Unauthorized", 0)
        for method, regex, handler in self.routes:
            match = regex.fullmatch(rec.path)
            if match and method == rec.method:
                return await handler(Call(request, match.groupdict(), rec.json))
        return error_response(404, "404: Not Found", 0)

    # -- identity ----------------------------------------------------------------------

    async def get_me(self, call: Call) -> web.Response:
        return json_response(self.fake.bot_user)

    async def get_gateway(self, call: Call) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return json_response(
            {"url": self.fake.gateway_url, "shards": 1, "session_start_limit": limit}
        )

    async def get_application(self, call: Call) -> web.Response:
        return json_response(p.application(self.fake.APP_ID, self.fake.user_payload()))

    # -- application commands ----------------------------------------------------------

    async def put_commands(self, call: Call) -> web.Response:
        if int(call.params["app"]) != self.fake.APP_ID:
            return error_response(403, "Missing Access", 50001)
        guild = call.params.get("guild")
        scope = int(guild) if guild else None
        previous = {c["name"]: c["id"] for c in self.fake._command_sets.get(scope, [])}
        synced = []
        for command in call.body or []:
            synced.append(
                {
                    "type": 1,
                    "default_member_permissions": None,
                    **command,
                    "id": previous.get(command["name"]) or str(self.fake._ids()),
                    "application_id": str(self.fake.APP_ID),
                    "version": str(self.fake._ids()),
                    **({"guild_id": guild} if guild else {}),
                }
            )
        self.fake._command_sets[scope] = synced
        self.fake.commands = synced
        return json_response(synced)

    async def get_commands(self, call: Call) -> web.Response:
        guild = call.params.get("guild")
        return json_response(self.fake._command_sets.get(int(guild) if guild else None, []))

    # -- channel messages --------------------------------------------------------------

    async def create_message(self, call: Call) -> web.Response:
        channel_id = int(call.params["channel"])
        if channel_id not in self.fake._known_channels():
            return error_response(404, "Unknown Channel", 10003)
        if channel_id in self.fake._blocked_dm_channels():
            return error_response(403, "Cannot send messages to this user", 50007)
        if (earlier := self.fake._same_nonce(channel_id, call.body)) is not None:
            return json_response(earlier)  # enforce_nonce: Discord returns the first, posts none
        stored = self.fake._store_message("create", channel_id, call.body)
        return json_response(stored)

    async def edit_message(self, call: Call) -> web.Response:
        stored = self.fake._edit_message("edit", int(call.params["message"]), call.body)
        if stored is None:
            return error_response(404, "Unknown Message", 10008)
        return json_response(stored)

    async def delete_message(self, call: Call) -> web.Response:
        if not self.fake._delete_message(int(call.params["message"])):
            return error_response(404, "Unknown Message", 10008)
        return web.Response(status=204)

    async def no_content(self, call: Call) -> web.Response:
        return web.Response(status=204)

    async def open_dm(self, call: Call) -> web.Response:
        # Opening a DM always works on Discord, even with a user who blocks DMs: the
        # 50007 error only comes when the bot sends into that channel.
        user_id = int((call.body or {})["recipient_id"])
        recipient = p.user(user_id, self.fake.user_name(user_id))
        return json_response(p.dm_channel(self.fake.dm_channel_for(user_id), recipient))

    # -- interactions ------------------------------------------------------------------

    async def interaction_callback(self, call: Call) -> web.Response:
        ctx = self.fake._interactions.get(call.params["token"])
        if ctx is None or ctx["id"] != call.params["interaction"]:
            return error_response(404, "Unknown interaction", 10062)
        if ctx["acknowledged"]:
            return error_response(400, "Interaction has already been acknowledged.", 40060)
        ctx["acknowledged"] = True
        kind, data = call.body["type"], call.body.get("data") or {}
        self.fake.interaction_responses.append({"interaction_id": ctx["id"], **call.body})
        resource: dict[str, Any] = {"type": kind}
        if kind == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            resource["message"] = self.fake._store_message(
                "response", ctx["channel_id"], data, interaction=ctx
            )
            ctx["original"] = int(resource["message"]["id"])
        elif kind == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE: a "thinking..." placeholder
            placeholder = {"content": "", "flags": (data.get("flags") or 0) | 128}
            stored = self.fake._store_message(None, ctx["channel_id"], placeholder, interaction=ctx)
            ctx["original"] = int(stored["id"])
        elif kind == 7:  # UPDATE_MESSAGE: edits the message the component is on
            resource["message"] = self.fake._edit_message("update", ctx["original"], data)
        summary = {"id": ctx["id"], "type": ctx["type"], "response_message_loading": kind == 5}
        if ctx.get("original") is not None:
            summary["response_message_id"] = str(ctx["original"])
        return json_response({"interaction": summary, "resource": resource})

    def _webhook_ctx(self, call: Call) -> dict[str, Any] | None:
        if int(call.params["app"]) != self.fake.APP_ID:
            return None
        return self.fake._interactions.get(call.params["token"])

    def _target(self, call: Call, ctx: dict[str, Any]) -> int | None:
        ref = call.params["message"]
        return ctx.get("original") if ref == "@original" else int(ref)

    async def followup(self, call: Call) -> web.Response:
        ctx = self._webhook_ctx(call)
        if ctx is None:
            return error_response(404, "Unknown Webhook", 10015)
        stored = self.fake._store_message("followup", ctx["channel_id"], call.body, interaction=ctx)
        if call.query.get("wait", "").lower() in ("1", "true"):
            return json_response(stored)
        return web.Response(status=204)

    async def get_webhook_message(self, call: Call) -> web.Response:
        ctx = self._webhook_ctx(call)
        stored = self.fake._stored.get(self._target(call, ctx) or 0) if ctx else None
        if stored is None:
            return error_response(404, "Unknown Message", 10008)
        return json_response(stored)

    async def edit_webhook_message(self, call: Call) -> web.Response:
        ctx = self._webhook_ctx(call)
        target = self._target(call, ctx) if ctx else None
        kind = "edit_original" if call.params["message"] == "@original" else "edit"
        stored = self.fake._edit_message(kind, target or 0, call.body)
        if stored is None:
            return error_response(404, "Unknown Message", 10008)
        return json_response(stored)

    async def delete_webhook_message(self, call: Call) -> web.Response:
        ctx = self._webhook_ctx(call)
        target = self._target(call, ctx) if ctx else None
        if not self.fake._delete_message(target or 0):
            return error_response(404, "Unknown Message", 10008)
        return web.Response(status=204)


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """JSON body, or the ``payload_json`` part of a multipart upload (files by name)."""
    if request.content_type.startswith("multipart/"):
        payload, files = None, []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append(part.filename or part.name or "")
                await part.read()
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []
