"""The Discord adapter end to end: the real discord.py client, the real core, the fake Discord
server (tests/fakes/discord_api.py). No mocks and no sleeps: every wait is on the fake's events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from fakes.discord_api import FakeDiscord, discord_base_url

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.ui import command_tree
from bot.app import App
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.feedback import VOTE_EXPIRED
from bot.core.model import Message, Reply
from bot.render.text import render_text

TIMEOUT = 5.0
MORE = "briefbot:more"
INJECTION_SOURCE = """---
id: zebra-gazette
title: "**Bold** claims, `code` and ||spoilers|| @everyone"
outlet: The Zebra Gazette
authors: ["<@456>"]
date: "2023-09-12"
kind: article
---
The zebra council announced that @everyone at the watering hole, <@&123> and <@456> and
<@&900000000000000006> and <@900000000000000005> included, agreed that **zebras** love
`backticks` and ||hidden spoilers|| and > quoted stripes, and that the zebra council will meet
again at the watering hole next spring to count the stripes of every zebra in the valley.
"""


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        with discord_base_url(server.base_url):
            yield server


def make_adapter(app: App, **options: Any) -> DiscordAdapter:
    return DiscordAdapter(
        app.core, FakeDiscord.TOKEN, guild_ready_timeout=0.01, ready_timeout=TIMEOUT, **options
    )


@pytest.fixture
async def adapter(app: App, fake: FakeDiscord) -> AsyncIterator[DiscordAdapter]:
    bot = make_adapter(app)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.aclose()


async def answer_to(fake: FakeDiscord, asked: dict[str, Any]) -> dict[str, Any]:
    """The bot's (first) message replying to the user's message `asked`."""

    def replies(m: dict[str, Any]) -> bool:
        return int((m["message_reference"] or {}).get("message_id", 0)) == int(asked["id"])

    return (await fake.wait_for_message(predicate=replies, timeout=TIMEOUT))[0]


async def follow_up_to(fake: FakeDiscord, interaction: dict[str, Any]) -> dict[str, Any]:
    def answers(m: dict[str, Any]) -> bool:
        return m["interaction_id"] == interaction["id"]

    return (await fake.wait_for_message(predicate=answers, timeout=TIMEOUT))[0]


def embed(message: dict[str, Any]) -> dict[str, Any]:
    [only] = message["embeds"]
    return only


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message["components"] or [] for c in row["components"]]


def shown_text(message: dict[str, Any]) -> str:
    """Everything a user reads in the message: content, titles, descriptions, fields."""
    parts = [message["content"] or ""]
    for card in message["embeds"] or []:
        parts += [card.get("title", ""), card.get("description", "")]
        parts += [f"{f['name']}\n{f['value']}" for f in card.get("fields", [])]
        parts.append((card.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def pings_nobody(message: dict[str, Any]) -> bool:
    """allowed_mentions is {"parse": []} (discord.py adds replied_user: false to replies)."""
    allowed = dict(message["allowed_mentions"] or {"missing": True})
    return allowed.pop("replied_user", False) is False and allowed == {"parse": []}


@pytest.mark.usefixtures("adapter")
async def test_a_mention_gets_a_cited_embed_and_chatter_is_ignored(fake: FakeDiscord) -> None:
    fake.user_message("what does Kim want? (just chatting)")
    asked = fake.user_message("what does Kim want?", mentions_bot=True)

    answer = await answer_to(fake, asked)

    card = embed(answer)
    assert card["title"] == "what does Kim want?"  # the mention was stripped
    assert card["description"].startswith("• “")
    assert "”\n*— " in card["description"]
    assert "[1]*" in card["description"]
    [sources] = card["fields"]
    assert sources["name"] == "Sources"
    assert sources["value"].startswith("[1] “")
    ids = custom_ids(answer)
    assert ids[0] == MORE
    assert [i.rsplit(":", 1)[0] for i in ids[1:]] == ["briefbot:vote:up", "briefbot:vote:down"]
    assert answer["channel_id"] == FakeDiscord.CHANNEL_ID
    assert pings_nobody(answer)
    assert len(fake.messages) == 1  # the chatter got nothing
    await fake.wait_for_request("POST", f"/channels/{FakeDiscord.CHANNEL_ID}/typing")
    assert {c["name"] for c in fake.commands} == {
        "start", "ask", "help", "sources", "more", "why", "new", "digest", "subscribe",
        "unsubscribe", "settings", "collections", "use",
    }  # fmt: skip
    assert not (fake.intents or 0) & FakeDiscord.MESSAGE_CONTENT_INTENT


@pytest.mark.usefixtures("adapter")
async def test_slash_ask_is_deferred_then_answered_and_more_follows(fake: FakeDiscord) -> None:
    interaction = fake.slash_command("ask", {"question": "what did Stent say about South Korea?"})

    answer = await follow_up_to(fake, interaction)

    assert fake.interaction_responses[0] == {"interaction_id": interaction["id"], "type": 5}
    assert "Stent" in embed(answer)["description"]
    assert answer["kind"] == "followup"
    press = fake.press_button(MORE, answer)
    more = await follow_up_to(fake, press)
    assert embed(more)["title"].startswith("More on: what did Stent say")
    assert fake.interaction_responses[1] == {"interaction_id": press["id"], "type": 6}
    assert all(pings_nobody(m) for m in fake.messages)


@pytest.mark.usefixtures("adapter")
async def test_every_dm_is_a_question_and_commands_work_there(fake: FakeDiscord) -> None:
    asked = fake.user_message("what does Putin want?", guild=False)
    sources = fake.user_message("/sources", guild=False)
    odd = fake.user_message("/nonsense", guild=False)

    answer, listing, hint = [await answer_to(fake, m) for m in (asked, sources, odd)]

    assert answer["channel_id"] == FakeDiscord.DM_CHANNEL_ID
    assert "Putin" in embed(answer)["description"]
    assert embed(listing)["title"] == "Sources"
    assert hint["embeds"] is None
    assert hint["content"].startswith("I don't know /nonsense")


@pytest.mark.usefixtures("adapter")
async def test_a_reply_to_the_bot_is_a_follow_up_question(fake: FakeDiscord) -> None:
    first = await answer_to(fake, fake.user_message("what does Kim want?", mentions_bot=True))

    follow = fake.user_message("and what does Putin want?", reply_to_message=first)

    assert "Putin" in embed(await answer_to(fake, follow))["description"]


@pytest.mark.usefixtures("adapter")
async def test_a_thread_question_is_answered_in_the_thread(fake: FakeDiscord) -> None:
    asked = fake.user_message(
        "what does Kim want?", channel_id=FakeDiscord.THREAD_ID, mentions_bot=True
    )
    question = {"question": "what does Putin want?"}
    slash = fake.slash_command("ask", question, channel_id=FakeDiscord.THREAD_ID)

    assert (await answer_to(fake, asked))["channel_id"] == FakeDiscord.THREAD_ID
    assert (await follow_up_to(fake, slash))["channel_id"] == FakeDiscord.THREAD_ID


@pytest.fixture
async def zebra_source(app: App, tmp_path: Path) -> None:
    path = tmp_path / "zebra.md"
    path.write_text(INJECTION_SOURCE, encoding="utf-8")
    [report] = await app.library.ingest([path])
    assert report.status != "failed", report.detail


@pytest.mark.usefixtures("adapter", "zebra_source")
async def test_mentions_in_sources_and_questions_ping_nobody(fake: FakeDiscord) -> None:
    question = "@everyone <@&123> <@456> what did the zebra council announce?"
    asked = fake.user_message(question, mentions_bot=True)
    dm = fake.user_message("/ask <@900000000000000005> zebra council @here", guild=False)
    slash = fake.slash_command("ask", {"question": "@everyone zebra council"})

    answers = [await answer_to(fake, asked), await answer_to(fake, dm)]
    answers.append(await follow_up_to(fake, slash))

    assert all(pings_nobody(m) for m in fake.messages)
    text = "\n".join(shown_text(m) for m in answers)
    assert "zebra council announced" in text
    assert "@everyone" not in text  # shown as @\u200beveryone: no highlight either
    assert "@\u200beveryone" in text
    assert "@\u200bhere" in text
    assert "<@\u200b900000000000000005>" in text  # a real user id: not even shown as a mention
    assert "<@\u200b&900000000000000006>" in text  # nor a real role
    assert "<@&123> and <@456>" in text  # not an id Discord can resolve: plain text


@pytest.mark.usefixtures("adapter", "zebra_source")
async def test_markdown_in_sources_and_questions_is_escaped(fake: FakeDiscord) -> None:
    asked = fake.user_message("> **what** did the `zebra` ||council|| announce?", mentions_bot=True)

    card = embed(await answer_to(fake, asked))

    assert card["title"] == r"\> \*\*what\*\* did the \`zebra\` \|\|council\|\| announce?"
    assert r"\*\*zebras\*\* love \`backticks\` and \|\|hidden spoilers\|\|" in card["description"]
    assert r"\*\*Bold\*\* claims, \`code\` and \|\|spoilers\|\|" in card["fields"][0]["value"]


@pytest.mark.usefixtures("adapter")
async def test_a_429_on_send_still_delivers_the_answer_once(fake: FakeDiscord) -> None:
    fake.fail_next("POST /channels/{channel}/messages", retry_after=0.05)
    asked = fake.user_message("what does Kim want?", mentions_bot=True)

    await answer_to(fake, asked)
    await answer_to(fake, fake.user_message("/help", mentions_bot=True))  # the first is done

    sends = [r.status for r in fake.requests if r.method == "POST" and r.path.endswith("messages")]
    assert sends == [429, 200, 200]
    assert sum(m["message_reference"]["message_id"] == int(asked["id"]) for m in fake.messages) == 1


async def test_buttons_work_after_a_restart(app: App, fake: FakeDiscord) -> None:
    first = make_adapter(app)
    await first.start()
    try:
        answer = await answer_to(fake, fake.user_message("what does Kim want?", mentions_bot=True))
    finally:
        await first.aclose()

    second = make_adapter(app)  # a new process: a new client, nothing remembered in memory
    await second.start()
    try:
        more = await follow_up_to(fake, fake.press_button(MORE, answer))
        vote = {"type": 2, "style": 2, "label": "👍", "custom_id": "briefbot:vote:up:7"}
        old = {"id": "900000000000000099", "channel_id": str(FakeDiscord.CHANNEL_ID)}
        old["components"] = [{"type": 1, "components": [vote]}]  # type: ignore[assignment]
        expired = await follow_up_to(fake, fake.press_button("briefbot:vote:up:7", old))
    finally:
        await second.aclose()

    assert embed(more)["title"] == "More on: what does Kim want?"
    assert embed(more)["description"] != embed(answer)["description"]
    assert expired["content"] == VOTE_EXPIRED  # the core's word, shown only to the presser


@pytest.mark.usefixtures("adapter")
async def test_a_send_error_is_logged_and_the_user_gets_an_apology(
    fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next("POST /channels/{channel}/messages", status=400, code=50035, message="Invalid")
    fake.user_message("what does Kim want?", mentions_bot=True)

    [sorry] = await fake.wait_for_message(timeout=TIMEOUT)

    assert sorry["content"].startswith("Sorry, something went wrong")
    assert pings_nobody(sorry)
    assert any("failed to answer a Discord message" in r.getMessage() for r in caplog.records)
    assert not any(FakeDiscord.TOKEN in r.getMessage() for r in caplog.records)
    assert not any(FakeDiscord.TOKEN in (r.exc_text or "") for r in caplog.records)


async def test_a_user_who_blocks_dms_is_reported_to_on_blocked(app: App, fake: FakeDiscord) -> None:
    blocked: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def on_blocked(platform: str, chat_id: str) -> None:
        await blocked.put((platform, chat_id))

    fake.block_dms(FakeDiscord.USER_ID)
    bot = make_adapter(app, on_blocked=on_blocked)
    await bot.start()
    try:
        fake.user_message("what does Kim want?", guild=False)
        first = await asyncio.wait_for(blocked.get(), TIMEOUT)
        target = ChatTarget("discord", str(FakeDiscord.DM_CHANNEL_ID))
        with pytest.raises(DeliveryError) as refused:
            await bot.send(target, Reply(body=("digest",)))
        second = await asyncio.wait_for(blocked.get(), TIMEOUT)
    finally:
        await bot.aclose()

    assert first == second == ("discord", str(FakeDiscord.DM_CHANNEL_ID))
    assert refused.value.permanent
    assert fake.messages == []


async def test_the_message_content_intent_is_a_switch(app: App, fake: FakeDiscord) -> None:
    bot = make_adapter(app, message_content_intent=True, guild_id=FakeDiscord.GUILD_ID)
    await bot.start()
    try:
        assert (fake.intents or 0) & FakeDiscord.MESSAGE_CONTENT_INTENT
        assert fake.commands[0]["guild_id"] == str(FakeDiscord.GUILD_ID)  # dev sync
        fake.autocomplete("subscribe", {"timezone": "berl"}, "timezone")
        callback = await fake.wait_for_request("POST", "/interactions/*/*/callback")
    finally:
        await bot.aclose()

    assert [c["value"] for c in callback.json["data"]["choices"]] == ["Europe/Berlin"]


async def test_a_digest_sent_again_after_a_lost_response_is_posted_once(
    adapter: DiscordAdapter, fake: FakeDiscord
) -> None:
    """The digest queue retries a send whose response was lost (it cannot tell it arrived):
    the page's nonce, with enforce_nonce, lets Discord post it once."""
    target = ChatTarget("discord", str(FakeDiscord.CHANNEL_ID))
    digest = Reply(body=("Briefing — Monday 6 May 2024", "Three new sources."))
    await adapter.send(target, digest)
    await adapter.send(target, digest)  # the retry
    await adapter.send(target, Reply(body=("Briefing — Tuesday 7 May 2024",)))  # the next day

    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("messages")]
    assert len(posts) == 3
    assert posts[0].json["nonce"] == posts[1].json["nonce"] != posts[2].json["nonce"]
    assert all(r.json["enforce_nonce"] is True for r in posts)
    assert len(fake.messages) == 2


async def test_every_command_help_lists_for_everyone_is_a_slash_command(app: App) -> None:
    """/help on Discord lists what a person can type; each must exist as a slash command."""
    client = discord.Client(intents=discord.Intents.none())
    tree = command_tree(client, app.core.catalogue, lambda *_: None)
    slash = {c.name for c in tree.get_commands()}
    help_text = render_text(await app.core.handle(Message("discord", "1", "2", "/help")))
    listed = {line.split()[0][1:] for line in help_text.splitlines() if line.startswith("/")}
    assert listed - {"ingest", "forget"} <= slash  # the admins' are typed, not advertised
