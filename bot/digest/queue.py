"""The paced send queue: a few workers take claimed digests, wait for the platform's pacing,
send, retry temporary errors with backoff, and record the outcome on the delivery row.

Several workers, so one slow or failing chat never holds up the rest; the pacer (shared)
keeps all of them together under the platform's limits. Answers to questions never pass
through here, so a 08:00 fan-out does not delay them.

Every digest here is held under a claim with a fencing token (bot/digest/store.py). Before each
send attempt the worker renews the claim under its token; if the claim was taken over (this
process stalled, or its lease ran out while the digest waited), it gives up without sending.
`renew_held()` (the scheduler's renewal job, every third of the lease) keeps the leases of
everything queued or in flight alive, however long pacing, flood control or the network take.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.clock import Clock
from bot.core.delivery import DeliveryError, Sender
from bot.core.model import Reply
from bot.digest.pacing import Pacer
from bot.digest.store import Claim, Subscription
from bot.storage import Subscriptions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    claim: Claim
    reply: Reply
    seen_sources: tuple[str, ...]
    looked_at: datetime | None = None  # what it shows arrived up to then (the build time)

    @property
    def sub(self) -> Subscription:
        return self.claim.sub

    @property
    def day(self) -> date:
        return self.claim.day


class DeliveryQueue:
    """`start()` the workers, `put()` claimed digests, `join()` to wait, `aclose()` to stop.

    A digest whose worker is cancelled mid-send (shutdown, crash) stays 'claimed' in the
    store; nobody renews it any more, so once it is stale another sweep takes it over."""

    def __init__(
        self,
        subscriptions: Subscriptions,
        senders: Mapping[str, Sender],
        pacer: Pacer,
        clock: Clock,
        *,
        workers: int = 8,
        attempts: int = 4,
        backoff: float = 2.0,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self._subs = subscriptions
        self._on_outcome = on_outcome or (lambda status: None)  # "sent" | "failed" (metrics)
        self._senders = senders
        self._pacer = pacer
        self._clock = clock
        self._workers = workers
        self._attempts = attempts
        self._backoff = backoff
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._held: dict[tuple[str, date, int], Claim] = {}  # queued or being sent
        self._busy = 0

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def busy(self) -> int:
        """Digests a worker has taken and not finished (tests drive the queue by this)."""
        return self._busy

    @property
    def unfinished(self) -> int:
        """Digests queued or being sent."""
        return self._busy + self._queue.qsize()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(), name=f"digest-sender-{n}")
            for n in range(self._workers)
        ]

    async def aclose(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._held.clear()  # no longer renewed: another copy takes them over once stale

    def put(self, item: Outgoing) -> None:
        self._held[item.claim.key] = item.claim
        self._queue.put_nowait(item)

    async def join(self) -> None:
        """Wait until everything queued so far has been sent or given up on."""
        await self._queue.join()

    async def renew_held(self) -> int:
        """Extend the lease of every claim queued or being sent; returns how many were lost
        (taken over: their workers will give up without sending)."""
        claims = list(self._held.values())
        if not claims:
            return 0
        held = await self._subs.renew(claims, self._clock.now())
        lost = [claim for claim, ok in zip(claims, held, strict=True) if not ok]
        for claim in lost:
            self._held.pop(claim.key, None)
        return len(lost)

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            self._busy += 1
            try:
                await self._send(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker; the claim goes stale
                log.exception("digest for %s failed unexpectedly", item.sub.key)
            finally:
                self._held.pop(item.claim.key, None)
                self._busy -= 1
                self._queue.task_done()

    async def _still_ours(self, item: Outgoing) -> bool:
        """Renew the claim under its token: False (and a log line) if it was taken over."""
        if item.claim.key in self._held and (
            await self._subs.renew([item.claim], self._clock.now())
        ) == [True]:
            return True
        log.info("digest for %s: claim taken over by another sender; not sending", item.sub.key)
        return False

    async def _send(self, item: Outgoing) -> None:
        sub, sender = item.sub, self._senders[item.sub.platform]
        reason = ""
        for attempt in range(1, self._attempts + 1):
            if not await self._still_ours(item):  # don't spend pacing on a lost claim
                return
            await self._pacer.acquire(sub.target)
            if not await self._still_ours(item):  # the check right before the send
                return
            try:
                await sender.send(sub.target, item.reply)
            except DeliveryError as err:
                reason = err.reason
                if err.permanent:
                    log.warning("digest to %s failed for good (%s); unsubscribing", sub.key, reason)
                    now = self._clock.now()
                    await self._subs.finish(item.claim, "failed", reason, now)
                    await self._subs.deactivate(sub.platform, sub.chat_id, reason, now)
                    self._on_outcome("failed")
                    return
                if not err.retry_now:
                    log.warning("digest to %s failed (%s); next digest as usual", sub.key, reason)
                    break
                if attempt < self._attempts:
                    delay = self._backoff * 2 ** (attempt - 1)
                    log.info("digest to %s: %s; retry in %.0fs", sub.key, reason, delay)
                    await self._clock.sleep(delay)
                continue
            recorded = await self._subs.finish(
                item.claim,
                "sent",
                "",
                self._clock.now(),
                seen_sources=item.seen_sources,
                looked_at=item.looked_at,
            )
            if not recorded:  # the lease ran out during the send: the new holder may resend
                log.warning("digest to %s sent, but its claim was taken over meanwhile", sub.key)
            self._on_outcome("sent")
            return
        else:
            log.warning("digest to %s failed after %d tries: %s", sub.key, self._attempts, reason)
        await self._subs.finish(item.claim, "failed", reason, self._clock.now())
        self._on_outcome("failed")
