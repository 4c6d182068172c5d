"""Shared pieces of the digest tests: a recording sender and a scheduler on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fakes.clock import FakeClock

from bot.app import App
from bot.config import DigestSettings
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.model import Reply
from bot.digest.scheduler import DigestScheduler
from bot.digest.store import Subscription, SubscriptionStore
from knowledge.digest import DigestBuilder


@dataclass
class Sent:
    target: ChatTarget
    reply: Reply
    at: datetime


@dataclass
class RecordingSender:
    """A `Sender` that keeps what it was given; `fail` decides per target what goes wrong."""

    clock: FakeClock
    platform: str = "telegram"
    sent: list[Sent] = field(default_factory=list)
    fail: Callable[[ChatTarget], DeliveryError | None] = lambda target: None
    hold: dict[str, asyncio.Event] = field(default_factory=dict)  # chat id -> released when set
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        self.arrived.set()
        if target.chat_id in self.hold:
            await self.hold[target.chat_id].wait()
        if (error := self.fail(target)) is not None:
            raise error
        self.sent.append(Sent(target, reply, self.clock.now()))

    def to(self, chat_id: str) -> list[Sent]:
        return [s for s in self.sent if s.target.chat_id == chat_id]


def scheduler_for(
    subs: SubscriptionStore,
    builder: DigestBuilder,
    sender: RecordingSender,
    clock: FakeClock,
    **settings: float,
) -> DigestScheduler:
    return DigestScheduler(
        subs, builder, {sender.platform: sender}, DigestSettings(**settings), clock=clock
    )


async def subscribe(
    app_or_subs: App | SubscriptionStore,
    chat_id: str,
    hhmm: str,
    tz: str,
    now: datetime,
    *,
    quiet: bool = False,
) -> Subscription:
    subs = app_or_subs.subscriptions if isinstance(app_or_subs, App) else app_or_subs
    return await subs.subscribe(Subscription("telegram", chat_id, None, hhmm, tz, quiet), now)
