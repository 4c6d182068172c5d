"""Parity: the same questions through the Telegram and the Discord fakes reach both users with
the same quotes, attributions and citations; only the markup differs (HTML vs markdown embeds).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes.discord_api import FakeDiscord, discord_base_url
from fakes.telegram_api import FakeTelegram, running_fake_telegram

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App

QUESTIONS = (
    "what does Kim want?",
    "what did Stent say about South Korea?",
    "who wrote the Carnegie piece?",
)
TIMEOUT = 5.0
BULLET = re.compile(r"^• “(?P<quote>.*)”\n— (?P<who>.*) \[(?P<number>\d+)\]$", re.M)
CITATION = re.compile(r"^\[(?P<number>\d+)\] (?P<line>.+)$", re.M)
Answer = tuple[list[tuple[str, ...]], list[tuple[str, ...]]]  # (bullets, citations)


def plain(text: str) -> Answer:
    bullets = [m.group("quote", "who", "number") for m in BULLET.finditer(text)]
    citations = [m.group("number", "line") for m in CITATION.finditer(text)]
    return bullets, citations


def discord_plain(message: dict[str, Any]) -> str:
    """What a Discord user reads: markdown removed, escapes and mention breakers undone."""
    parts = []
    for card in message["embeds"]:
        parts.append(card.get("description", ""))
        parts += [field["value"] for field in card.get("fields", [])]
    text = "\n".join(parts)
    text = re.sub(r"^\*(— .*)\*$", r"\1", text, flags=re.M)  # our italic attributions
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")


@pytest.fixture
async def both(app: App) -> AsyncIterator[tuple[FakeTelegram, FakeDiscord]]:
    async with running_fake_telegram() as tg, FakeDiscord() as dc:
        with discord_base_url(dc.base_url):
            telegram = TelegramAdapter(app.core, tg.TOKEN, tg.base_url, tg.base_file_url)
            discord = DiscordAdapter(app.core, dc.TOKEN, guild_ready_timeout=0.01)
            await telegram.start()
            try:
                await discord.start()
                try:
                    yield tg, dc
                finally:
                    await discord.aclose()
            finally:
                await telegram.aclose()


async def ask_telegram(tg: FakeTelegram, question: str) -> str:
    asked = tg.send_text(5, question)["message"]["message_id"]

    def answers(call: Any) -> bool:
        quoted = (call.params.get("reply_parameters") or {}).get("message_id")
        return quoted == asked and call.status == 200

    call = await tg.wait_for_call("sendMessage", answers, timeout=TIMEOUT)
    sent_id = call.response["result"]["message_id"]
    return next(m["text"] for m in tg.sent if m["message_id"] == sent_id)


async def ask_discord(dc: FakeDiscord, question: str) -> str:
    asked = int(dc.user_message(question, guild=False)["id"])

    def answers(m: dict[str, Any]) -> bool:
        return int((m["message_reference"] or {}).get("message_id", 0)) == asked

    [answer] = await dc.wait_for_message(predicate=answers, timeout=TIMEOUT)
    return discord_plain(answer)


async def test_the_same_questions_get_the_same_answers_on_both_platforms(
    both: tuple[FakeTelegram, FakeDiscord],
) -> None:
    tg, dc = both
    for question in QUESTIONS:
        on_telegram = plain(await ask_telegram(tg, question))
        on_discord = plain(await ask_discord(dc, question))

        bullets, citations = on_telegram
        assert bullets, question
        assert citations, question
        assert on_discord == on_telegram, question
