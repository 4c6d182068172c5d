"""The websocket gateway half of the fake Discord server (see ``discord_api.py``).

Protocol, as discord.py 2 speaks it (``discord/gateway.py``):

* server sends HELLO (op 10, ``heartbeat_interval`` in ms); the client answers with a
  HEARTBEAT (op 1) at once and then every interval; each gets a HEARTBEAT_ACK (op 11);
* a new session: IDENTIFY (op 2, token + intents) -> dispatch READY, then GUILD_CREATE;
* a reconnect: RESUME (op 6, session_id + last seq seen) -> replay of every dispatch the
  client missed, then RESUMED; an unknown session gets INVALID_SESSION (op 9, ``false``).

Frames are plain JSON text.  discord.py asks for ``compress=zlib-stream`` in the URL but
decodes text frames without decompression, so the fake never compresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HEARTBEAT, IDENTIFY, RESUME = 1, 2, 6
DISPATCH, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 9, 10, 11
AUTHENTICATION_FAILED = 4004  # close code: discord.py gives up instead of reconnecting


@dataclass(eq=False)  # hashable by identity
class _Connection:
    ws: web.WebSocketResponse
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class FakeGateway:
    """One logical gateway session that survives reconnects (RESUME)."""

    def __init__(
        self,
        *,
        token: str,
        heartbeat_interval_ms: int,
        initial_events: Callable[[], list[tuple[str, dict[str, Any]]]],
        notify: Callable[[], None],
    ) -> None:
        self._token = token
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._initial_events = initial_events  # READY + GUILD_CREATE, built by the fake
        self._notify = notify
        self.frames: list[dict[str, Any]] = []  # every frame the client sent, in order
        self.intents: int | None = None
        self.session_id: str | None = None
        self._seq = 0
        self._history: list[tuple[int, str]] = []  # (seq, frame) of this session, for RESUME
        self._live: _Connection | None = None  # the connection the session is attached to
        self._connections: set[_Connection] = set()

    # -- server side -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = _Connection(ws)
        self._connections.add(conn)
        writer = asyncio.create_task(self._write(conn))
        self._send(conn, {"op": HELLO, "d": {"heartbeat_interval": self._heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                self.frames.append(frame)
                await self._on_frame(conn, frame)
                self._notify()
        finally:
            if self._live is conn:
                self._live = None
            self._connections.discard(conn)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        return ws

    async def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            self._send(conn, {"op": HEARTBEAT_ACK, "d": None})
        elif op == IDENTIFY:
            if data.get("token") != self._token:
                await conn.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
                return
            self.intents = data.get("intents")
            self.session_id = uuid.uuid4().hex
            self._seq, self._history, self._live = 0, [], conn
            for event, payload in self._initial_events():
                self.dispatch(event, payload)
        elif op == RESUME:
            if data.get("token") != self._token:
                await conn.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            elif self.session_id is None or data.get("session_id") != self.session_id:
                self._send(conn, {"op": INVALID_SESSION, "d": False})
            else:
                self._live = conn
                seen = data.get("seq") or 0
                for seq, text in self._history:
                    if seq > seen:
                        conn.outbox.put_nowait(text)
                self.dispatch("RESUMED", {})
        # PRESENCE_UPDATE (3), REQUEST_GUILD_MEMBERS (8), ... are only recorded in `frames`.

    def _send(self, conn: _Connection, frame: dict[str, Any]) -> None:
        conn.outbox.put_nowait(json.dumps({"s": None, "t": None, **frame}))

    async def _write(self, conn: _Connection) -> None:
        # A single writer per socket keeps frames in dispatch order.
        while True:
            text = await conn.outbox.get()
            if conn.ws.closed:
                return
            await conn.ws.send_str(text)

    # -- test side ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._live is not None

    def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Sends a DISPATCH (op 0) to the client; returns its sequence number.

        While the client is disconnected the event is only kept in the session history and is
        delivered when it RESUMEs, as Discord does."""
        if self.session_id is None:
            raise RuntimeError("no gateway session yet: await fake.wait_until_identified() first")
        self._seq += 1
        text = json.dumps({"op": DISPATCH, "t": event, "s": self._seq, "d": data})
        self._history.append((self._seq, text))
        if self._live is not None:
            self._live.outbox.put_nowait(text)
        return self._seq

    async def disconnect(self, code: int) -> None:
        """Closes the live socket from the server side (4000 = resumable unknown error)."""
        conn, self._live = self._live, None
        if conn is not None:
            await conn.ws.close(code=code, message=b"fake disconnect")

    async def close(self) -> None:
        self._live = None
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"going away"), 2.0)
