"""PTB's HTTP transport on aiohttp instead of httpx: the same Bot API calls for less CPU.

Every answered question costs the bot three Bot API calls (getUpdates, sendChatAction,
sendMessage). With PTB's default httpx transport (pure-Python httpcore, h11 and anyio) these
were about half of the bot's CPU per question; aiohttp parses HTTP in C and keeps its
connections alive the same way. What PTB sees is unchanged: (status, body) per call, timeouts
become `TimedOut` and connection failures `NetworkError`, so PTB's and our retries behave as
before. aiohttp is already a core dependency (health server, fakes).
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 5.0  # seconds; PTB's HTTPXRequest defaults for connect, read and write
DEFAULT_POOL_TIMEOUT = 1.0
JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One connection pool for PTB's Bot API calls. PTB calls `initialize()`/`shutdown()`."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = DEFAULT_TIMEOUT,
        pool_timeout: float | None = DEFAULT_POOL_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | object | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """One HTTP call; PTB turns the status and body into a result or a TelegramError.

        aiohttp has no separate write timeout: a slow upload is bounded by the read timeout
        of its response instead."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        read = _given(read_timeout, self._read_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        try:
            data, headers = _body(request_data)
            async with session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # the class name only: some aiohttp errors carry the request URL, whose path
            # holds the bot token, and this message ends up in logs
            raise NetworkError(f"aiohttp.{type(err).__name__}") from err


def _given(value: object, default: float | None) -> float | None:
    """A per-call timeout, or this transport's default when PTB passed DEFAULT_NONE."""
    if isinstance(value, int | float) or value is None:
        return None if value is None else float(value)
    return default


def _body(
    request_data: RequestData | None,
) -> tuple[aiohttp.FormData | bytes | None, dict[str, str] | None]:
    """The call's parameters as one JSON document (the Bot API accepts JSON bodies, and they
    cost a fraction of what aiohttp's form encoding does per call); multipart when the call
    uploads files."""
    if request_data is None:
        return None, None
    if not request_data.contains_files:
        return json.dumps(request_data.parameters).encode(), JSON_HEADERS
    form = aiohttp.FormData(request_data.json_parameters)
    for name, upload in request_data.multipart_data.items():
        filename, content, mimetype = upload[0], upload[1], upload[2] if len(upload) > 2 else None
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
