"""The Telegram adapter end to end: the real python-telegram-bot Application, the real core, and
the fake Bot API server (tests/fakes). No mocks and no sleeps: every wait is on the fake's events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from fakes.telegram_api import Call, FakeTelegram, running_fake_telegram
from fakes.telegram_html import parse_html, utf16_len

from bot.adapters.telegram import send as telegram_send
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.html import keyboard, render_html
from bot.app import App
from bot.config import TelegramSettings
from bot.core.core import Core
from bot.core.model import Bullet, Button, Citation, Message, Reply, ReplyKind

GROUP, FORUM = -1001, -100123
BOT = "@briefbot_test_bot"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with running_fake_telegram() as tg:
        yield tg


@pytest.fixture
async def adapter(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramAdapter]:
    one_at_a_time = TelegramSettings(concurrent_updates=1)  # tests below rely on global order
    bot = TelegramAdapter(
        app.core, fake.TOKEN, fake.base_url, fake.base_file_url, settings=one_at_a_time
    )
    await bot.start()
    try:
        yield bot
    finally:
        await bot.aclose()


def _replies_to(message_id: int) -> object:
    def match(call: Call) -> bool:
        quoted = (call.params.get("reply_parameters") or {}).get("message_id")
        return quoted == message_id and call.status == 200

    return match


async def ask(fake: FakeTelegram, chat_id: int, text: str, **kwargs: object) -> dict:
    """Write `text` in the chat and return the bot's (first) message answering it."""
    asked = fake.send_text(chat_id, text, **kwargs)["message"]  # type: ignore[arg-type]
    call = await fake.wait_for_call("sendMessage", _replies_to(asked["message_id"]))  # type: ignore[arg-type]
    sent_id = call.response["result"]["message_id"]  # type: ignore[index]
    return next(m for m in fake.sent if m["message_id"] == sent_id)


def _sent_to(fake: FakeTelegram, chat_id: int) -> list[dict]:
    return [m for m in fake.sent if m["chat"]["id"] == chat_id]


@pytest.mark.usefixtures("adapter")
async def test_a_direct_question_gets_a_quoted_cited_html_answer(fake: FakeTelegram) -> None:
    answer = await ask(fake, 5, "what does Kim want?")

    assert "“" in answer["text"]
    assert "”" in answer["text"]
    assert "— " in answer["text"]
    assert "[1]" in answer["text"]
    assert answer["reply_to_message"]["text"] == "what does Kim want?"
    assert {e["type"] for e in answer["entities"]} >= {"bold", "italic"}
    methods = [c.method for c in fake.calls if c.method != "getUpdates"]
    assert "sendChatAction" not in methods  # a quick answer needs no "typing…"
    [menu] = fake.commands.values()
    assert [c["command"] for c in menu] == [
        "start", "help", "ask", "more", "why", "sources", "new", "digest", "subscribe",
        "unsubscribe", "settings", "collections", "use",
    ]  # fmt: skip


@pytest.mark.usefixtures("adapter")
async def test_groups_answer_mentions_and_commands_not_chatter(fake: FakeTelegram) -> None:
    chatter = fake.send_text(GROUP, "what does Kim want? (just chatting)", chat_type="group")
    mention = await ask(fake, GROUP, f"{BOT} what does Kim want?", chat_type="group")
    command = await ask(
        fake, GROUP, f"/ask{BOT} what did Stent say about South Korea?", chat_type="group"
    )

    assert mention["text"].startswith("what does Kim want?")  # the mention was stripped
    assert "Stent" in command["text"]
    assert len(_sent_to(fake, GROUP)) == 2
    chatter_id = chatter["message"]["message_id"]
    assert not any(m.get("reply_to_message", {}).get("message_id") == chatter_id for m in fake.sent)


@pytest.mark.usefixtures("adapter")
async def test_a_reply_to_the_bot_in_a_group_is_answered(fake: FakeTelegram) -> None:
    first = await ask(fake, GROUP, "/ask what does Kim want?", chat_type="group")
    follow = await ask(fake, GROUP, "what does Putin want?", chat_type="group", reply_to=first)

    assert "“" in follow["text"]


@pytest.mark.usefixtures("adapter")
async def test_the_more_button_gives_further_passages(fake: FakeTelegram) -> None:
    answer = await ask(fake, 5, "what does Kim want?")
    [[button, up, down]] = answer["reply_markup"]["inline_keyboard"]
    assert button["callback_data"] == "more"
    assert (up["text"], down["text"]) == ("👍", "👎")

    fake.press_button(5, answer, button["callback_data"])
    more = await fake.wait_for_call("sendMessage", lambda c: "More on" in c.params["text"])

    assert more.status == 200
    assert (await fake.wait_for_call("answerCallbackQuery")).status == 200


