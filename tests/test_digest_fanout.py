"""Hundreds of chats due at the same minute, delivered through the real Telegram adapter (PTB)
and the fake Bot API server, paced by token buckets on a fake clock (no real waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fakes.clock import FakeClock
from fakes.telegram_api import running_fake_telegram

from bot.adapters.platforms import SEND_LIMITS
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.config import DigestSettings
from bot.core.delivery import ChatTarget
from bot.core.model import Reply
from bot.digest.scheduler import DigestScheduler
from bot.digest.store import Subscription

CHATS = 200  # bench/digest_fanout.py runs 1,000 in real time
BLOCKED = 5


class Timed:
    """Wraps the adapter's sender to note (fake) send times, for checking the pacing."""

    def __init__(self, inner: TelegramAdapter, clock: FakeClock) -> None:
        self.platform = inner.platform
        self._inner, self._clock = inner, clock
        self.times: list[float] = []

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        self.times.append(self._clock.now().timestamp())
        await self._inner.send(target, reply)


async def test_many_digests_at_0800_all_arrive_within_telegram_limits(app: App):
    berlin = ZoneInfo("Europe/Berlin")
    clock = FakeClock(datetime(2024, 5, 6, 8, 0, tzinfo=berlin))
    yesterday = clock.now() - timedelta(days=1)
    for n in range(1, CHATS + 1):
        sub = Subscription("telegram", str(n), None, "08:00", "Europe/Berlin")
        await app.subscriptions.subscribe(sub, yesterday)
    async with running_fake_telegram() as fake:
        fake.block_chat(BLOCKED)
        adapter = TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url)
        await adapter.start()
        timed = Timed(adapter, clock)
        scheduler = DigestScheduler(
            app.subscriptions,
            app.digests,
            {"telegram": timed},
            DigestSettings(),
            clock=clock,
            limits=SEND_LIMITS,
        )
        started = clock.now()
        try:
            await scheduler.start()  # all 1,000 are due now: queued by the start-up catch-up
            await scheduler.drain()
        finally:
            await scheduler.aclose()
            await adapter.aclose()
        delivered = {m["chat"]["id"] for m in fake.sent}
    assert delivered == set(range(1, CHATS + 1)) - {BLOCKED}
    assert all(m["text"].startswith("Briefing — Monday 6 May 2024") for m in fake.sent)
    limits = SEND_LIMITS["telegram"]
    times = sorted(timed.times)
    per_second = max(
        sum(1 for t in times[i : i + 60] if t < start + 1.0) for i, start in enumerate(times)
    )
    assert per_second <= 30  # Telegram's limit, with headroom for answers
    elapsed = (clock.now() - started).total_seconds()
    assert elapsed >= (CHATS - limits.overall_burst) / limits.overall - 1
    blocked = await app.subscriptions.get("telegram", str(BLOCKED))
    assert not blocked.active
    assert "blocked" in blocked.last_result
