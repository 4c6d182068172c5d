"""Sending to Telegram with bounded retries, and reporting unreachable or moved chats.

429 flood control waits what Telegram asks (up to MAX_RETRY_AFTER); timeouts, network errors
and 5xx are retried with backoff; BadRequest (PTB makes it a NetworkError) is our mistake and
is raised, never retried. A 403 means the bot was blocked or removed: the core marks the chat
inactive. ChatMigrated: the core moves the chat's state and the message goes to the new id.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.adapters.telegram.html import keyboard, render_html
from bot.core.core import Core
from bot.core.delivery import ChatTarget, DeliveryError, chat_is_gone
from bot.core.model import Reply

log = logging.getLogger(__name__)
T = TypeVar("T")

SEND_ATTEMPTS = 3
MAX_RETRY_AFTER = 60.0  # seconds; a longer flood wait is logged and the message dropped
BACKOFF = 0.5  # seconds before the first retry after a timeout or network error; doubles
TYPING_REFRESH = 4.5  # seconds; Telegram shows "typing…" for 5 s or until the next message


class TelegramSender:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def typing(self, bot: Bot, chat_id: int, thread: int | None) -> int | None:
        """Show "typing…"; returns the chat to answer in (a migrated group's new id), or None
        when the bot is blocked there, so there is no point answering.

        One attempt only: the indicator is cosmetic, and the answer has its own retries.
        """
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread)
        except Forbidden as err:
            log.info("chat %s is unreachable (%s); not answering", chat_id, err.message)
            await self._core.chat_unreachable("telegram", str(chat_id), err.message)
            return None
        except ChatMigrated as err:
            await self._core.chat_moved("telegram", str(chat_id), str(err.new_chat_id))
            return err.new_chat_id
        except TelegramError as err:
            log.info("typing indicator failed: %s", type(err).__name__)
        return chat_id

    @contextlib.asynccontextmanager
    async def typing_while_slow(
        self, bot: Bot, chat_id: int, thread: int | None, after: float
    ) -> AsyncIterator[None]:
        """Show "typing…" once the block has taken `after` seconds, and keep it up until it ends.

        An answer that arrives within a blink needs no indicator (it would be replaced before
        anyone saw it, at the cost of one more Bot API call per question); a slow one (the
        model loading, a busy bot) shows that the question was heard. Failures only log: a
        blocked or moved chat is handled when the answer is sent.
        """
        task = asyncio.create_task(self._keep_typing(bot, chat_id, thread, after))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _keep_typing(self, bot: Bot, chat_id: int, thread: int | None, after: float) -> None:
        await asyncio.sleep(after)
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread)
            except Exception as err:  # cosmetic: whatever goes wrong, the answer goes on
                log.info("typing indicator failed: %s", type(err).__name__)
                return
            await asyncio.sleep(TYPING_REFRESH)

    async def reply(
        self, bot: Bot, chat_id: int, reply: Reply, reply_to: int, thread: int | None
    ) -> None:
        """Send every chunk in order, the first as a reply, the buttons under the last."""
        chunks = render_html(reply)
        markup = keyboard(reply)
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True)
        for index, chunk in enumerate(chunks):
            here: dict[str, Any] = {
                "reply_parameters": None if index else quote,
                "message_thread_id": thread,
            }
            if index == len(chunks) - 1:
                here["reply_markup"] = markup

            def send(chat: int, chunk: str = chunk, here: dict[str, Any] = here) -> Awaitable[Any]:
                # after a group migration, the old message and topic don't exist in the new chat
                options = here if chat == chat_id else {"reply_markup": here.get("reply_markup")}
                return bot.send_message(
                    chat,
                    chunk,
                    parse_mode=ParseMode.HTML,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    **options,
                )

            if await self.deliver(send, chat_id) is None:
                return

    async def deliver(
        self,
        call: Callable[[int], Awaitable[T]],
        chat_id: int,
        *,
        attempts: int = SEND_ATTEMPTS,
    ) -> T | None:
        """Call the Bot API with bounded retries. None: the chat is unreachable, give up.

        BadRequest is a NetworkError in PTB but is our mistake, so it is raised, never retried.
        A timeout may hide a message that did arrive; a rare duplicate beats a lost answer.
        """
        migrated = False
        for attempt in range(1, attempts + 1):
            final = attempt == attempts
            try:
                return await call(chat_id)
            except BadRequest:
                raise
            except ChatMigrated as err:
                if migrated:
                    raise
                await self._core.chat_moved("telegram", str(chat_id), str(err.new_chat_id))
                migrated, chat_id = True, err.new_chat_id
                log.info("group migrated to a supergroup; sending there")
            except Forbidden as err:
                log.info("chat %s is unreachable (%s); not sending", chat_id, err.message)
                await self._core.chat_unreachable("telegram", str(chat_id), err.message)
                return None
            except RetryAfter as err:
                wait = _seconds(err.retry_after)
                if final or wait > MAX_RETRY_AFTER:
                    log.warning("flood control: retry after %.0fs; dropping", wait)
                    return None
                await asyncio.sleep(wait)
            except NetworkError as err:  # includes TimedOut
                if final:
                    raise
                log.info("network error (%s); retrying", type(err).__name__)
                await asyncio.sleep(BACKOFF * 2 ** (attempt - 1))
        return None

    async def unprompted(self, bot: Bot, target: ChatTarget, reply: Reply) -> None:
        """Send a reply nobody asked for just now (the daily digest), with the same renderer
        and retries as answers; raise DeliveryError (permanent: blocked, chat gone)."""
        chat_id = int(target.chat_id)
        thread = int(target.thread_id) if target.thread_id else None
        markup = keyboard(reply)
        chunks = render_html(reply)
        for index, chunk in enumerate(chunks):

            async def call(chat: int, chunk: str = chunk, last: bool = index == len(chunks) - 1):
                try:
                    return await bot.send_message(
                        chat,
                        chunk,
                        parse_mode=ParseMode.HTML,
                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                        message_thread_id=thread if chat == chat_id else None,
                        reply_markup=markup if last else None,
                    )
                except Forbidden as err:
                    raise DeliveryError(f"forbidden: {err.message}", permanent=True) from err
                except BadRequest as err:  # retrying now won't help; only a gone chat ends it
                    gone = chat_is_gone(err.message)
                    reason = f"bad request: {err.message}"
                    raise DeliveryError(reason, permanent=gone, retry_now=False) from err

            try:
                sent = await self.deliver(call, chat_id)
            except NetworkError as err:
                raise DeliveryError(f"network: {type(err).__name__}", permanent=False) from err
            if sent is None:
                raise DeliveryError("flood control: gave up waiting", permanent=False)


def _seconds(value: dtm.timedelta | float) -> float:
    """RetryAfter.retry_after: a timedelta with PTB_TIMEDELTA=true, else (deprecated) seconds."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