@pytest.mark.usefixtures("adapter")
@pytest.mark.parametrize(
    "text",
    ["<b>", "</i>", "&amp;", '"', "*", "NEAR(", "AND OR NOT", "-putin", "title:kim",
     "kim " * 1250, "😀🎉🇰🇵", "\u200d\u200d\u200d", "\u200f\u200ewhat\u200f", "the of and to",
     "/ask", "/nonsense", f"{BOT}"],
)  # fmt: skip
async def test_odd_input_gets_a_clean_reply(fake: FakeTelegram, text: str) -> None:
    answer = await ask(fake, 9, text)

    assert answer["text"].strip()
    assert "Traceback" not in answer["text"]
    assert "went wrong" not in answer["text"]


@pytest.fixture
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_send, "BACKOFF", 0.0)


@pytest.mark.usefixtures("adapter", "_no_backoff")
@pytest.mark.parametrize(
    ("failure", "status"),
    [
        ({"status": 429, "retry_after": 0}, 429),  # PTB sees retry_after=0 as a NetworkError
        ({"status": 429, "retry_after": 1}, 429),  # RetryAfter: waits the 1 s Telegram asks
        ({"status": 502}, 502),
        ({"drop": True}, None),
    ],
)
async def test_transient_failures_are_retried_and_the_answer_sent_once(
    fake: FakeTelegram, failure: dict, status: int | None
) -> None:
    fake.fail_next("sendMessage", **failure)

    answer = await ask(fake, 5, "what does Kim want?")
    await ask(fake, 5, "/help")  # updates are handled in order: the first one is finished

    asked = answer["reply_to_message"]["message_id"]
    assert sum(m.get("reply_to_message", {}).get("message_id") == asked for m in fake.sent) == 1
    assert [c.status for c in fake.calls if c.method == "sendMessage"][:2] == [status, 200]


@pytest.mark.usefixtures("adapter")
async def test_a_bad_request_is_not_retried_and_the_user_gets_an_apology(
    fake: FakeTelegram, app: App
) -> None:
    fake.fail_next("sendMessage", status=400)
    fake.send_text(5, "what does Kim want?")

    [sorry] = await fake.wait_for_sent(chat_id=5)

    assert sorry["text"].startswith("Sorry, something went wrong")
    assert [c.status for c in fake.calls if c.method == "sendMessage"] == [400, 200]
    errors = app.metrics.registry.get_sample_value(
        "briefbot_platform_errors_total", {"platform": "telegram", "kind": "BadRequest"}
    )
    assert errors == 1.0  # counted in /metrics by kind


@pytest.mark.usefixtures("adapter")
async def test_a_blocked_chat_does_not_stop_the_bot(fake: FakeTelegram) -> None:
    fake.block_chat(77)
    fake.send_text(77, "what does Kim want?")
    assert "“" in (await ask(fake, 78, "what does Kim want?"))["text"]

    fake.fail_next("sendMessage", status=403)  # blocked while the bot was answering
    fake.send_text(79, "what does Kim want?")
    assert "“" in (await ask(fake, 80, "what does Kim want?"))["text"]

    assert _sent_to(fake, 77) == _sent_to(fake, 79) == []


@pytest.mark.usefixtures("adapter")
async def test_a_forum_topic_question_is_answered_in_its_topic(fake: FakeTelegram) -> None:
    answer = await ask(
        fake,
        FORUM,
        "/ask what does Kim want?",
        chat_type="supergroup",
        is_forum=True,
        message_thread_id=7,
    )

    assert answer["message_thread_id"] == 7


