"""Exactly once, really: fencing tokens on digest claims, leases renewed while a sender waits,
and a property test over interleavings of two senders, slow sends and crashes.

Real SQLite file (two connections = two processes), the real scheduler, queue and pacer; the
only stand-in is the platform, at the `Sender` boundary, and time (a discrete-event clock).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from digest_helpers import RecordingSender, scheduler_for, subscribe
from fakes.clock import FakeClock
from fakes.sim_clock import SimClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.config import DigestSettings
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.model import Reply
from bot.digest.scheduler import RENEW_JOB, DigestScheduler
from bot.digest.store import Subscription, SubscriptionStore
from bot.migrations import open_store
from knowledge.store import Store

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2024, 5, 6)
STALE_MINUTES = 10.0


def at_eight() -> datetime:
    return datetime(2024, 5, 6, 8, 0, tzinfo=BERLIN)


# -- the fencing token, step by step ----------------------------------------------------------


async def test_a_takeover_bumps_the_token_and_fences_out_the_old_holder(app: App):
    clock = FakeClock(at_eight())
    sub = await subscribe(app, "1", "08:00", "Europe/Berlin", clock.now() - timedelta(days=1))
    stale = timedelta(minutes=STALE_MINUTES)
    first = await app.subscriptions.claim(sub, DAY, clock.now(), stale)
    assert first is not None
    assert first.token == 1
    assert await app.subscriptions.claim(sub, DAY, clock.now(), stale) is None  # held
    clock.advance(minutes=11)
    second = await app.subscriptions.claim(sub, DAY, clock.now(), stale)
    assert second is not None
    assert second.token == 2
    # the old holder can neither renew nor record; the new one can
    assert await app.subscriptions.renew([first, second], clock.now()) == [False, True]
    assert not await app.subscriptions.finish(first, "sent", "", clock.now())
    delivery = await app.subscriptions.delivery("telegram", "1", DAY)
    assert (delivery.status, delivery.generation) == ("claimed", 2)
    assert await app.subscriptions.finish(second, "sent", "", clock.now())
    assert (await app.subscriptions.delivery("telegram", "1", DAY)).status == "sent"


async def test_a_digest_whose_claim_went_stale_in_the_queue_is_not_sent_twice(app: App):
    """The issue's fault: the queue is long, a claim goes stale before its turn, another copy
    takes it over and sends; the first copy must then give up instead of sending again."""
    clock = FakeClock(at_eight())
    await subscribe(app, "1", "08:00", "Europe/Berlin", clock.now() - timedelta(days=1))
    other_store = await open_store(app.store.path)
    sender = RecordingSender(clock)
    slow = scheduler_for(app.subscriptions, app.digests, sender, clock)
    other = scheduler_for(SubscriptionStore(other_store), app.digests, sender, clock)
    try:
        assert await slow.fire("telegram", "1")  # claimed and queued; its workers are busy
        clock.advance(minutes=11)
        other.queue.start()
        await other.catch_up()  # the claim looks abandoned: taken over, sent
        await other.drain()
        slow.queue.start()  # the first copy's worker finally gets to it
        await slow.drain()
    finally:
        await asyncio.gather(slow.aclose(), other.aclose())
        await other_store.aclose()
    assert len(sender.to("1")) == 1
    delivery = await app.subscriptions.delivery("telegram", "1", DAY)
    assert (delivery.status, delivery.generation) == ("sent", 2)


async def test_the_sweep_keeps_the_lease_of_a_send_waiting_on_flood_control(app: App):
    """A send stuck longer than the lease (flood control, slow network) keeps its claim as long
    as its process sweeps: the other copy does not take it over and send it too."""
    clock = FakeClock(at_eight())
    await subscribe(app, "1", "08:00", "Europe/Berlin", clock.now() - timedelta(days=1))
    other_store = await open_store(app.store.path)
    release = asyncio.Event()
    waiting = RecordingSender(clock, hold={"1": release})
    sender = RecordingSender(clock)
    one = scheduler_for(app.subscriptions, app.digests, waiting, clock)
    two = scheduler_for(SubscriptionStore(other_store), app.digests, sender, clock)
    try:
        one.queue.start()
        two.queue.start()
        await one.catch_up()
        async with asyncio.timeout(5):
            await waiting.arrived.wait()  # the send is in flight, waiting
        for _ in range(4):  # 20 minutes: twice the lease
            clock.advance(minutes=STALE_MINUTES / 2)
            await one.sweep()  # renews what it holds
            await two.catch_up()
            await two.drain()
        release.set()
        await one.drain()
    finally:
        await asyncio.gather(one.aclose(), two.aclose())
        await other_store.aclose()
    assert sender.sent == []
    assert len(waiting.to("1")) == 1
    assert (await app.subscriptions.delivery("telegram", "1", DAY)).status == "sent"


async def test_a_running_copy_renews_its_claims_on_a_job_of_its_own(app: App):
    clock = FakeClock(at_eight())
    await subscribe(app, "1", "08:00", "Europe/Berlin", clock.now() - timedelta(days=1))
    release = asyncio.Event()
    waiting = RecordingSender(clock, hold={"1": release})
    scheduler = scheduler_for(app.subscriptions, app.digests, waiting, clock)
    await scheduler.start()  # catch-up claims today's digest and starts sending it
    try:
        async with asyncio.timeout(5):
            await waiting.arrived.wait()
        clock.advance(minutes=STALE_MINUTES * 0.6)
        await scheduler.resync()  # re-syncing the chats' jobs keeps the renewal job
        job = scheduler.job(RENEW_JOB)
        assert job is not None
        assert job.trigger.interval == timedelta(minutes=STALE_MINUTES / 3)
        renewed, renew = asyncio.Event(), job.func

        async def renew_and_tell() -> None:
            await renew()
            renewed.set()

        job.modify(func=renew_and_tell, next_run_time=datetime.now(UTC))  # APScheduler runs it
        async with asyncio.timeout(5):
            await renewed.wait()
        delivery = await app.subscriptions.delivery("telegram", "1", DAY)
        assert delivery.claimed_at == clock.now().isoformat(timespec="seconds")
    finally:
        release.set()
        await scheduler.drain()
        await scheduler.aclose()
    assert len(waiting.to("1")) == 1


# -- the property: two senders, slow sends, lost responses, crashes ---------------------------


@dataclass(frozen=True)
class Outcome:
    """What the platform does with one send call: `kind` after `seconds` of (simulated) time.

    ok: arrives after `seconds` (a slow network, or flood control waited out in the adapter);
    fail: does not arrive, a temporary error; lost: arrives, but the response is lost (the
    sender sees a timeout: it cannot know, retries, and may send twice - at-least-once)."""

    kind: str
    seconds: float


@dataclass
class Platform:
    """The `Sender` boundary: plays the drawn outcomes in order, then everything arrives."""

    clock: SimClock
    script: list[Outcome]
    platform: str = "telegram"
    arrived: list[tuple[str, datetime]] = field(default_factory=list)
    lost: dict[str, int] = field(default_factory=dict)
    faults_until: datetime | None = None

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        faulty = self.faults_until is None or self.clock.now() < self.faults_until
        outcome = self.script.pop(0) if self.script and faulty else Outcome("ok", 0.5)
        if outcome.kind == "lost":
            self.arrived.append((target.chat_id, self.clock.now()))
            self.lost[target.chat_id] = self.lost.get(target.chat_id, 0) + 1
        await self.clock.sleep(outcome.seconds)
        if outcome.kind == "ok":
            self.arrived.append((target.chat_id, self.clock.now()))
        elif outcome.kind in ("fail", "lost"):
            raise DeliveryError("network: TimedOut", permanent=False)


@dataclass
class Copy:
    """One running copy of the bot: its own connections to the shared file, and a scheduler."""

    store: Store
    scheduler: DigestScheduler
    life: int


class Simulation:
    """Runs copies of the scheduler against one database file on simulated time: sweeps every
    half lease as in `run`, crashes and restarts as drawn, and the platform's outcomes."""

    def __init__(self, path: Path, app: App, clock: SimClock, platform: Platform) -> None:
        self.path, self.app, self.clock, self.platform = path, app, clock, platform
        self.copies: dict[int, Copy] = {}
        self.events: list[tuple[datetime, int, str, int, int]] = []  # time, seq, kind, copy, life
        self._seq = itertools.count()
        self._lives = itertools.count(1)
        self.settings = DigestSettings(stale_claim_minutes=STALE_MINUTES, send_attempts=10)

    def at(self, when: datetime, kind: str, copy: int, life: int = 0) -> None:
        heapq.heappush(self.events, (when, next(self._seq), kind, copy, life))

    async def start(self, copy: int) -> None:
        store = await open_store(self.path)
        scheduler = DigestScheduler(
            SubscriptionStore(store),
            self.app.digests,
            {"telegram": self.platform},
            self.settings,
            clock=self.clock,
            workers=1,
        )
        life = next(self._lives)
        self.copies[copy] = Copy(store, scheduler, life)
        scheduler.queue.start()
        await scheduler.catch_up()  # what `start()` does, without APScheduler's real clock
        self.at(self.clock.now() + scheduler.stale / 2, "sweep", copy, life)

    async def crash(self, copy: int) -> None:
        running = self.copies.pop(copy, None)
        if running is not None:
            await running.scheduler.aclose()  # cancelled wherever it was: mid-wait, mid-send
            await running.store.aclose()

    def quiet(self) -> bool:
        """Every copy's worker is idle or waiting on the clock (not on a thread or a lock)."""
        queues = [c.scheduler.queue for c in self.copies.values()]
        return sum(q.busy for q in queues) == self.clock.sleeping and all(
            q.unfinished == q.busy or q.busy == q.workers for q in queues
        )

    async def settle(self) -> None:
        async with asyncio.timeout(10):
            while not self.quiet():
                self.clock.changed.clear()
                waits = [asyncio.ensure_future(self.clock.changed.wait())]
                for running in self.copies.values():
                    if running.scheduler.queue.unfinished:
                        waits.append(asyncio.ensure_future(running.scheduler.queue.join()))
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for wait in waits:
                        wait.cancel()

    async def finished(self) -> bool:
        """Nothing left to happen: no crash or restart ahead, nobody sending or waiting, and
        no delivery still claimed."""
        if any(kind != "sweep" for _, _, kind, _, _ in self.events) or self.clock.sleeping:
            return False
        if any(c.scheduler.queue.unfinished for c in self.copies.values()) or not self.copies:
            return False
        store = next(iter(self.copies.values())).store
        return not await store.read("SELECT 1 FROM deliveries WHERE status = 'claimed'")

    async def run(self, until: datetime, *, after: datetime) -> None:
        """Run to `until`, or stop early once `finished()` after `after` (the faults' end)."""
        for _ in range(100_000):  # bounded: each turn wakes a sleeper or runs an event
            await self.settle()
            if self.clock.now() >= after and await self.finished():
                return
            wake = self.clock.next_wake()
            event = self.events[0][0] if self.events else None
            if event is not None and (wake is None or event <= wake):
                if event > until:
                    return
                when, _, kind, copy, life = heapq.heappop(self.events)
                self.clock.set(when)
                await self.handle(kind, copy, life)
            elif wake is not None and wake <= until:
                self.clock.wake_next()
            else:
                return
        raise AssertionError("the simulation did not finish")

    async def handle(self, kind: str, copy: int, life: int) -> None:
        running = self.copies.get(copy)
        if kind == "sweep" and running is not None and running.life == life:
            await running.scheduler.sweep()
            self.at(self.clock.now() + running.scheduler.stale / 2, "sweep", copy, life)
        elif kind == "crash":
            await self.crash(copy)
        elif kind == "restart" and running is None:
            await self.start(copy)

    async def aclose(self) -> None:
        for copy in list(self.copies):
            await self.crash(copy)


