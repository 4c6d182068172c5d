"""PTB update processing that answers different chats at once but each chat in order.

PTB either handles updates one at a time (every chat waits for every other) or, with
`concurrent_updates`, all at once (a quick second question could be answered before the
first). This processor sits between: up to `max_concurrent_updates` updates run at once, and
updates of the same chat (or, for inline queries, the same user) wait for each other in the
order Telegram sent them; asyncio locks are first come, first served.

An update takes one of the `max_concurrent_updates` slots only once its chat's turn has come.
PTB's own limit (a semaphore around `do_process_update`) would also count updates that merely
wait behind an earlier message of their chat, so a few busy chats could hold every slot while
other chats' questions queue behind them. So PTB's limit is set out of the way and the slots
are kept here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

UNLIMITED = 1 << 30  # PTB's semaphore, out of the way (see the module docstring)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        # 1 keeps PTB's strictly sequential path (every update in global order)
        super().__init__(UNLIMITED if max_concurrent_updates > 1 else 1)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, list[int]]] = {}  # key -> lock, [users]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _order_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            users[0] -= 1
            if not users[0]:  # nobody waits: forget the chat, so memory stays bounded
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB awaits in-flight updates before shutting down."""


def _order_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