class _HeldCore:
    """The real core, except that answers wait until the test lets them go (a slow answer)."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self.release = asyncio.Event()

    async def handle(self, message: Message) -> Reply:
        await self.release.wait()
        return await self._core.handle(message)

    def __getattr__(self, name: str) -> object:
        return getattr(self._core, name)


async def test_a_slow_answer_shows_typing_in_its_topic_until_it_arrives(
    app: App, fake: FakeTelegram
) -> None:
    held = _HeldCore(app.core)
    settings = TelegramSettings(concurrent_updates=1, typing_after=0.01)
    bot = TelegramAdapter(held, fake.TOKEN, fake.base_url, fake.base_file_url, settings=settings)  # type: ignore[arg-type]
    await bot.start()
    try:
        asked = fake.send_text(
            FORUM, "/ask what does Kim want?", chat_type="supergroup", is_forum=True,
            message_thread_id=7,
        )["message"]  # fmt: skip
        typing = await fake.wait_for_call("sendChatAction")
        held.release.set()
        await fake.wait_for_call("sendMessage", _replies_to(asked["message_id"]))  # type: ignore[arg-type]
    finally:
        await bot.aclose()

    assert typing.params["action"] == "typing"
    assert (typing.params["chat_id"], typing.params["message_thread_id"]) == (FORUM, 7)
    methods = [c.method for c in fake.calls if c.method != "getUpdates"]
    assert methods.index("sendChatAction") < methods.index("sendMessage")


async def test_typing_after_zero_shows_typing_before_every_answer(
    app: App, fake: FakeTelegram
) -> None:
    settings = TelegramSettings(concurrent_updates=1, typing_after=0)
    bot = TelegramAdapter(
        app.core, fake.TOKEN, fake.base_url, fake.base_file_url, settings=settings
    )
    await bot.start()
    try:
        await ask(fake, 5, "what does Kim want?")
        await ask(fake, 5, "what does Putin want?")
    finally:
        await bot.aclose()

    methods = [c.method for c in fake.calls if c.method in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"] * 2


@pytest.mark.usefixtures("adapter")
async def test_a_migrated_group_gets_the_answer_in_the_supergroup(fake: FakeTelegram) -> None:
    fake.migrate_group(-42, -1000000000042)
    fake.send_text(-42, "/ask what does Kim want?", chat_type="group")

    [answer] = await fake.wait_for_sent(chat_id=-1000000000042)

    assert "“" in answer["text"]


async def test_the_token_is_never_logged(
    fake: FakeTelegram, adapter: TelegramAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await ask(fake, 5, "what does Kim want?")
    await adapter.aclose()
    await adapter.aclose()  # idempotent

    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp")]
    assert any("sendMessage" in line for line in ours)  # the Bot API calls were logged ...
    assert not any(fake.TOKEN in line for line in ours)  # ... without the token


# -- rendering ---------------------------------------------------------------------------------
def _long_reply() -> Reply:
    quote = "Kim <wants> a stage & a platform; “Putin” wants shells. " * 6
    citation = Citation(1, "s1", "What <they> want & why", "Outlet", "2023", ("A. Author",))
    bullets = tuple(Bullet(f"{n}: {quote}", 1, "Jean Lee") for n in range(60))
    return Reply(ReplyKind.ANSWER, "what now?", bullets=bullets, citations=(citation,))


def test_a_long_reply_splits_into_valid_chunks_within_the_limit() -> None:
    chunks = render_html(_long_reply())

    assert len(chunks) > 1
    plain = [parse_html(chunk)[0] for chunk in chunks]  # each one is valid HTML on its own
    assert all(utf16_len(chunk) <= 4096 for chunk in chunks)
    assert [f"• “{n}:" in "".join(plain) for n in range(60)] == [True] * 60
    assert all(p.count("• “") == p.count("— Jean Lee") for p in plain)  # never split a bullet


def test_an_oversized_paragraph_is_cut_at_words_with_tags_closed() -> None:
    reply = Reply(title="😀&" * 3000, body=("word & <x> " * 1500, "x" * 9000))

    chunks = render_html(reply)

    assert all(utf16_len(chunk) <= 4096 for chunk in chunks)
    text = "".join(parse_html(chunk)[0] for chunk in chunks)
    assert text.count("word & <x>") == 1500
    assert text.count("x") >= 9000


def test_source_strings_are_escaped() -> None:
    citation = Citation(1, "s", "<script>&", "O&O <b>", "2023", url="https://x.org/?a=1&b=2")
    reply = Reply(
        bullets=(Bullet("<i>not italic</i> & more", 1, "<Speaker>"),), citations=(citation,)
    )

    [chunk] = render_html(reply)
    text, entities = parse_html(chunk)

    assert "&lt;script&gt;&amp;" in chunk
    assert "“<i>not italic</i> & more”" in text
    assert "<Speaker> · O&O <b>" in text
    assert {e["type"] for e in entities} == {"italic"}  # only our attribution markup


def test_keyboard_carries_only_known_actions() -> None:
    ok = Reply(
        buttons=(Button("More", "more"), Button("Hack", "drop table"), Button("X", "é" * 40))
    )

    markup = keyboard(ok)

    assert markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["more"]
    assert keyboard(Reply()) is None


@pytest.mark.usefixtures("adapter")
async def test_every_help_command_is_in_the_menu_and_answered_in_a_group(
    fake: FakeTelegram,
) -> None:
    await ask(fake, GROUP, "/ask what does Kim want?", chat_type="group")
    why = await ask(fake, GROUP, "/why", chat_type="group")
    assert why["text"].startswith("Why: what does Kim want?")
    [menu] = fake.commands.values()
    listed = {c["command"] for c in menu}
    assert {"start", "help", "ask", "more", "why", "sources", "digest", "subscribe"} <= listed
    assert not {"ingest", "forget"} & listed  # admins' commands work but are not advertised
