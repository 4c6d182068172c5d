"""A platform's 400 ends a subscription only when the chat is gone or shuts the bot out; any
other 400 ("message is too long") is logged, not retried today, and tomorrow's digest goes as
usual. Through the real Telegram adapter (PTB) and the fake Bot API server."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fakes.clock import FakeClock
from fakes.telegram_api import running_fake_telegram

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.config import DigestSettings
from bot.core.delivery import chat_is_gone
from bot.digest.scheduler import DigestScheduler
from bot.digest.store import Subscription

CHAT = "77"


async def deliver_once(app: App, description: str) -> tuple[Subscription | None, int]:
    """Subscribe one chat, make its digest's send fail with a 400 of `description`, run the
    scheduler's catch-up; return the subscription afterwards and how many sends were tried."""
    clock = FakeClock(datetime(2024, 5, 6, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    sub = Subscription("telegram", CHAT, None, "08:00", "Europe/Berlin")
    await app.subscriptions.subscribe(sub, clock.now() - timedelta(days=1))
    async with running_fake_telegram() as fake:
        fake.fail_next("sendMessage", status=400, description=description)
        adapter = TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url)
        await adapter.start()
        scheduler = DigestScheduler(
            app.subscriptions, app.digests, {"telegram": adapter}, DigestSettings(), clock=clock
        )
        try:
            await scheduler.start()
            await scheduler.drain()
        finally:
            await scheduler.aclose()
            await adapter.aclose()
        tries = sum(1 for call in fake.calls if call.method.lower() == "sendmessage")
    return await app.subscriptions.get("telegram", CHAT), tries


async def test_a_400_about_the_message_keeps_the_subscription_and_is_not_retried_today(app: App):
    after, tries = await deliver_once(app, "Bad Request: message is too long")
    assert after is not None
    assert after.active
    assert "message is too long" in after.last_result.lower()
    assert tries == 1


async def test_chat_not_found_ends_the_subscription(app: App):
    after, _ = await deliver_once(app, "Bad Request: chat not found")
    assert after is not None
    assert not after.active
    assert "chat not found" in after.last_result.lower()


@pytest.mark.parametrize(
    ("description", "gone"),
    [
        ("Bad Request: chat not found", True),
        ("Forbidden: bot was blocked by the user", True),
        ("Forbidden: bot was kicked from the supergroup chat", True),
        ("Forbidden: user is deactivated", True),
        ("Bad Request: message is too long", False),
        ("Bad Request: can't parse entities: unexpected end tag", False),
        ("Bad Request: TOPIC_CLOSED", False),
    ],
)
def test_only_a_gone_chat_counts_as_gone(description: str, gone: bool):
    assert chat_is_gone(description) is gone
