"""The allowlist and the rate limits cover every way in: commands, buttons, inline queries,
admin commands and the scheduled digest, and /ingest has its own, stricter limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from digest_helpers import RecordingSender, subscribe
from fakes.clock import FakeClock

from bot.app import App, open_app
from bot.config import load_settings
from bot.core.admin import AdminCommands
from bot.core.core import Core
from bot.core.guard import Guard
from bot.core.model import Message, ReplyKind
from bot.digest.commands import DigestCommands
from bot.digest.scheduler import DigestScheduler

ALLOWED, OUTSIDE, ADMIN = "5", "6", "9"


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[App]:
    settings = load_settings(
        None,
        access={"allowed_chats": {"telegram": [int(ALLOWED), int(ADMIN)]}, "rate_limit": 0},
        ingest={"admins": [f"telegram:{ADMIN}"]},
    )
    async with open_app(settings, db_path=tmp_path / "guarded.sqlite3") as app:
        yield app


def tg(text: str, chat: str, user: str | None = None) -> Message:
    return Message("telegram", chat_id=chat, user_id=user or chat, text=text)


@pytest.mark.parametrize(
    "text",
    ["/subscribe 08:00 Europe/Berlin", "/digest", "/settings", "/ingest https://example.test/a",
     "/forget some-source", "/sources", "/help"],
)  # fmt: skip
async def test_every_command_from_a_chat_outside_the_allowlist_is_refused(
    guarded: App, text: str
) -> None:
    outside = await guarded.core.handle(tg(text, OUTSIDE, user=ADMIN))  # even from an admin
    assert outside.kind is ReplyKind.REFUSAL
    assert "only answer in chats my owner has enabled" in outside.body[0]
    assert await guarded.subscriptions.get("telegram", OUTSIDE) is None


async def test_buttons_and_inline_queries_outside_the_allowlist_are_refused(guarded: App) -> None:
    answer = await guarded.core.handle(tg("what does Kim want?", ALLOWED))
    vote = answer.buttons[-1].action
    for action in (vote, "more", "no-such-button"):
        pressed = await guarded.core.press(tg("", OUTSIDE), action)
        assert pressed.kind is ReplyKind.REFUSAL, action
    inline = await guarded.core.inline(tg("what does Kim want?", OUTSIDE))  # the user's chat
    assert inline.kind is ReplyKind.REFUSAL
    assert (await guarded.core.inline(tg("what does Kim want?", ALLOWED))).kind is ReplyKind.ANSWER


async def test_no_scheduled_digest_goes_to_a_chat_outside_the_allowlist(guarded: App) -> None:
    clock = FakeClock(datetime(2024, 5, 6, 9, 0, tzinfo=UTC))
    yesterday = clock.now() - timedelta(days=1)
    for chat in (ALLOWED, OUTSIDE):  # OUTSIDE subscribed before the allowlist was set
        await subscribe(guarded, chat, "08:00", "UTC", yesterday)
    sender = RecordingSender(clock)
    subs, digests, settings = guarded.subscriptions, guarded.digests, guarded.settings.digest
    scheduler = DigestScheduler(
        subs, digests, {"telegram": sender}, settings, admits=guarded.core.admits, clock=clock
    )
    await scheduler.start()  # catch-up: both are due
    try:
        await scheduler.drain()
        assert not await scheduler.fire("telegram", OUTSIDE)
        await scheduler.sweep()
        await scheduler.drain()
        assert scheduler.job(await guarded.subscriptions.get("telegram", OUTSIDE)) is None
    finally:
        await scheduler.aclose()
    assert len(sender.to(ALLOWED)) == 1
    assert sender.to(OUTSIDE) == []


# -- rate limits -----------------------------------------------------------------------------
@pytest.fixture
async def limited(app: App) -> tuple[Core, FakeClock]:
    """A core whose limits run on a clock the test moves: 4 messages a minute, 2 /ingest in
    10 minutes."""
    clock = FakeClock(datetime(2024, 5, 6, 9, 0, tzinfo=UTC))
    guard = Guard(limit=4, window=60, ingest_limit=2, ingest_window=600, clock=clock)
    admin = AdminCommands(app.library, [f"telegram:{ADMIN}"])
    digest = DigestCommands(app.subscriptions, app.digests, app.settings.digest)
    core = Core(app.library, guard=guard, commands=(*digest.commands(), *admin.commands()))
    return core, clock


async def test_every_command_and_button_counts_against_the_rate_limit(limited) -> None:
    core, _ = limited
    answer = await core.handle(tg("what does Kim want?", ALLOWED))
    replies = [
        await core.handle(tg("/sources", ALLOWED)),
        await core.press(tg("", ALLOWED), answer.buttons[-1].action),  # a vote
        await core.handle(tg("/settings", ALLOWED)),
        await core.press(tg("", ALLOWED), "expired-button"),
        await core.handle(tg("/help", ALLOWED)),
    ]
    assert ["Slow down" in r.body[0] for r in replies] == [False, False, False, True, True]
    assert replies[-2].kind is ReplyKind.TOAST  # a press is told in its notification
    assert replies[-1].kind is ReplyKind.REFUSAL
    other = await core.handle(tg("/help", OUTSIDE))
    assert other.kind is not ReplyKind.REFUSAL


async def test_ingest_has_its_own_stricter_limit(limited) -> None:
    core, clock = limited
    usage = [await core.handle(tg("/ingest notes.txt", ADMIN)) for _ in range(2)]
    third = await core.handle(tg("/ingest notes.txt", ADMIN))
    still_asks = await core.handle(tg("/sources", ADMIN))
    assert [r.body[0].startswith("Usage: /ingest URL") for r in usage] == [True, True]
    assert third.kind is ReplyKind.REFUSAL
    assert third.body[0].startswith("Slow down a little: I take up to 2 /ingest requests")
    assert "every 10 minutes" in third.body[0]
    assert still_asks.kind is ReplyKind.INFO
    clock.advance(seconds=601)
    again = await core.handle(tg("/ingest notes.txt", ADMIN))
    assert again.body[0].startswith("Usage: /ingest URL")