outcomes = st.builds(
    Outcome,
    st.sampled_from(["ok", "ok", "fail", "lost"]),
    st.sampled_from([0.2, 5.0, 45.0, 240.0, 700.0, 1500.0]),  # up to 2.5 leases
)
crashes = st.lists(
    st.tuples(
        st.integers(0, 1),  # which copy
        st.floats(0, 3600),  # when, seconds into the fault hour
        st.floats(0, 1200),  # down for
    ),
    max_size=3,
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chats=st.integers(1, 4),
    script=st.lists(outcomes, max_size=8),
    crash_plan=crashes,
    offset=st.floats(0, STALE_MINUTES * 60 / 2),
)
async def test_two_senders_with_slow_sends_and_crashes_send_each_digest_once(
    app: App,
    tmp_path: Path,
    chats: int,
    script: list[Outcome],
    crash_plan: list[tuple[int, float, float]],
    offset: float,
):
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    clock = SimClock(at_eight())
    start = clock.now()
    platform = Platform(clock, list(script), faults_until=start + timedelta(hours=1))
    seed = await open_store(path)
    for n in range(1, chats + 1):
        sub = Subscription("telegram", str(n), None, "08:00", "Europe/Berlin")
        await SubscriptionStore(seed).subscribe(sub, start - timedelta(days=1))
    await seed.aclose()
    sim = Simulation(path, app, clock, platform)
    try:
        await sim.start(0)
        clock.set(start + timedelta(seconds=offset))  # the second copy starts a bit later
        await sim.start(1)
        for copy, when, down in crash_plan:
            sim.at(start + timedelta(seconds=when), "crash", copy)
            sim.at(start + timedelta(seconds=when + down), "restart", copy)
        await sim.run(until=start + timedelta(hours=3), after=platform.faults_until)
        statuses = [
            await sim.copies[0].store.read(
                "SELECT status FROM deliveries WHERE chat_id = ?", (str(n),)
            )
            for n in range(1, chats + 1)
        ]
    finally:
        await sim.aclose()
    for n in range(1, chats + 1):
        chat = str(n)
        sent = sum(1 for c, _ in platform.arrived if c == chat)
        # at most once per claim; only a send whose response was lost can repeat
        assert sent <= 1 + platform.lost.get(chat, 0), (chat, platform.arrived)
        # and once the faults stop, every digest has gone out
        assert sent >= 1, (chat, platform.arrived)
        assert statuses[n - 1] == [("sent",)]


def test_sim_clock_sleepers_overlap():
    async def main() -> list[tuple[str, float]]:
        clock = SimClock(at_eight())
        woke: list[tuple[str, float]] = []

        async def nap(name: str, seconds: float) -> None:
            await clock.sleep(seconds)
            woke.append((name, (clock.now() - at_eight()).total_seconds()))

        tasks = [asyncio.create_task(nap("a", 5)), asyncio.create_task(nap("b", 3))]
        await asyncio.sleep(0)
        while clock.sleeping:
            clock.wake_next()
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        return woke

    assert asyncio.run(main()) == [("b", 3.0), ("a", 5.0)]
