"""What a digest says: chosen from the index, verbatim and attributed, different every day,
and changed by a new source. Plus the chat commands that manage the subscription."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fakes.clock import FakeClock
from helpers import console

from bot.app import App
from bot.core.core import Core
from bot.digest.commands import DigestCommands
from bot.digest.reply import digest_reply
from bot.render.text import render_text

NEW_SOURCE = """---
id: test-analysis-2023-09-14
title: Kim Jong Un Wants Satellites
outlet: Test Monitor
authors: [Pat Example]
date: "2023-09-14"
kind: article
---
Kim Jong Un wants Russian help with military reconnaissance satellites, and in return Russia
wants North Korean artillery shells for its war in Ukraine, according to officials in Seoul.
"""


async def all_source_ids(app: App) -> list[str]:
    return [s.meta.id for s in await app.library.sources()]


async def test_consecutive_days_never_repeat(app: App):
    seen = await all_source_ids(app)
    digests = [await app.digests.build(date(2024, 5, 1) + timedelta(n), seen) for n in range(21)]
    for yesterday, today in itertools.pairwise(digests):
        assert yesterday.fingerprint() != today.fingerprint()
        assert render_text(digest_reply(yesterday)) != render_text(digest_reply(today))


async def test_key_points_are_verbatim_attributed_and_grouped(app: App):
    reply = digest_reply(await app.digests.build(date(2024, 5, 2), await all_source_ids(app)))
    text = render_text(reply)
    assert reply.title == "Briefing — Thursday 2 May 2024"
    assert "No new sources since your last digest" in text
    passages = [row[0] for row in await app.store.read("SELECT text FROM passages")]
    for bullet in reply.bullets:
        assert any(part in p for p in passages for part in bullet.text.split("…") if part)
        assert reply.citation(bullet.citation) is not None
    sections = list(dict.fromkeys(b.section for b in reply.bullets))
    assert len(sections) >= 2
    assert all(section in text for section in sections)
    assert sum(line.startswith("Ask next: /ask ") for line in reply.footer) == 2


async def test_a_new_source_changes_the_digest(app: App, tmp_path):
    seen = await all_source_ids(app)
    before = await app.digests.build(date(2024, 5, 2), seen)
    path = tmp_path / "satellites.md"
    path.write_text(NEW_SOURCE, encoding="utf-8")
    await app.library.ingest([path])
    after = await app.digests.build(date(2024, 5, 2), seen)
    assert after.fingerprint() != before.fingerprint()
    text = render_text(digest_reply(after))
    assert "New since your last digest:" in text
    assert "Kim Jong Un Wants Satellites — Test Monitor · 14 September 2023" in text


def digest_core(app: App, clock: FakeClock) -> Core:
    """A core whose digest commands run on `clock`."""
    commands = DigestCommands(app.subscriptions, app.digests, app.settings.digest, clock)
    return Core(app.library, commands=commands.commands())


async def test_subscribe_settings_unsubscribe_in_a_chat(app: App):
    berlin = ZoneInfo("Europe/Berlin")
    clock = FakeClock(datetime(2024, 5, 6, 19, 0, tzinfo=berlin))
    core = digest_core(app, clock)
    reply = await core.handle(console("/subscribe 8:00 europe/berlin"))
    assert "08:00 Europe/Berlin" in reply.body[0]
    assert "Next: Tue 7 May 08:00 Europe/Berlin, in 13 h" in reply.body[0]
    settings = render_text(await core.handle(console("/settings")))
    assert "Daily digest: 08:00 Europe/Berlin" in settings
    assert "in 13 h" in settings
    assert "Last delivered: none yet" in settings
    default = await core.handle(console("/subscribe", chat="c2"))
    assert "08:00 UTC" in default.body[0]
    quiet = await core.handle(console("/subscribe 18:30 Asia/Seoul quiet", chat="c3"))
    assert "Quiet: only on days with a new source" in quiet.body[0]
    assert "Unsubscribed" in (await core.handle(console("/unsubscribe"))).body[0]
    assert "Stopped (unsubscribed)" in render_text(await core.handle(console("/settings")))


async def test_subscribing_after_todays_time_starts_tomorrow(app: App):
    clock = FakeClock(datetime(2024, 5, 6, 9, 0, tzinfo=ZoneInfo("UTC")))
    core = digest_core(app, clock)
    reply = await core.handle(console("/subscribe 08:00 UTC"))
    assert "Tue 7 May 08:00 UTC, in 23 h" in reply.body[0]
    today = await app.subscriptions.delivery("console", "c1", date(2024, 5, 6))
    assert today.status == "skipped"


async def test_digest_command_shows_todays_digest_now(app: App):
    reply = await app.core.handle(console("/digest"))
    assert reply.title.startswith("Briefing — ")
    assert reply.bullets


async def test_digest_in_an_unsubscribed_chat_says_how_to_subscribe(app: App):
    text = render_text(await app.core.handle(console("/digest", chat="never-subscribed")))
    assert "/subscribe" in text
    assert "/unsubscribe" not in text
    await app.core.handle(console("/subscribe 08:00 Europe/Berlin", chat="subscribed"))
    text = render_text(await app.core.handle(console("/digest", chat="subscribed")))
    assert "/unsubscribe stops it" in text
