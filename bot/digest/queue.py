"""The paced send queue: a few workers take claimed digests, wait for the platform's pacing,
send, retry temporary errors with backoff, and record the outcome on the delivery row.

Several workers, so one slow or failing chat never holds up the rest; the pacer (shared)
keeps all of them together under the platform's limits. Answers to questions never pass
through here, so a 08:00 fan-out does not delay them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.core.clock import Clock
from bot.core.delivery import DeliveryError, Sender
from bot.core.model import Reply
from bot.digest.pacing import Pacer
from bot.digest.store import Subscription, SubscriptionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    sub: Subscription
    day: date
    reply: Reply
    seen_sources: tuple[str, ...]


class DeliveryQueue:
    """`start()` the workers, `put()` claimed digests, `join()` to wait, `aclose()` to stop.

    A digest whose worker is cancelled mid-send (shutdown, crash) stays 'claimed' in the
    store and is retried once the claim is stale."""

    def __init__(
        self,
        subscriptions: SubscriptionStore,
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

    def put(self, item: Outgoing) -> None:
        self._queue.put_nowait(item)

    async def join(self) -> None:
        """Wait until everything queued so far has been sent or given up on."""
        await self._queue.join()

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._send(item)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not kill the worker; the claim goes stale
                log.exception("digest for %s failed unexpectedly", item.sub.key)
            finally:
                self._queue.task_done()

    async def _send(self, item: Outgoing) -> None:
        sub, sender = item.sub, self._senders[item.sub.platform]
        reason = ""
        for attempt in range(1, self._attempts + 1):
            await self._pacer.acquire(sub.target)
            try:
                await sender.send(sub.target, item.reply)
            except DeliveryError as err:
                reason = err.reason
                if err.permanent:
                    log.warning("digest to %s failed for good (%s); unsubscribing", sub.key, reason)
                    now = self._clock.now()
                    await self._subs.finish(sub, item.day, "failed", reason, now)
                    await self._subs.deactivate(sub.platform, sub.chat_id, reason, now)
                    self._on_outcome("failed")
                    return
                if attempt < self._attempts:
                    delay = self._backoff * 2 ** (attempt - 1)
                    log.info("digest to %s: %s; retry in %.0fs", sub.key, reason, delay)
                    await self._clock.sleep(delay)
                continue
            await self._subs.finish(
                sub, item.day, "sent", "", self._clock.now(), seen_sources=item.seen_sources
            )
            self._on_outcome("sent")
            return
        log.warning("digest to %s failed after %d tries: %s", sub.key, self._attempts, reason)
        await self._subs.finish(sub, item.day, "failed", reason, self._clock.now())
        self._on_outcome("failed")
