"""When digests go out: local times across DST, once per chat and day, crashes, two copies,
failures. Real APScheduler triggers and a real SQLite file; a fake clock, no sleeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from digest_helpers import RecordingSender, scheduler_for, subscribe
from fakes.clock import FakeClock

from bot.app import App
from bot.core.delivery import DeliveryError
from bot.digest.store import SubscriptionStore
from bot.migrations import open_store

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize(
    ("tz", "hhmm", "first_day", "expected_local"),
    [
        # spring forward (31 Mar) and fall back (27 Oct) in Berlin
        (BERLIN, "08:00", date(2024, 3, 29), ["08:00"] * 5),
        (BERLIN, "08:00", date(2024, 10, 25), ["08:00"] * 5),
        # 02:30 does not exist on 31 Mar: delivered once, an hour later by the summer clock
        (BERLIN, "02:30", date(2024, 3, 29), ["02:30", "02:30", "03:30", "02:30", "02:30"]),
        (NEW_YORK, "08:00", date(2024, 3, 8), ["08:00"] * 5),
        (NEW_YORK, "08:00", date(2024, 11, 1), ["08:00"] * 5),
        # 01:30 happens twice on 3 Nov: the trigger fires twice, the chat gets one digest
        (NEW_YORK, "01:30", date(2024, 11, 1), ["01:30"] * 5),
        (NEW_YORK, "02:30", date(2024, 3, 8), ["02:30", "02:30", "03:30", "02:30", "02:30"]),
    ],
)
async def test_fires_once_a_day_at_local_time_across_dst(
    app: App, tz: str, hhmm: str, first_day: date, expected_local: list[str]
):
    start = local(tz, first_day.year, first_day.month, first_day.day, 0, 1)
    clock = FakeClock(start)
    sub = await subscribe(app, "42", hhmm, tz, start)
    sender = RecordingSender(clock)
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock)
    await scheduler.start()
    try:
        job = scheduler.job(sub)
        assert job is not None
        previous, fires = None, 0
        end = start + timedelta(days=len(expected_local))
        while (fire := job.trigger.get_next_fire_time(previous, clock.now())) < end:
            clock.set(fire)
            await scheduler.fire("telegram", "42")
            await scheduler.drain()
            previous, fires = fire, fires + 1
    finally:
        await scheduler.aclose()
    zone = ZoneInfo(tz)
    days = [s.at.astimezone(zone).date() for s in sender.sent]
    times = [f"{s.at.astimezone(zone):%H:%M}" for s in sender.sent]
    assert days == [first_day + timedelta(days=n) for n in range(len(expected_local))]
    assert times == expected_local
    assert fires == len(expected_local) + (hhmm in ("01:30",) and tz == NEW_YORK)


async def test_a_change_of_subscription_reschedules_without_restart(app: App):
    clock = FakeClock(datetime.now(UTC))
    sender = RecordingSender(clock)
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock)
    await scheduler.start()
    try:
        sub = await subscribe(app, "7", "07:15", "Asia/Seoul", clock.now())
        await scheduler.settled()
        job = scheduler.job(sub)
        assert job is not None
        assert str(job.trigger.timezone) == "Asia/Seoul"
        assert {f.name: str(f) for f in job.trigger.fields}["hour"] == "7"
        # the real AsyncIOScheduler runs the job when it is due (made due now, not at 07:15)
        job.modify(next_run_time=datetime.now(UTC))
        async with asyncio.timeout(5):
            await sender.arrived.wait()
        await scheduler.drain()
        assert len(sender.to("7")) == 1
        await app.subscriptions.deactivate("telegram", "7", "unsubscribed", clock.now())
        await scheduler.settled()
        assert scheduler.job(sub) is None
    finally:
        await scheduler.aclose()


async def test_a_crash_mid_send_is_retried_once_at_the_next_start(app: App):
    clock = FakeClock(local(BERLIN, 2024, 5, 6, 8, 0))
    await subscribe(app, "1", "08:00", BERLIN, clock.now() - timedelta(days=1))
    crashing = RecordingSender(clock, hold={"1": asyncio.Event()})  # never released
    first = scheduler_for(app.subscriptions, app.digests, crashing, clock)
    await first.start()  # catch-up claims today's digest and starts sending it
    async with asyncio.timeout(5):
        await crashing.arrived.wait()
    await first.aclose()  # "crash": the send never finished
    day = date(2024, 5, 6)
    assert (await app.subscriptions.delivery("telegram", "1", day)).status == "claimed"

    sender = RecordingSender(clock)
    second = scheduler_for(app.subscriptions, app.digests, sender, clock, stale_claim_minutes=10)
    await second.start()  # too soon: the claim might belong to a copy that is still sending
    await second.drain()
    assert sender.sent == []
    clock.advance(minutes=11)
    await second.sweep()
    await second.drain()
    await second.sweep()  # and only once
    await second.drain()
    await second.aclose()
    assert len(sender.to("1")) == 1
    delivery = await app.subscriptions.delivery("telegram", "1", day)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


async def test_two_schedulers_on_one_database_file_deliver_once(app: App):
    clock = FakeClock(local(NEW_YORK, 2024, 5, 6, 9, 0))
    for chat in ("1", "2", "3"):
        await subscribe(app, chat, "09:00", NEW_YORK, clock.now() - timedelta(days=1))
    other_store = await open_store(app.store.path)  # a second process: its own connections
    sender = RecordingSender(clock)
    one = scheduler_for(app.subscriptions, app.digests, sender, clock)
    two = scheduler_for(SubscriptionStore(other_store), app.digests, sender, clock)
    try:
        await asyncio.gather(one.start(), two.start())  # both catch up at the same moment
        results = await asyncio.gather(*(s.fire("telegram", "1") for s in (one, two)))
        await asyncio.gather(one.drain(), two.drain())
    finally:
        await asyncio.gather(one.aclose(), two.aclose())
        await other_store.aclose()
    assert sorted(s.target.chat_id for s in sender.sent) == ["1", "2", "3"]
    assert results == [False, False]  # the 09:00 run found today's digest already claimed


async def test_a_failing_chat_does_not_hold_up_the_others(app: App):
    clock = FakeClock(local(BERLIN, 2024, 5, 6, 8, 0))
    for chat in ("slow", "a", "b", "c"):
        await subscribe(app, chat, "08:00", BERLIN, clock.now() - timedelta(days=1))
    release = asyncio.Event()
    sender = RecordingSender(
        clock,
        hold={"slow": release},
        fail=lambda t: DeliveryError("timed out", permanent=False) if t.chat_id == "slow" else None,
    )
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock, send_attempts=3)
    await scheduler.start()
    try:
        async with asyncio.timeout(5):
            while len(sender.sent) < 3:  # the others arrive while "slow" hangs
                sender.arrived.clear()
                await sender.arrived.wait()
        assert {s.target.chat_id for s in sender.sent} == {"a", "b", "c"}
        release.set()
        await scheduler.drain()
    finally:
        await scheduler.aclose()
    slow = await app.subscriptions.get("telegram", "slow")
    assert slow.active
    assert slow.last_result.startswith("failed on 2024-05-06: timed out")
    assert clock.slept >= 2.0 + 4.0  # backoff between the three tries


async def test_a_permanent_failure_unsubscribes_the_chat(app: App, caplog):
    clock = FakeClock(local(BERLIN, 2024, 5, 6, 8, 0))
    sub = await subscribe(app, "gone", "08:00", BERLIN, clock.now() - timedelta(days=1))
    sender = RecordingSender(
        clock, fail=lambda t: DeliveryError("forbidden: bot was blocked", permanent=True)
    )
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock)
    await scheduler.start()
    await scheduler.drain()
    await scheduler.settled()
    try:
        assert scheduler.job(sub) is None
    finally:
        await scheduler.aclose()
    gone = await app.subscriptions.get("telegram", "gone")
    assert not gone.active
    assert "blocked" in gone.last_result
    assert "unsubscribing" in caplog.text


async def test_catch_up_sends_a_recent_miss_and_skips_a_stale_one(app: App):
    clock = FakeClock(local(BERLIN, 2024, 5, 6, 11, 0))
    await subscribe(app, "recent", "08:00", BERLIN, clock.now() - timedelta(days=1))
    await subscribe(app, "old", "02:00", BERLIN, clock.now() - timedelta(days=1))
    await subscribe(app, "later", "18:00", BERLIN, clock.now() - timedelta(days=1))
    sender = RecordingSender(clock)
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock, catch_up_hours=6)
    await scheduler.start()
    await scheduler.drain()
    await scheduler.aclose()
    assert [s.target.chat_id for s in sender.sent] == ["recent"]
    skipped = await app.subscriptions.delivery("telegram", "old", date(2024, 5, 6))
    assert skipped.status == "skipped"
    assert "missed by 9.0 h" in skipped.detail
    assert await app.subscriptions.delivery("telegram", "later", date(2024, 5, 6)) is None


async def test_a_quiet_subscription_skips_days_without_a_new_source(app: App):
    clock = FakeClock(local(BERLIN, 2024, 5, 6, 8, 0))
    await subscribe(app, "q", "08:00", BERLIN, clock.now() - timedelta(days=2), quiet=True)
    sender = RecordingSender(clock)
    scheduler = scheduler_for(app.subscriptions, app.digests, sender, clock)
    await scheduler.start()  # first digest: every source is new to the chat
    await scheduler.drain()
    clock.advance(days=1)
    await scheduler.fire("telegram", "q")
    await scheduler.drain()
    await scheduler.aclose()
    assert len(sender.sent) == 1
    quiet = await app.subscriptions.delivery("telegram", "q", date(2024, 5, 7))
    assert (quiet.status, quiet.detail) == ("skipped", "quiet: no new source")
