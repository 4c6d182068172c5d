"""The websocket gateway half of the fake Discord server (see ``discord_api.py``).

Protocol, as discord.py 2 speaks it (``discord/gateway.py``):

* server sends HELLO (op 10, ``heartbeat_interval`` in ms); the client answers with a
  HEARTBEAT (op 1) at once and then every interval; each gets a HEARTBEAT_ACK (op 11);
* a new session: IDENTIFY (op 2, token + intents) -> dispatch READY, then GUILD_CREATE;
* sharding: an IDENTIFY with ``shard: [id, count]`` opens that shard's own session (a client
  without one is shard [0, 1]); a guild's events go to the session of shard
  ``(guild_id >> 22) % count``, DMs to shard 0, as Discord routes them, so two clients that
  split the shards (two replicas) each see only their guilds;
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


Shard = tuple[int, int]  # (shard id, shard count)
InitialEvents = Callable[[str, "Shard | None"], list[tuple[str, dict[str, Any]]]]


@dataclass(eq=False)  # hashable by identity
class _Connection:
    ws: web.WebSocketResponse
    outbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


@dataclass(eq=False)
class _Session:
    """One shard's gateway session: it survives reconnects (RESUME) until the next IDENTIFY."""

    session_id: str
    shard: Shard | None  # None: the client sent no shard (it is [0, 1])
    seq: int = 0
    history: list[tuple[int, str]] = field(default_factory=list)  # (seq, frame), for RESUME
    live: _Connection | None = None  # the connection the session is attached to

    def receives(self, guild_id: int | None) -> bool:
        """Discord's routing: a guild's events to shard (guild_id >> 22) % count, DMs to 0."""
        shard_id, count = self.shard or (0, 1)
        return shard_id == (0 if guild_id is None else (guild_id >> 22) % count)


def _shard(identify: dict[str, Any]) -> Shard | None:
    """IDENTIFY's `shard: [id, count]`, if the client sent one."""
    given = identify.get("shard")
    return (int(given[0]), int(given[1])) if given else None


class FakeGateway:
    """The gateway: one session per shard, each surviving reconnects (RESUME)."""

    def __init__(
        self,
        *,
        token: str,
        heartbeat_interval_ms: int,
        initial_events: InitialEvents,
        notify: Callable[[], None],
    ) -> None:
        self._token = token
        self._heartbeat_interval_ms = heartbeat_interval_ms
        self._initial_events = initial_events  # (session id, shard) -> READY + GUILD_CREATEs
        self._notify = notify
        self.frames: list[dict[str, Any]] = []  # every frame the clients sent, in order
        self.intents: int | None = None
        self._sessions: dict[int, _Session] = {}  # shard id -> its session
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
            for session in self._sessions.values():
                if session.live is conn:
                    session.live = None
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
            shard = _shard(data)
            session = _Session(uuid.uuid4().hex, shard, live=conn)
            self._sessions[shard[0] if shard else 0] = session
            for event, payload in self._initial_events(session.session_id, session.shard):
                self._dispatch_to(session, event, payload)
        elif op == RESUME:
            session = next(
                (s for s in self._sessions.values() if s.session_id == data.get("session_id")),
                None,
            )
            if data.get("token") != self._token:
                await conn.ws.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed.")
            elif session is None:
                self._send(conn, {"op": INVALID_SESSION, "d": False})
            else:
                session.live = conn
                seen = data.get("seq") or 0
                for seq, text in session.history:
                    if seq > seen:
                        conn.outbox.put_nowait(text)
                self._dispatch_to(session, "RESUMED", {})
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

    def _dispatch_to(self, session: _Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        text = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data})
        session.history.append((session.seq, text))
        if session.live is not None:
            session.live.outbox.put_nowait(text)
        return session.seq

    # -- test side ---------------------------------------------------------------------

    @property
    def session_id(self) -> str | None:
        """The session of shard 0 (the only one of an unsharded client), if identified."""
        session = self._sessions.get(0) or next(iter(self._sessions.values()), None)
        return session.session_id if session is not None else None

    @property
    def shards(self) -> list[Shard | None]:
        """The `shard` of every IDENTIFY, in order (None: the client sent none)."""
        return [_shard(f["d"]) for f in self.frames if f.get("op") == IDENTIFY]

    @property
    def connected(self) -> bool:
        return any(session.live is not None for session in self._sessions.values())

    def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Sends a DISPATCH (op 0) to the shard that owns it (its `guild_id`'s, else shard 0);
        returns its sequence number in that shard's session (0: no client holds that shard).

        While the client is disconnected the event is only kept in the session history and is
        delivered when it RESUMEs, as Discord does."""
        if not self._sessions:
            raise RuntimeError("no gateway session yet: await fake.wait_until_identified() first")
        guild_id = int(data["guild_id"]) if data.get("guild_id") else None
        seq = 0
        for session in self._sessions.values():
            if session.receives(guild_id):
                seq = self._dispatch_to(session, event, data)
        return seq

    async def disconnect(self, code: int) -> None:
        """Closes every live socket from the server side (4000 = resumable unknown error)."""
        for session in self._sessions.values():
            conn, session.live = session.live, None
            if conn is not None:
                await conn.ws.close(code=code, message=b"fake disconnect")

    async def close(self) -> None:
        for session in self._sessions.values():
            session.live = None
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001, message=b"going away"), 2.0)
