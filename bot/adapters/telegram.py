"""The Telegram adapter: python-telegram-bot v22 updates -> one core call -> HTML replies.

It only translates. Who is addressed (private chat, command, mention, reply to the bot) is
decided here; what to answer is the core's job; how it looks is `bot.render.telegram_html`.

The Application is driven in phases (initialize, start, updater.start_polling) rather than
`run_polling`, so it shares the caller's event loop with the rest of the app graph and is shut
down by `aclose`. Updates are processed one at a time (PTB's default), so the order of answers
in a chat is the order of the questions.

The token is a secret: it is never logged, and because it is part of every Bot API URL, the
httpx request log (which prints URLs) is redacted while the adapter runs.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import re
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, BotCommand, LinkPreviewOptions, ReplyParameters, Update
from telegram import Message as TgMessage
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.core import Core
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.model import Message, Reply
from bot.render.telegram_html import keyboard, render_html, valid_action

log = logging.getLogger(__name__)
T = TypeVar("T")

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "What I know and how to ask"),
    ("help", "What I know and how to ask"),
    ("ask", "Ask a question about the sources"),
    ("sources", "List the sources"),
    ("more", "More passages for the last question"),
    ("digest", "Today's digest, now"),
    ("subscribe", "Daily digest here: /subscribe [HH:MM] [Area/City]"),
    ("unsubscribe", "Stop the daily digest"),
    ("settings", "Show this chat's digest settings"),
)
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
SEND_ATTEMPTS = 3
MAX_RETRY_AFTER = 60.0  # seconds; a longer flood wait is logged and the message dropped
BACKOFF = 0.5  # seconds before the first retry after a timeout or network error; doubles


class UpdateDeduper:
    """Remembers the last `size` update ids, so an update Telegram re-sends is handled once.

    In memory only: a restart forgets it, so an update re-delivered across a restart is
    answered again. Keeping the ids in the store (shared by several copies) is future work.
    """

    def __init__(self, size: int = 1024) -> None:
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


class _Redact(logging.Filter):
    """Replaces the token in log records (httpx logs every request URL, token included)."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self._secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._secret in message:
            record.msg, record.args = message.replace(self._secret, "<token>"), ()
        return True


