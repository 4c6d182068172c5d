"""Discord sharding: `[discord] shard_count` / `shard_ids` split the gateway between replicas.

Two replicas (the `replicas` fixture: two apps on one database file, each with its own core
and metrics) run the real discord.py `AutoShardedClient` against the fake Discord, which routes
each guild's events to shard (guild_id >> 22) % count and DMs to shard 0, as Discord does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from fakes.discord_api import FakeDiscord, running_fake_discord

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.config import ConfigError, load_settings

TIMEOUT = 5.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with running_fake_discord() as server:
        yield server


def sharded(app: App, shard_ids: list[int] | None, count: int | None = 2) -> DiscordAdapter:
    return DiscordAdapter(
        app.core,
        FakeDiscord.TOKEN,
        shard_count=count,
        shard_ids=shard_ids,
        guild_ready_timeout=0.01,
        ready_timeout=TIMEOUT,
    )


def questions(app: App) -> float:
    return app.metrics.value("briefbot_questions_total", {"platform": "discord"})


async def answer_to(fake: FakeDiscord, asked: dict[str, Any]) -> dict[str, Any]:
    def replies(m: dict[str, Any]) -> bool:
        return int((m["message_reference"] or {}).get("message_id", 0)) == int(asked["id"])

    return (await fake.wait_for_message(predicate=replies, timeout=TIMEOUT))[0]


def shard_of(guild_id: int, count: int = 2) -> int:
    return (guild_id >> 22) % count


async def test_two_replicas_split_the_shards_and_each_answers_its_guilds(
    fake: FakeDiscord, replicas: tuple[App, App]
) -> None:
    assert shard_of(FakeDiscord.OTHER_GUILD_ID) == 0
    assert shard_of(FakeDiscord.GUILD_ID) == 1
    by_shard = {0: replicas[0], 1: replicas[1]}
    first, second = sharded(replicas[0], [0]), sharded(replicas[1], [1])
    async with AsyncExitStack() as stack:
        for adapter in (first, second):
            await adapter.start()
            stack.push_async_callback(adapter.aclose)
        assert fake.gateway.shards == [(0, 2), (1, 2)]  # each IDENTIFYs with its own shard
        assert first.client is not None
        assert second.client is not None
        assert [g.id for g in first.client.guilds] == [FakeDiscord.OTHER_GUILD_ID]
        assert [g.id for g in second.client.guilds] == [FakeDiscord.GUILD_ID]
        assert first.connected
        assert second.connected

        asked = fake.user_message("what does Kim want?", mentions_bot=True)  # GUILD_ID
        answer = await answer_to(fake, asked)
        assert "“" in answer["embeds"][0]["description"]
        owner = by_shard[shard_of(FakeDiscord.GUILD_ID)]
        assert [questions(app) for app in replicas] == [
            1.0 if app is owner else 0.0 for app in replicas
        ]

        elsewhere = fake.user_message(
            "what does Putin want?", channel_id=FakeDiscord.OTHER_CHANNEL_ID, mentions_bot=True
        )
        await answer_to(fake, elsewhere)
        dm = fake.user_message("what does Kim want?", guild=False)  # DMs come on shard 0
        await fake.wait_for_message(
            predicate=lambda m: m["channel_id"] == FakeDiscord.DM_CHANNEL_ID, timeout=TIMEOUT
        )

    assert [questions(app) for app in replicas] == [2.0, 1.0]
    for message in (asked, elsewhere):  # each question answered once, by one replica
        hits = [
            m
            for m in fake.messages
            if int((m["message_reference"] or {}).get("message_id", 0)) == int(message["id"])
        ]
        assert len(hits) == 1
    assert dm["channel_id"] == str(FakeDiscord.DM_CHANNEL_ID)
    assert not fake.gateway.connected


async def test_a_count_without_ids_runs_every_shard_and_unset_stays_unsharded(
    fake: FakeDiscord, app: App
) -> None:
    # one shard of one: (discord.py waits 5 s between one process's IDENTIFYs, Discord's
    # identify limit, so a single client of two shards would cost this test 5 s)
    every = sharded(app, None, count=1)
    await every.start()
    try:
        assert every.client is not None
        assert {g.id for g in every.client.guilds} == {
            FakeDiscord.GUILD_ID,
            FakeDiscord.OTHER_GUILD_ID,
        }
        asked = fake.user_message("what does Kim want?", mentions_bot=True)
        await answer_to(fake, asked)
    finally:
        await every.aclose()
    plain = sharded(app, None, count=None)
    await plain.start()
    await plain.aclose()
    assert fake.gateway.shards == [(0, 1), None]  # unset: IDENTIFY names no shard


def test_shards_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_DISCORD__SHARD_COUNT", "2")
    monkeypatch.setenv("BRIEFBOT_DISCORD__SHARD_IDS", "[1]")
    discord = load_settings(None).discord
    assert (discord.shard_count, discord.shard_ids) == (2, [1])
    monkeypatch.delenv("BRIEFBOT_DISCORD__SHARD_COUNT")
    monkeypatch.delenv("BRIEFBOT_DISCORD__SHARD_IDS")
    assert load_settings(None).discord.shard_count is None  # unset: no sharding


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"shard_count": 2, "shard_ids": [2]}, "shard id 2 is out of range"),
        ({"shard_count": 2, "shard_ids": [0, 0]}, "shard_ids lists shard 0 twice"),
        ({"shard_ids": [0]}, "shard_ids needs shard_count"),
        ({"shard_count": 2, "shard_ids": []}, "shard_ids is empty"),
        ({"shard_count": 0}, "discord.shard_count"),
    ],
)
def test_impossible_shards_are_one_clear_line(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(None, discord=section)
    assert "\n" not in str(info.value)
