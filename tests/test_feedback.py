"""Feedback, access and the bot's records, as any platform meets them through the core."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.clock import FakeClock

from bot.app import App, open_app
from bot.chat_store import ChatStore
from bot.cli import main
from bot.config import load_settings
from bot.core.core import Core
from bot.core.guard import Guard
from bot.core.model import Message, ReplyKind
from bot.render.text import render_text

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def tg(text: str, chat: str = "5", user: str = "5") -> Message:
    return Message(platform="telegram", chat_id=chat, user_id=user, text=text)


def core_for(app: App, clock: FakeClock, guard: Guard | None = None) -> Core:
    return Core(app.library, chats=ChatStore(app.store, clock), guard=guard)


async def test_an_answer_is_logged_and_votes_are_stored_once_per_user_and_changeable(
    app: App,
) -> None:
    clock = FakeClock(NOON)
    core = core_for(app, clock)
    answer = await core.handle(tg("what does Kim want?"))
    assert answer.kind is ReplyKind.ANSWER
    assert answer.answer_id is not None
    up, down = (b.action for b in answer.buttons[-2:])
    assert (up, down) == (f"vote:up:{answer.answer_id}", f"vote:down:{answer.answer_id}")

    first = await core.press(tg(""), up)
    again = await core.press(tg(""), up)
    changed = await core.press(tg(""), down)
    other_user = await core.press(tg("", user="6"), down)

    assert first.kind is ReplyKind.TOAST
    assert "Thanks 👍" in first.body[0]
    assert "already voted 👍" in again.body[0]
    assert "Changed your vote to 👎" in changed.body[0]
    assert "Thanks 👎" in other_user.body[0]
    [telegram] = (await ChatStore(app.store, clock).stats(1)).platforms
    assert (telegram.questions, telegram.up, telegram.down) == (1, 0, 2)


async def test_forged_or_foreign_votes_are_refused(app: App) -> None:
    core = core_for(app, FakeClock(NOON))
    answer = await core.handle(tg("what does Kim want?"))

    elsewhere = await core.press(tg("", chat="6"), f"vote:up:{answer.answer_id}")
    unknown = await core.press(tg(""), "vote:up:999999")
    malformed = await core.press(tg(""), "vote:sideways:1")

    assert "no longer on record" in elsewhere.body[0]
    assert "no longer on record" in unknown.body[0]
    assert "expired" in malformed.body[0]


async def test_more_answers_carry_votes_for_the_same_question(app: App) -> None:
    core = core_for(app, FakeClock(NOON))
    answer = await core.handle(tg("what does Kim want?"))
    more = await core.press(tg(""), "more")

    assert more.answer_id == answer.answer_id
    assert more.buttons[-1].action == f"vote:down:{answer.answer_id}"
    assert "vote:" not in render_text(more)  # the console can't press a vote


async def test_chats_outside_the_allowlist_get_a_polite_refusal(app: App) -> None:
    core = core_for(app, FakeClock(NOON), Guard({"telegram": {"5"}}))

    refused = await core.handle(tg("what does Kim want?", chat="6"))
    pressed = await core.press(tg("", chat="6"), "more")
    allowed = await core.handle(tg("what does Kim want?", chat="5"))
    console = await core.handle(Message("console", "anywhere", "u", "what does Kim want?"))

    assert refused.kind is ReplyKind.REFUSAL
    assert "only answer in chats my owner has enabled" in refused.body[0]
    assert pressed.kind is ReplyKind.REFUSAL
    assert allowed.kind is console.kind is ReplyKind.ANSWER


async def test_a_user_over_the_rate_limit_is_told_to_slow_down(app: App) -> None:
    clock = FakeClock(NOON)
    core = core_for(app, clock, Guard(limit=2, window=60, clock=clock))

    asked = [await core.handle(tg("what does Kim want?")) for _ in range(2)]
    clock.advance(seconds=15)
    slowed = await core.handle(tg("/ask what does Putin want?"))
    help_counts_too = await core.handle(tg("/help"))
    someone_else = await core.handle(tg("what does Putin want?", chat="5", user="7"))
    clock.advance(seconds=46)
    later = await core.handle(tg("what does Putin want?"))

    assert [r.kind for r in asked] == [ReplyKind.ANSWER] * 2
    assert slowed.kind is help_counts_too.kind is ReplyKind.REFUSAL
    assert slowed.body[0] == (
        "Slow down a little: I take up to 2 messages per person a minute. "
        "Please try again in 45 seconds."
    )
    assert someone_else.kind is later.kind is ReplyKind.ANSWER


async def test_handled_updates_are_remembered_then_pruned(app: App) -> None:
    clock = FakeClock(NOON)
    chats = ChatStore(app.store, clock)

    assert await chats.first_time("telegram", "1:10")
    assert not await chats.first_time("telegram", "1:10")
    assert await chats.first_time("discord", "1:10")  # keys are per platform
    clock.advance(seconds=3 * 86400)  # older than the retention: pruned on a later claim
    assert await chats.first_time("telegram", "1:11")
    assert await chats.first_time("telegram", "1:10")


def test_stats_show_usage_votes_and_coverage_gaps(tmp_path: Path, capsys) -> None:
    db = tmp_path / "stats.sqlite3"
    now = datetime.now(UTC)

    async def converse() -> None:
        async with open_app(load_settings(None), db_path=db) as app:
            old = Core(app.library, chats=ChatStore(app.store, FakeClock(now - timedelta(days=30))))
            await old.handle(tg("who won the 1990 World Cup?"))  # outside the period
            core = Core(app.library, chats=ChatStore(app.store, FakeClock(now)))
            for chat in ("5", "6"):
                await core.handle(tg("who won the 2018 World Cup?", chat=chat, user=chat))
            liked = await core.handle(tg("what does Kim want?"))
            disliked = await core.handle(tg("what does Putin want?", chat="6", user="6"))
            await core.press(tg(""), f"vote:up:{liked.answer_id}")
            await core.press(tg("", chat="6", user="6"), f"vote:down:{disliked.answer_id}")
            await core.handle(Message("discord", "9", "9", "who won [b]the 1966[/b] World Cup?"))

    asyncio.run(converse())
    assert main(["stats", "--db", str(db), "--days", "7"]) == 0
    out = capsys.readouterr().out

    assert "Questions in the last 7 days" in out
    assert "Questions a day" in out
    top = out[out.index("Top questions") : out.index("Coverage gaps")]
    assert top.index("who won the 2018 World Cup?") < top.index("what does Kim want?")  # 2 > 1
    telegram = next(line for line in out.splitlines() if "telegram" in line)
    cells = [cell.strip() for cell in telegram.split("│")[1:7]]
    assert cells == ["telegram", "4", "2", "50%", "1", "1"]
    gaps = [line for line in out.splitlines() if "World Cup" in line or "Putin" in line]
    assert "2018" in gaps[0]  # asked twice, abstained twice: first
    assert "what does Putin want?" in gaps[1]
    assert "1990" not in out
    assert "[b]the 1966[/b]" in out  # user text is printed, not read as markup


@pytest.mark.parametrize("days", ["0", "-1"])
def test_stats_refuses_an_empty_period(tmp_path: Path, days: str, capsys) -> None:
    assert main(["stats", "--db", str(tmp_path / "s.sqlite3"), "--days", days]) == 2


async def test_the_question_log_keeps_questions_for_the_retention_only(app: App) -> None:
    clock = FakeClock(NOON)
    chats = ChatStore(app.store, clock, question_days=7)
    old = await chats.record_answer(
        "telegram", "5", "5", "old question", 0, abstained=False, latency_ms=1
    )
    clock.advance(seconds=8 * 86400)  # a week and a day later the next question prunes it
    new = await chats.record_answer(
        "telegram", "5", "5", "new question", 0, abstained=False, latency_ms=1
    )

    assert await chats.question(old) is None
    assert (await chats.question(new)) is not None
