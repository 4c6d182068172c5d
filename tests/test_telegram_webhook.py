"""Webhook mode: our own server checks the secret before reading a body, and caps the body.

The bot runs against the fake Bot API; Telegram's side (POSTing updates with the secret) is the
fake's `post_to_webhook`, and a hostile caller is a real HTTP client on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession
from fakes.telegram_api import FakeTelegram, running_fake_telegram
from helpers import webhook_adapter

from bot.adapters.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER
from bot.app import App

SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake_telegram() as tg:
        yield tg


@pytest.fixture
async def hooked(app: App, fake: FakeTelegram) -> AsyncIterator[str]:
    """A bot in webhook mode; yields the URL Telegram posts to."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    bot = webhook_adapter(app.core, fake, SECRET, url=url, port=port, path="hook")
    await bot.start()
    try:
        assert bot.connected
        yield url
    finally:
        await bot.aclose()
    assert not bot.connected


async def test_updates_posted_with_the_secret_are_answered(hooked: str, fake: FakeTelegram):
    assert fake.webhook["url"] == hooked
    assert fake.webhook["secret_token"] == SECRET
    fake.send_text(5, "what does Kim want?")
    assert await fake.post_to_webhook() == [200]
    [sent] = await fake.wait_for_sent(chat_id=5)
    assert "“" in sent["text"]


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}])
async def test_a_request_without_the_secret_is_refused(hooked: str, fake: FakeTelegram, headers):
    update = fake.send_text(5, "what does Kim want?")
    async with ClientSession() as session, session.post(hooked, json=update, headers=headers) as r:
        assert r.status == 403
    assert fake.sent == []


async def test_the_secret_is_checked_before_the_body_is_read(hooked: str):
    """A caller announcing 90 MB and sending almost none of it gets 403 at once: a server
    that read the body first would wait for the rest (and buffer 90 MB)."""
    port = int(hooked.rsplit(":", 1)[1].split("/")[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 94371840\r\n\r\n{"update_id": 1'
        )
        await writer.drain()
        async with asyncio.timeout(5):
            status_line = await reader.readline()
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 403")


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_one_megabyte_is_refused(hooked: str, fake: FakeTelegram, chunked):
    big = b'{"update_id": 7, "padding": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    body = stream() if chunked else io.BytesIO(big)  # BytesIO: sent with its length
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with ClientSession() as session:
        try:
            async with session.post(hooked, data=body, headers=headers) as r:
                status = r.status
        except OSError:  # the server may close the connection while we are still sending
            status = 413
    assert status == 413


@pytest.mark.parametrize("body", [b"[]", b"123", b"{not json", b"\xff\xfe", b'{"update_id": "x"}'])
async def test_a_body_that_is_no_update_gets_400_and_the_bot_carries_on(
    hooked: str, fake: FakeTelegram, body: bytes
):
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with ClientSession() as session, session.post(hooked, data=body, headers=headers) as r:
        assert r.status == 400
    fake.send_text(5, "what does Kim want?")
    assert await fake.post_to_webhook() == [200]
    await fake.wait_for_sent(chat_id=5)
