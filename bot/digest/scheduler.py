"""When digests go out: one APScheduler `CronTrigger` per active subscription, in its zone.

The database is the source of truth. Jobs are rebuilt from it at start-up, follow
subscribe/unsubscribe at once (the store tells us), and are re-synced by a periodic sweep
that renews the leases of the claims this process holds, retries stale claims (a crashed
copy's) and catches up digests missed while the bot was down.

A job only *claims* today's delivery (one row per chat and local date; a second process's
claim fails) and queues it; `DeliveryQueue` sends it, paced. So a cron trigger that fires twice
(both 01:30s on a fall-back day) or two running copies still deliver once.

APScheduler settings, chosen on purpose:
* `misfire_grace_time` = the catch-up window. The default of 1 s silently drops a job that
  starts slightly late (a busy loop at 08:00 with a thousand jobs); a late digest is still
  wanted, up to the window that start-up catch-up also uses.
* `coalesce=True`: after a suspend, missed runs collapse into one; there is one digest per
  local day anyway.
* `max_instances=1` per chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, timedelta

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import DigestSettings
from bot.core.clock import Clock, SystemClock
from bot.core.delivery import Limits, Sender
from bot.digest.pacing import Pacer
from bot.digest.queue import DeliveryQueue, Outgoing
from bot.digest.reply import digest_reply
from bot.digest.schedule import due_today, local_date, trigger_for, zone
from bot.digest.store import Subscription
from bot.observability.metrics import Metrics
from bot.storage import Subscriptions
from knowledge.collections import Scope
from knowledge.digest import DigestBuilder

log = logging.getLogger(__name__)
SWEEP_JOB = "digest-sweep"
RENEW_JOB = "digest-renew"


class DigestScheduler:
    """`await start()`, `await aclose()`. Subscriptions on platforms without a sender (an
    adapter that is not running) are left alone, unclaimed, for a copy that has one."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        builder: DigestBuilder,
        senders: Mapping[str, Sender],
        settings: DigestSettings,
        *,
        clock: Clock | None = None,
        pacer: Pacer | None = None,
        limits: Mapping[str, Limits] | None = None,
        workers: int = 8,
        backoff: float = 2.0,
        on_outcome: Callable[[str], None] | None = None,
        admits: Callable[[str, str], bool] | None = None,
        scope_of: Callable[[str, str], Awaitable[Scope]] | None = None,
    ) -> None:
        """`admits(platform, chat_id)`: the chat allowlist (`Core.admits`); a subscription of a
        chat outside it (made before the allowlist was set) gets no digest. `limits`: each
        platform's send rates (its row in the platform table), for the pacer."""
        self._admits = admits or (lambda platform, chat_id: True)
        self._scope_of = scope_of  # the chat's collections (`Core.chat_scope`); None: all
        self._subs = subscriptions
        self._builder = builder
        self._senders = dict(senders)
        self._settings = settings
        self._clock = clock or SystemClock()
        self.queue = DeliveryQueue(
            subscriptions,
            self._senders,
            pacer or Pacer(self._clock, limits),
            self._clock,
            workers=workers,
            attempts=settings.send_attempts,
            backoff=backoff,
            on_outcome=on_outcome,
        )
        self._scheduler: AsyncIOScheduler | None = None
        self._unlisten: object = None
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def connected(self) -> bool:
        """Running: the health check."""
        return self._scheduler is not None and self._scheduler.running

    @property
    def catch_up_window(self) -> timedelta:
        return timedelta(hours=self._settings.catch_up_hours)

    @property
    def stale(self) -> timedelta:
        return timedelta(minutes=self._settings.stale_claim_minutes)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the send workers and APScheduler, build the jobs, then catch up."""
        self.queue.start()
        grace = max(60, int(self.catch_up_window.total_seconds()))
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": grace, "coalesce": True, "max_instances": 1},
        )
        scheduler.start()
        self._scheduler = scheduler
        await self.resync()
        lease = self.stale.total_seconds()
        sweep = IntervalTrigger(seconds=lease / 2, timezone=UTC)
        scheduler.add_job(self.sweep, sweep, id=SWEEP_JOB, replace_existing=True)
        # its own job, so a slow sweep (many subscriptions) never delays a renewal: a claim
        # held here is renewed every third of the lease, long before anyone may take it over
        renew = IntervalTrigger(seconds=lease / 3, timezone=UTC)
        scheduler.add_job(self.renew, renew, id=RENEW_JOB, replace_existing=True)
        self._unlisten = self._subs.listen(self._changed)
        await self.catch_up()

    async def aclose(self) -> None:
        unlisten, self._unlisten = self._unlisten, None
        if callable(unlisten):
            unlisten()
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        tasks, self._tasks = self._tasks, set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.queue.aclose()

    # -- jobs ------------------------------------------------------------------------------
    def job(self, sub: Subscription | str) -> Job | None:
        """A subscription's job, or a job by id (SWEEP_JOB, RENEW_JOB)."""
        job_id = sub if isinstance(sub, str) else sub.key
        return self._scheduler.get_job(job_id) if self._scheduler else None

    async def resync(self) -> None:
        """Make the jobs match the database: one per active subscription with a sender."""
        if self._scheduler is None:
            return
        wanted = {s.key: s for s in await self._subs.all() if self._ours(s.platform, s.chat_id)}
        for job in self._scheduler.get_jobs():
            if job.id not in (SWEEP_JOB, RENEW_JOB) and job.id not in wanted:
                job.remove()
        for sub in wanted.values():
            self._schedule(sub)

    def _schedule(self, sub: Subscription) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job(
            self.fire,
            trigger_for(sub),
            args=(sub.platform, sub.chat_id),
            id=sub.key,
            name=f"digest {sub.key} {sub.local_time} {sub.timezone}",
            replace_existing=True,
        )

    def _changed(self, platform: str, chat_id: str) -> None:
        """A subscription changed in this process: update its job without a restart."""
        task = asyncio.get_running_loop().create_task(self._refresh(platform, chat_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh(self, platform: str, chat_id: str) -> None:
        if self._scheduler is None:
            return
        sub = await self._subs.get(platform, chat_id)
        if sub is not None and sub.active and self._ours(platform, chat_id):
            self._schedule(sub)
        elif (job := self._scheduler.get_job(f"{platform}:{chat_id}")) is not None:
            job.remove()

    def _ours(self, platform: str, chat_id: str) -> bool:
        """Ours to deliver: a sender for the platform runs here and the chat is allowed."""
        if platform not in self._senders:
            return False
        if not self._admits(platform, chat_id):
            log.info("no digest for %s:%s: not in access.allowed_chats", platform, chat_id)
            return False
        return True

    # -- delivering ------------------------------------------------------------------------
    async def fire(self, platform: str, chat_id: str) -> bool:
        """The job: claim today's digest for the chat and queue it. False if not ours to send."""
        sub = await self._subs.get(platform, chat_id)
        if sub is None or not sub.active or not self._ours(platform, chat_id):
            return False
        now = self._clock.now()
        day = local_date(sub, now)
        claim = await self._subs.claim(sub, day, now, self.stale)
        if claim is None:
            log.debug("digest for %s on %s already claimed", sub.key, day)
            return False
        try:
            since = sub.looked_at.astimezone(zone(sub.timezone)) if sub.looked_at else None
            scope = await self._scope_of(platform, chat_id) if self._scope_of else None
            digest = await self._builder.build(
                day, sub.seen_sources, since=since, until=now, scope=scope
            )
        except Exception as exc:
            log.exception("could not build the digest for %s", sub.key)
            await self._subs.finish(claim, "failed", f"build error: {exc}", self._clock.now())
            return False
        if sub.quiet and not digest.has_news:
            await self._subs.finish(claim, "skipped", "quiet: no new source", now)
            return False
        seen = tuple(sorted({*sub.seen_sources, *(s.meta.id for s in digest.new_sources)}))
        self.queue.put(Outgoing(claim, digest_reply(digest), seen, now))
        return True

    async def catch_up(self) -> int:
        """Send today's digests that were due but are missing (down, crashed mid-send);
        skip, and record, those later than the catch-up window. Returns how many were queued."""
        queued = 0
        now = self._clock.now()
        for sub in await self._subs.all():
            if not self._ours(sub.platform, sub.chat_id) or (due := due_today(sub, now)) is None:
                continue
            day = local_date(sub, now)
            delivery = await self._subs.delivery(sub.platform, sub.chat_id, day)
            if delivery is not None and delivery.status != "claimed":
                continue
            if now - due <= self.catch_up_window:
                queued += await self.fire(sub.platform, sub.chat_id)
            elif delivery is None and (claim := await self._subs.claim(sub, day, now, self.stale)):
                late = f"missed by {(now - due).total_seconds() / 3600:.1f} h (bot was down)"
                log.warning("digest for %s on %s skipped: %s", sub.key, day, late)
                await self._subs.finish(claim, "skipped", late, now)
        return queued

    async def sweep(self) -> None:
        """Periodic, every half lease: renew what this process holds (as `renew` does), re-read
        the subscriptions (other processes may change them) and catch up, taking over claims
        whose holder stopped renewing them."""
        await self.renew()
        await self.resync()
        await self.catch_up()

    async def renew(self) -> None:
        """Periodic: extend the leases of the digests this process holds (queued, pacing,
        waiting on flood control or the network), so nobody takes them over while we live."""
        lost = await self.queue.renew_held()
        if lost:
            log.warning("%d digest claims were taken over by another copy; not sending them", lost)

    async def settled(self) -> None:
        """Wait until job updates triggered by subscription changes have been applied."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def drain(self) -> None:
        """Wait until every queued digest is sent or given up (CLI, tests, benchmarks)."""
        await self.queue.join()


def build_digest_scheduler(
    subscriptions: Subscriptions,
    builder: DigestBuilder,
    senders: Mapping[str, Sender],
    settings: DigestSettings,
    *,
    metrics: Metrics,
    admits: Callable[[str, str], bool],
    clock: Clock,
    limits: Mapping[str, Limits],
    scope_of: Callable[[str, str], Awaitable[Scope]] | None = None,
) -> DigestScheduler:
    """The scheduler `briefbot run` starts: `senders` maps platform -> a started adapter's
    sender, e.g. {"telegram": telegram_adapter}; each outcome is counted in `metrics`;
    `scope_of(platform, chat_id)`: the collections a chat's digest covers. Start it after the
    adapters, close it before them."""

    def count(status: str) -> None:
        (metrics.digest_sent if status == "sent" else metrics.digest_failed)()

    return DigestScheduler(
        subscriptions,
        builder,
        senders,
        settings,
        clock=clock,
        on_outcome=count,
        admits=admits,
        limits=limits,
        scope_of=scope_of,
    )
