"""PTB's transport on aiohttp: a slow Bot API becomes TimedOut, an unreachable one
NetworkError, calls go as one JSON document and uploads as multipart. Real aiohttp
servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram.http import AiohttpRequest


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, asyncio.Event, list[dict[str, str]]]]:
    release, seen = asyncio.Event(), []

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async def echo(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            seen.append(await request.json())
            return web.json_response({"ok": True, "result": True})
        form = await request.post()
        seen.append(
            {k: v if isinstance(v, str) else v.file.read().decode() for k, v in form.items()}
        )
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/slow", slow)
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", release, seen
    finally:
        release.set()
        await runner.cleanup()


async def test_a_slow_answer_times_out_and_fields_arrive_as_ptb_sends_them(server) -> None:
    base, _release, seen = server
    request = AiohttpRequest(read_timeout=0.05)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{base}/slow", "POST")
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 5),
                RequestParameter.from_input("text", "hi “you”"),
                RequestParameter.from_input("reply_markup", {"inline_keyboard": [[]]}),
            ]
        )
        status, body = await request.do_request(f"{base}/echo", "POST", data)
        upload = InputFile(b"quoted", filename="a.txt", attach=True)
        files = RequestData(
            [
                RequestParameter.from_input("chat_id", 5),
                RequestParameter.from_input("document", upload),
            ]
        )
        await request.do_request(f"{base}/echo", "POST", files)
    finally:
        await request.shutdown()

    assert status == 200
    assert b'"ok": true' in body
    # one JSON document, nested objects as objects (not JSON strings inside JSON)
    assert seen[0] == {"chat_id": 5, "text": "hi “you”", "reply_markup": {"inline_keyboard": [[]]}}
    assert seen[1]["chat_id"] == "5"
    assert "quoted" in seen[1].values()  # the file's bytes, as a multipart part


async def test_an_unreachable_api_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request(f"http://127.0.0.1:{port}/getMe", "POST")
    finally:
        await request.shutdown()
