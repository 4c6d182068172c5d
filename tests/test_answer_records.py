"""An answered question is recorded in one write: the chat's /more state and the question log
commit together or not at all. Real SQLite through the app's store."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite
import pytest
from fakes.clock import FakeClock

from bot.app import App
from bot.chat_store import ChatStore
from bot.core.model import Message


async def test_an_answer_records_more_state_and_log_together(app: App) -> None:
    chats = ChatStore(app.store)
    question_id = await chats.record_answer(
        "telegram", "5", "7", "what does Kim want?", 3, abstained=False, latency_ms=2.5
    )

    assert await chats.last_question("telegram", "5") == ("what does Kim want?", 3)
    logged = await chats.question(question_id)
    assert logged is not None
    assert (logged.chat_id, logged.question, logged.abstained) == (
        "5",
        "what does Kim want?",
        False,
    )
    assert await chats.last_question_id("telegram", "5") == question_id


async def test_a_failed_log_write_leaves_the_more_state_as_it_was(app: App) -> None:
    chats = ChatStore(app.store)
    await chats.record_answer("telegram", "5", "7", "first", 2, abstained=False, latency_ms=1)
    async with app.store.transaction() as db:  # the writer connection refuses the next log row
        await db.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON questions"
            " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )

    with pytest.raises(aiosqlite.IntegrityError):
        await chats.record_answer("telegram", "5", "7", "second", 4, abstained=False, latency_ms=1)

    assert await chats.last_question("telegram", "5") == ("first", 2)


async def test_recording_answers_still_prunes_old_questions(app: App) -> None:
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    chats = ChatStore(app.store, clock, question_days=7)
    old = await chats.record_answer("telegram", "5", "5", "old", 1, abstained=False, latency_ms=1)
    clock.advance(days=8)
    new = await chats.record_answer("telegram", "5", "5", "new", 1, abstained=True, latency_ms=1)

    assert await chats.question(old) is None
    assert await chats.question(new) is not None


async def test_a_question_then_more_through_the_core(app: App) -> None:
    asked = Message("telegram", chat_id="9", user_id="9", text="what does Kim want?")
    answer = await app.core.handle(asked)
    more = await app.core.handle(Message("telegram", chat_id="9", user_id="9", text="/more"))

    assert answer.answer_id is not None
    assert more.answer_id == answer.answer_id  # the votes under "more" count for the question
    assert [s.platform for s in (await ChatStore(app.store).stats(1)).platforms] == ["telegram"]
