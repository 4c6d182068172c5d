"""The Telegram adapter with the core's records: votes, dedup across restarts, blocked and
migrated chats, inline mode and webhook mode. Real PTB against the fake Bot API, real SQLite."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from fakes.telegram_api import FakeTelegram, running_fake_telegram
from fakes.telegram_html import parse_html
from test_telegram_adapter import ask

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App, open_app
from bot.chat_store import ChatStore
from bot.config import TelegramSettings, load_settings
from bot.core.core import Core
from bot.core.model import Message, Reply

SECRET = "webhook-secret_123"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake_telegram() as tg:
        yield tg


def make_adapter(app: App, fake: FakeTelegram, **options: object) -> TelegramAdapter:
    return TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url, **options)  # type: ignore[arg-type]


@pytest.fixture
async def adapter(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    # one update at a time: several tests below order events across two chats
    bot = make_adapter(app, fake, settings=TelegramSettings(inline=True, concurrent_updates=1))
    await bot.start()
    try:
        yield bot
    finally:
        await bot.aclose()


@pytest.mark.usefixtures("adapter")
async def test_votes_are_acknowledged_in_the_button_notification(
    app: App, fake: FakeTelegram
) -> None:
    answer = await ask(fake, 5, "what does Kim want?")
    [[_, up, down]] = answer["reply_markup"]["inline_keyboard"]
    sent_before = len(fake.sent)

    fake.press_button(5, answer, up["callback_data"])
    thanks = await fake.wait_for_call("answerCallbackQuery", lambda c: "text" in c.params)
    fake.press_button(5, answer, down["callback_data"])
    changed = await fake.wait_for_call(
        "answerCallbackQuery", lambda c: "Changed" in c.params.get("text", "")
    )

    assert thanks.params["text"] == "Thanks 👍 — glad it helped."
    assert changed.params["text"] == "Changed your vote to 👎. Thanks!"
    assert len(fake.sent) == sent_before  # no extra messages in the chat
    [telegram] = (await ChatStore(app.store).stats(1)).platforms
    assert (telegram.up, telegram.down) == (0, 1)


async def test_an_update_redelivered_after_a_restart_is_answered_once(
    tmp_path: Path, fake: FakeTelegram
) -> None:
    db, settings = tmp_path / "restart.sqlite3", load_settings(None)
    async with open_app(settings, db_path=db) as first_run:
        bot = make_adapter(first_run, fake)
        await bot.start()
        try:
            answer = await ask(fake, 5, "what does Kim want?")
        finally:
            await bot.aclose()
    update = {"update_id": 1, "message": answer["reply_to_message"]}
    fake.pending.insert(0, update)  # PTB had confirmed it when queued, not when answered

    async with open_app(settings, db_path=db) as second_run:
        bot = make_adapter(second_run, fake)
        await bot.start()
        try:
            await ask(fake, 5, "/help")  # handled in order, after the re-delivered update
        finally:
            await bot.aclose()

    asked = answer["reply_to_message"]["message_id"]
    replies = [m for m in fake.sent if m.get("reply_to_message", {}).get("message_id") == asked]
    assert len(replies) == 1


@pytest.mark.usefixtures("adapter")
async def test_a_blocked_chat_is_marked_inactive_until_it_writes_again(
    app: App, fake: FakeTelegram
) -> None:
    chats = ChatStore(app.store)
    fake.block_chat(77)
    fake.send_text(77, "what does Kim want?")
    await ask(fake, 78, "/help")

    assert await chats.inactive_reason("telegram", "77") == "Forbidden: bot was blocked by the user"
    assert await chats.inactive_reason("telegram", "78") is None

    fake.unblock_chat(77)
    assert "“" in (await ask(fake, 77, "what does Kim want?"))["text"]
    assert await chats.inactive_reason("telegram", "77") is None


@pytest.mark.usefixtures("adapter")
async def test_a_migrated_group_keeps_its_more_state_under_the_new_id(
    app: App, fake: FakeTelegram
) -> None:
    old, new = -42, -1000000000042
    await ask(fake, old, "/ask what does Kim want?", chat_type="group")
    fake.migrate_group(old, new)
    service = fake.send_text(old, "", chat_type="group")["message"]
    service.pop("text")
    service["migrate_to_chat_id"] = new  # Telegram's service message in the old group

    fake.send_text(new, "/more", chat_type="supergroup")
    [more] = await fake.wait_for_sent(chat_id=new)

    assert more["text"].startswith("More on: what does Kim want?")
    reason = await ChatStore(app.store).inactive_reason("telegram", str(old))
    assert reason == f"migrated to {new}"


@pytest.mark.usefixtures("adapter")
async def test_a_stale_group_id_is_followed_to_the_supergroup_with_its_state(
    fake: FakeTelegram,
) -> None:
    old, new = -43, -1000000000043
    await ask(fake, old, "/ask what does Kim want?", chat_type="group")
    fake.migrate_group(old, new)
    fake.send_text(old, "/more", chat_type="group")  # a client that hasn't caught up
    [first] = await fake.wait_for_sent(chat_id=new)
    fake.send_text(new, "/more", chat_type="supergroup")
    [_, second] = await fake.wait_for_sent(2, chat_id=new)

    assert first["text"].startswith("More on: what does Kim want?")
    assert second["text"] != first["text"]  # the next page: the state moved with the group


@pytest.mark.usefixtures("adapter")
async def test_an_inline_query_is_answered_with_one_article_per_bullet(
    fake: FakeTelegram,
) -> None:
    fake.inline_query(5, "what does Kim want?")

    call = await fake.wait_for_call("answerInlineQuery")

    assert call.status == 200
    assert call.params["is_personal"] is True  # Telegram must not serve it to anybody else
    results = call.params["results"]
    assert results[0]["id"] == "all"
    assert [r["id"] for r in results[1:]] == [f"b{n}" for n in range(1, len(results))]
    assert len(results) >= 3
    for result in results:
        assert result["type"] == "article"
        text, _ = parse_html(result["input_message_content"]["message_text"])  # valid HTML
        assert "“" in text
        assert "[1]" in text or "[2]" in text
    assert "reply_markup" not in results[0]


@pytest.mark.usefixtures("adapter")
async def test_an_empty_inline_query_gets_a_hint(fake: FakeTelegram) -> None:
    fake.inline_query(5, "")

    call = await fake.wait_for_call("answerInlineQuery")

    [result] = call.params["results"]
    assert "Type a question" in result["input_message_content"]["message_text"]


async def test_concurrent_updates_keep_each_chats_order(app: App, fake: FakeTelegram) -> None:
    bot = make_adapter(app, fake, settings=TelegramSettings(concurrent_updates=8))
    await bot.start()
    try:
        questions = ["what does Kim want?", "/sources", "what does Putin want?", "/more", "/help"]
        asked = {chat: [fake.send_text(chat, q)["message"] for q in questions] for chat in (5, 6)}
        await fake.wait_for_sent(2 * len(questions))
    finally:
        await bot.aclose()

    for chat, messages in asked.items():
        order = [m["reply_to_message"]["message_id"] for m in fake.sent if m["chat"]["id"] == chat]
        assert order == [m["message_id"] for m in messages]
    more = next(m for m in fake.sent if m["chat"]["id"] == 5 and "More on" in m["text"])
    assert more["text"].startswith("More on: what does Putin want?")


class _OneChatHeld:
    """The real core, except that one chat's answers wait until the test lets them go."""

    def __init__(self, core: Core, chat_id: int) -> None:
        self._core, self._chat = core, str(chat_id)
        self.release = asyncio.Event()

    async def handle(self, message: Message) -> Reply:
        if message.chat_id == self._chat:
            await self.release.wait()
        return await self._core.handle(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self._core, name)


