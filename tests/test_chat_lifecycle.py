"""A chat's digest follows it: a migrated group keeps its subscription, a blocked one stops."""

from __future__ import annotations

from bot.app import App
from bot.core.model import Message


def tg(text: str, chat: str) -> Message:
    return Message("telegram", chat, "1", text, is_private=False)


async def test_a_migrated_group_keeps_its_digest_under_the_new_id(app: App) -> None:
    await app.core.handle(tg("/subscribe 08:00 Europe/Berlin", "-5"))
    await app.core.chat_moved("telegram", "-5", "-1005")

    moved = await app.subscriptions.get("telegram", "-1005")
    assert await app.subscriptions.get("telegram", "-5") is None
    assert moved is not None
    assert (moved.local_time, moved.timezone, moved.active) == ("08:00", "Europe/Berlin", True)


async def test_a_chat_that_blocks_the_bot_stops_its_digest(app: App) -> None:
    await app.core.handle(tg("/subscribe 07:30 UTC", "42"))
    await app.core.chat_unreachable("telegram", "42", "Forbidden: bot was blocked by the user")

    sub = await app.subscriptions.get("telegram", "42")
    assert sub is not None
    assert not sub.active
    assert "blocked" in sub.last_result
