"""The fake Telegram Bot API (tests/fakes) answers the real python-telegram-bot like Telegram.

No mocks: PTB's own HTTP stack talks to the fake over 127.0.0.1. Nothing sleeps; every wait is an
awaited event bounded by asyncio.timeout (or the fake's own timeout).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from fakes.telegram_api import FakeTelegram, running_fake_telegram
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

HTML = ParseMode.HTML


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.2+ emits PTBDeprecationWarning whenever a duration such as RetryAfter.retry_after
    # is read as an int (RetryAfter.__init__ reads it), which filterwarnings=error turns into
    # the exception raised instead of RetryAfter. Opting in to timedelta values avoids that.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake_telegram() as tg:
        yield tg


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (FakeTelegram.BOT_ID, "briefbot_test_bot", True)
    assert bot.username == "briefbot_test_bot"  # Bot.initialize called getMe too
    assert [c.method for c in fake.calls] == ["getMe", "getMe"]


async def test_send_message_with_valid_html_records_the_plain_text(
    fake: FakeTelegram, bot: Bot
) -> None:
    html = (
        '<b>Bold</b> &amp; <a href="https://example.org/?a=1&amp;b=2">link</a>\n'
        '<pre><code class="language-python">x = 1 &lt; 2</code></pre>'
        "<blockquote expandable>q&#33;</blockquote> <tg-spoiler>s</tg-spoiler>"
    )
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])

    msg = await bot.send_message(42, html, parse_mode=HTML, reply_markup=keyboard)

    plain = "Bold & link\nx = 1 < 2q! s"
    assert msg.text == plain
    assert fake.sent[0]["text"] == plain
    assert (msg.chat.id, msg.from_user.id) == (42, FakeTelegram.BOT_ID)
    assert msg.reply_markup == keyboard
    kinds = {e["type"]: e for e in fake.sent[0]["entities"]}
    assert kinds["bold"] == {"type": "bold", "offset": 0, "length": 4}
    assert kinds["text_link"]["url"] == "https://example.org/?a=1&b=2"
    assert kinds["pre"] == {"type": "pre", "offset": 12, "length": 9, "language": "python"}
    assert {"expandable_blockquote", "spoiler"} <= kinds.keys()
    assert fake.calls[-1].params["chat_id"] == 42  # form fields are JSON-decoded ...
    second = await bot.send_message(42, "42")  # ... except free text, which stays a string
    assert (second.text, second.message_id) == ("42", msg.message_id + 1)


@pytest.mark.parametrize(
    "html",
    ["<b>x", "<script>alert(1)</script>", "a & b", "<b><i>x</b></i>", "x</b>", "a < b",
     '<span class="x">y</span>', "&nbsp;"],
)  # fmt: skip
async def test_invalid_html_is_rejected(fake: FakeTelegram, bot: Bot, html: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, html, parse_mode=HTML)
    assert fake.sent == []


async def test_text_length_is_counted_in_utf16_units_after_parsing(bot: Bot) -> None:
    await bot.send_message(1, "a" * 4096)
    await bot.send_message(1, "😀" * 2048)  # 2 UTF-16 code units each
    await bot.send_message(1, "&lt;" * 4096, parse_mode=HTML)  # 16384 chars before parsing
    for too_long in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(1, too_long)


@pytest.mark.parametrize("text", ["   ", "<b></b>"])
async def test_empty_text_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1, text, parse_mode=HTML)


async def test_callback_data_over_64_bytes_is_rejected(bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1, "hi", reply_markup=keyboard)


async def test_429_surfaces_as_retry_after_then_recovers(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=3)

    with pytest.raises(RetryAfter) as excinfo:  # Bot itself never sleeps on RetryAfter
        await bot.send_message(1, "hi")

    assert excinfo.value.retry_after == dtm.timedelta(seconds=3)
    assert fake.calls[-1].response["parameters"] == {"retry_after": 3}  # type: ignore[index]
    assert (await bot.send_message(1, "hi")).text == "hi"


async def test_server_errors_and_dropped_connections_are_network_errors(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.fail_next("sendMessage", status=500)
    fake.fail_next("sendMessage", drop=True)

    for expected in ("Internal Server Error", "RemoteProtocolError"):
        with pytest.raises(NetworkError, match=expected) as excinfo:
            await bot.send_message(1, "hi")
        assert type(excinfo.value) is NetworkError
    assert [c.status for c in fake.calls[-2:]] == [500, None]
    assert fake.sent == []
    assert (await bot.send_message(1, "hi")).text == "hi"


async def test_blocked_chat_is_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.block_chat(7)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(7, "hi")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(7, "typing")


async def test_migrated_group_raises_chat_migrated(fake: FakeTelegram, bot: Bot) -> None:
    fake.migrate_group(-42, -1000000000042)

    with pytest.raises(ChatMigrated) as excinfo:
        await bot.send_message(-42, "hi")

    assert excinfo.value.new_chat_id == -1000000000042
    msg = await bot.send_message(excinfo.value.new_chat_id, "hi")
    assert msg.chat.type == "supergroup"


async def test_long_poll_returns_as_soon_as_an_update_is_pushed(
    fake: FakeTelegram, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    call = await fake.wait_for_call("getUpdates", timeout=1)
    assert call.status is None  # parked in the long poll

    fake.send_text(7, "hello")
    async with asyncio.timeout(1):
        updates = await poll

    assert [u.message.text for u in updates] == ["hello"]
    assert call.params["timeout"] == 30


async def test_offset_confirms_updates(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.send_text(7, "one")["update_id"]
    fake.send_text(7, "two")

    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    assert [u.message.text for u in await bot.get_updates()] == ["one", "two"]  # unconfirmed
    assert [u.message.text for u in await bot.get_updates(offset=first + 1)] == ["two"]
    assert await bot.get_updates(offset=first + 2) == ()
    assert fake.pending == []
    assert await bot.get_updates() == ()  # confirmed updates never come back


async def test_buttons_edits_and_commands_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="page:2")]])
    sent = await bot.send_message(5, "page 1", reply_markup=keyboard)
    fake.press_button(5, fake.sent[0], "page:2")
    [update] = await bot.get_updates()
    assert update.callback_query.data == "page:2"
    assert await update.callback_query.answer()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()  # each query can be answered once

    edited = await bot.edit_message_text("<i>page 2</i>", 5, sent.message_id, parse_mode=HTML)
    assert (edited.text, edited.reply_markup) == ("page 2", None)  # no markup: keyboard removed
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("<i>page 2</i>", 5, sent.message_id, parse_mode=HTML)

    assert await bot.set_my_commands([("ask", "Ask a question")])
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
        ("ask", "Ask a question")
    ]


async def test_application_polling_reaches_handler_and_records_reply(fake: FakeTelegram) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    app = (
        ApplicationBuilder()
        .token(fake.TOKEN)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=30)
        await fake.wait_for_call("getUpdates", timeout=1)

        fake.send_text(5, "ping")
        [reply] = await fake.wait_for_sent(chat_id=5, timeout=2)
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    assert reply["text"] == "echo: ping"
    assert [c.method for c in fake.calls[:3]] == ["getMe", "deleteWebhook", "getUpdates"]
    assert fake.pending == []  # the updater's final getUpdates confirmed the update
