"""Two stories side by side on the chat platforms, end to end: the real python-telegram-bot and
discord.py clients against the fake servers (tests/fakes), the real core and store. A chat bound
to one story with /use never gets the other's passages; a group needs an admin to bind it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fakes.discord_api import FakeDiscord, discord_base_url
from fakes.telegram_api import FakeTelegram, running_fake_telegram

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.config import TelegramSettings
from knowledge.collections import bundled_collection
from tests.collections_helpers import DOCKS_QUESTION, DOCKS_WORD, SECOND, two_stories
from tests.test_discord_adapter import TIMEOUT, answer_to, embed
from tests.test_telegram_adapter import ask
from tests.test_telegram_records import make_adapter

BUNDLED = bundled_collection().slug
GROUP = -1001
NOT_COVERED = "don't cover"


@pytest.fixture
async def stories(tmp_path: Path) -> AsyncIterator[App]:
    async with two_stories(tmp_path) as app:
        yield app


@pytest.fixture
async def telegram(stories: App) -> AsyncIterator[FakeTelegram]:
    async with running_fake_telegram() as fake:
        bot = make_adapter(
            stories, fake, settings=TelegramSettings(concurrent_updates=1, inline=True)
        )
        await bot.start()
        try:
            yield fake
        finally:
            await bot.aclose()


async def test_telegram_chats_bound_to_two_stories_stay_apart(telegram: FakeTelegram) -> None:
    await ask(telegram, 5, f"/use {SECOND}")
    await ask(telegram, 6, f"/use {BUNDLED}")

    docks = await ask(telegram, 5, DOCKS_QUESTION)
    summit = await ask(telegram, 6, DOCKS_QUESTION)
    listing = await ask(telegram, 5, "/collections")

    assert DOCKS_WORD in docks["text"]
    assert NOT_COVERED in summit["text"]
    assert f"✓ {SECOND}" in listing["text"]
    assert f"✓ {BUNDLED}" not in listing["text"]


async def test_telegram_groups_need_an_admin_to_choose(telegram: FakeTelegram) -> None:
    refused = await ask(telegram, GROUP, f"/use {SECOND}", chat_type="group", user_id=77)
    done = await ask(telegram, GROUP, f"/use {SECOND}", chat_type="group", user_id=1001)
    docks = await ask(telegram, GROUP, f"/ask {DOCKS_QUESTION}", chat_type="group", user_id=77)

    assert "only the bot's admins" in refused["text"]
    assert "now searches: port-alder" in done["text"]
    assert DOCKS_WORD in docks["text"]


@pytest.fixture
async def discord_fake(stories: App) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        with discord_base_url(server.base_url):
            bot = DiscordAdapter(
                stories.core,
                FakeDiscord.TOKEN,
                guild_ready_timeout=0.01,
                ready_timeout=TIMEOUT,
            )
            await bot.start()
            try:
                yield server
            finally:
                await bot.aclose()


def shown(message: dict[str, Any]) -> str:
    if message["embeds"]:
        found = embed(message)
        return "\n".join([found.get("title") or "", found.get("description") or ""])
    return str(message["content"])


async def test_discord_channel_and_dm_bound_to_two_stories_stay_apart(
    discord_fake: FakeDiscord,
) -> None:
    fake = discord_fake
    await answer_to(fake, fake.user_message(f"/use {SECOND}", mentions_bot=True))
    await answer_to(fake, fake.user_message(f"/use {BUNDLED}", guild=False))

    channel = await answer_to(fake, fake.user_message(DOCKS_QUESTION, mentions_bot=True))
    direct = await answer_to(fake, fake.user_message(DOCKS_QUESTION, guild=False))

    assert DOCKS_WORD in shown(channel)
    assert NOT_COVERED in shown(direct)


async def test_discord_channels_need_an_admin_to_choose(discord_fake: FakeDiscord) -> None:
    fake = discord_fake
    refused = await answer_to(
        fake, fake.user_message(f"/use {SECOND}", mentions_bot=True, author_id=4242)
    )
    slash = fake.slash_command("use", {"slugs": SECOND})
    done = (
        await fake.wait_for_message(
            predicate=lambda m: m["interaction_id"] == slash["id"], timeout=TIMEOUT
        )
    )[0]

    assert "only the bot's admins" in shown(refused)
    assert "now searches: port-alder" in shown(done)


async def test_telegram_inline_queries_search_the_private_chats_collections(
    telegram: FakeTelegram,
) -> None:
    await ask(telegram, 5, f"/use {BUNDLED}")

    telegram.inline_query(5, DOCKS_QUESTION)
    call = await telegram.wait_for_call("answerInlineQuery")

    texts = [r["input_message_content"]["message_text"] for r in call.params["results"]]
    assert NOT_COVERED in texts[0]
    assert not any(DOCKS_WORD in text for text in texts)