class TelegramAdapter:
    """One bot account: polls Telegram, answers through the core. `start()`, then `aclose()`.

    It is also the digest scheduler's `Sender` for Telegram (`platform`, `send`)."""

    platform = "telegram"

    def __init__(
        self,
        core: Core,
        token: str,
        base_url: str | None = None,
        base_file_url: str | None = None,
    ) -> None:
        self._core = core
        self._token = token
        self._base_url = base_url
        self._base_file_url = base_file_url
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._dedupe = UpdateDeduper()
        self._redact = _Redact(token)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (getMe), publish the command menu, and start polling in this event loop."""
        logging.getLogger("httpx").addFilter(self._redact)
        builder = ApplicationBuilder().token(self._token)
        if self._base_url:
            builder = builder.base_url(self._base_url)
        if self._base_file_url:
            builder = builder.base_file_url(self._base_file_url)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._skip_duplicates), group=-1)
        names = [name for name, _ in COMMANDS]
        app.add_handler(CommandHandler(names, self._on_text, filters.UpdateType.MESSAGE))
        text = filters.UpdateType.MESSAGE & filters.TEXT
        app.add_handler(MessageHandler(text, self._on_text))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_error_handler(self._on_error)
        self._app = app
        await app.initialize()
        try:
            await app.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS])
        except TelegramError as err:  # the menu is a convenience; commands work without it
            log.warning("could not publish the command menu: %s", type(err).__name__)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=dtm.timedelta(seconds=30),
            allowed_updates=["message", "callback_query"],
            error_callback=self._on_polling_error,
        )

    async def aclose(self) -> None:
        """Stop polling and shut PTB down; safe to call twice or after a failed start."""
        app, self._app = self._app, None
        if app is not None:
            try:
                if app.updater is not None and app.updater.running:
                    await app.updater.stop()
                if app.running:
                    await app.stop()
                await app.shutdown()
            finally:
                logging.getLogger("httpx").removeFilter(self._redact)

    # -- handlers --------------------------------------------------------------------------
    async def _skip_duplicates(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._dedupe.first_time(update.update_id):
            log.info("skipping update %s, already handled", update.update_id)
            raise ApplicationHandlerStop

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text or command. Groups: only commands, mentions and replies to the bot."""
        message, bot = update.message, context.bot
        if message is None or message.text is None:
            return
        if message.chat.type != ChatType.PRIVATE:
            is_command = context.args is not None  # CommandHandler matched, @botname checked
            if not (is_command or self._addressed(message, bot)):
                return
        text = _strip_mention(message.text, bot.username)
        thread = _thread(message)
        if not await self._typing(bot, message.chat.id, thread):
            return
        reply = await self._core.handle(self._message(message, text))
        await self._send_reply(bot, message.chat.id, reply, message.message_id, thread)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            await query.answer()
        except TelegramError as err:  # too old, already answered: the press still counts
            log.info("could not answer a callback query: %s", type(err).__name__)
        message = query.message
        if not isinstance(message, TgMessage):  # inaccessible (very old) message
            return
        action = query.data if valid_action(query.data) else ""
        thread = _thread(message)
        core_message = self._message(message, "", user_id=query.from_user.id)
        reply = await self._core.press(core_message, action or "")
        await self._send_reply(context.bot, message.chat.id, reply, message.message_id, thread)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what went wrong (token redacted) and apologise in the chat, if there is one."""
        error = context.error
        details = "".join(traceback.format_exception(error)) if error else "unknown error"
        log.error("error handling a Telegram update: %s", details.replace(self._token, "<token>"))
        if isinstance(update, Update) and update.effective_chat is not None:
            chat_id = update.effective_chat.id
            try:
                await self._deliver(lambda chat: context.bot.send_message(chat, SORRY), chat_id)
            except TelegramError as err:
                log.warning("could not send an apology: %s", type(err).__name__)

    def _on_polling_error(self, error: TelegramError) -> None:
        log.warning("polling failed (%s); PTB retries", type(error).__name__)

    # -- translation -----------------------------------------------------------------------
    @staticmethod
    def _addressed(message: TgMessage, bot: Bot) -> bool:
        """In a group: a mention of the bot, or a reply to one of its messages."""
        replied = message.reply_to_message
        author = replied.from_user if replied is not None else None
        if author is not None and author.id == bot.id:
            return True
        text = message.text or ""
        if re.match(rf"/\w+@{re.escape(bot.username)}(?!\w)", text, re.IGNORECASE):
            return True  # an unknown /command@thisbot: the core answers with a hint
        return _mention_pattern(bot.username).search(text) is not None

    @staticmethod
    def _message(message: TgMessage, text: str, user_id: int | None = None) -> Message:
        sender = user_id if user_id is not None else getattr(message.from_user, "id", "")
        thread = _thread(message)
        return Message(
            platform="telegram",
            chat_id=str(message.chat.id),
            user_id=str(sender),
            text=text,
            thread_id=None if thread is None else str(thread),
            is_private=message.chat.type == ChatType.PRIVATE,
        )

    # -- sending ---------------------------------------------------------------------------
    async def _typing(self, bot: Bot, chat_id: int, thread: int | None) -> bool:
        """Show "typing…"; False when the bot is blocked there, so there is no point answering.

        One attempt only: the indicator is cosmetic, and the answer has its own retries.
        """
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread)
        except Forbidden as err:
            log.info("chat %s is unreachable (%s); not answering", chat_id, err.message)
            return False
        except TelegramError as err:
            log.info("typing indicator failed: %s", type(err).__name__)
        return True

    async def _send_reply(
        self, bot: Bot, chat_id: int, reply: Reply, reply_to: int, thread: int | None
    ) -> None:
        """Send every chunk in order, the first as a reply, the buttons under the last."""
        chunks = render_html(reply)
        markup = keyboard(reply)
        quote = ReplyParameters(reply_to, allow_sending_without_reply=True)
        for index, chunk in enumerate(chunks):
            here = {"reply_parameters": None if index else quote, "message_thread_id": thread}
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

            if await self._deliver(send, chat_id) is None:
                return

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        """Send `reply` to a chat outside any conversation (the daily digest): the `Sender`
        the digest scheduler uses. Same renderer and retries as answers; failures raise
        DeliveryError, permanent when the bot was blocked or the chat is gone."""
        if self._app is None:
            raise DeliveryError("the Telegram adapter is not running", permanent=False)
        bot, chat_id = self._app.bot, int(target.chat_id)
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
                except BadRequest as err:  # "chat not found", "topic closed": retrying won't help
                    raise DeliveryError(f"bad request: {err.message}", permanent=True) from err

            try:
                sent = await self._deliver(call, chat_id)
            except NetworkError as err:
                raise DeliveryError(f"network: {type(err).__name__}", permanent=False) from err
            if sent is None:
                raise DeliveryError("flood control: gave up waiting", permanent=False)

    async def _deliver(
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
                migrated, chat_id = True, err.new_chat_id
                log.info("group migrated to a supergroup; sending there")
            except Forbidden as err:
                log.info("chat %s is unreachable (%s); not sending", chat_id, err.message)
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


def _thread(message: TgMessage) -> int | None:
    """The forum topic of a message; replies in ordinary groups carry no topic."""
    return message.message_thread_id if message.is_topic_message else None


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)@{re.escape(username)}(?!\w)", re.IGNORECASE)


def _strip_mention(text: str, username: str) -> str:
    return " ".join(_mention_pattern(username).sub(" ", text).split())


def _seconds(value: dtm.timedelta | float) -> float:
    """RetryAfter.retry_after: a timedelta with PTB_TIMEDELTA=true, else (deprecated) seconds."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