async def test_a_busy_chat_does_not_hold_every_slot(app: App, fake: FakeTelegram) -> None:
    held = _OneChatHeld(app.core, 5)
    settings = TelegramSettings(concurrent_updates=2)
    bot = TelegramAdapter(held, fake.TOKEN, fake.base_url, fake.base_file_url, settings=settings)  # type: ignore[arg-type]
    await bot.start()
    try:
        waiting = [fake.send_text(5, q)["message"] for q in ("what does Kim want?", "/sources")]
        other = await ask(fake, 6, "what does Putin want?")  # chat 5's second is only queued
        before = [m for m in fake.sent if m["chat"]["id"] == 5]
        held.release.set()
        answers = await fake.wait_for_sent(2, chat_id=5)
    finally:
        held.release.set()  # never leave a held answer behind for shutdown to wait on
        await bot.aclose()

    assert "“" in other["text"]
    assert before == []
    assert [a["reply_to_message"]["message_id"] for a in answers] == [
        m["message_id"] for m in waiting
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_checks_the_secret_token_on_every_request(
    app: App, fake: FakeTelegram
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook"
    settings = TelegramSettings(webhook_url=url, webhook_port=port, webhook_path="hook")
    bot = make_adapter(app, fake, settings=settings, webhook_secret=SECRET)
    await bot.start()
    try:
        assert fake.webhook["url"] == url
        assert fake.webhook["secret_token"] == SECRET
        forged = fake.send_text(5, "/help")
        async with ClientSession() as session:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
                async with session.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
        fake.pending.clear()

        fake.send_text(5, "what does Kim want?")
        assert await fake.post_to_webhook() == [200]
        [answer] = await fake.wait_for_sent(chat_id=5)
    finally:
        await bot.aclose()

    assert "“" in answer["text"]
    assert len(fake.sent) == 1  # the forged /help was never answered


async def test_webhook_mode_without_a_secret_refuses_to_start(app: App, fake: FakeTelegram) -> None:
    settings = TelegramSettings(webhook_url="https://example.org/hook")
    bot = make_adapter(app, fake, settings=settings)

    with pytest.raises(ValueError, match="secret"):
        await bot.start()
    await bot.aclose()


def test_the_adapter_is_built_from_settings(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:abc")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BRIEFBOT_TELEGRAM__WEBHOOK_URL", "https://example.org/hook")
    settings = load_settings(None)

    bot = TelegramAdapter.from_settings(
        app.core, settings, settings.tokens["telegram"].get_secret_value()
    )

    assert (bot._token, bot._webhook_secret) == ("1:abc", SECRET)
    assert bot._settings.webhook_url == "https://example.org/hook"
