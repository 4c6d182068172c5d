"""The Telegram adapter: python-telegram-bot v22 updates -> one core call -> HTML replies.

It only translates. Who is addressed (private chat, command, mention, reply to the bot) is
decided here; what to answer is the core's job; how it looks is `bot.adapters.telegram.html`.

The Application is driven in phases (initialize, start, then updater.start_polling or, with
`telegram.webhook_url`, our own webhook server, `telegram_webhook`, which checks the secret
token first and caps the body at 1 MB) rather than `run_polling`, so it shares the caller's
event loop with the rest of the app graph and is shut down by `aclose`. Different chats are
answered in parallel, each chat's updates in order (`telegram_order`); sending and its retries
live in `telegram_send`. Every update is first claimed in the store through the core, so one
re-delivered after a restart is skipped.

The token is a secret: it is never logged. Bot API calls go over aiohttp (`telegram_http`),
which logs no URLs; the httpx request log (which prints URLs, token included) is redacted
anyway while the adapter runs, in case anything else in the process uses httpx.
"""

from __future__ import annotations

import datetime as dtm
import logging
import re
import traceback
from typing import Any

from telegram import Bot, BotCommand, Update
from telegram import Message as TgMessage
from telegram.constants import ChatType
from telegram.error import (
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.adapters.telegram.html import valid_action
from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.inline import inline_results
from bot.adapters.telegram.order import PerChatUpdateProcessor
from bot.adapters.telegram.send import TelegramSender
from bot.adapters.telegram.webhook import TelegramWebhook
from bot.config import Settings, TelegramSettings
from bot.core.catalogue import Catalogue
from bot.core.core import Core
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.model import Message, Reply, ReplyKind
from bot.core.replies import SORRY

log = logging.getLogger(__name__)

INLINE_CACHE_SECONDS = 300  # answers depend on the question only, so Telegram may cache them
POLLING_ON_ONE_REPLICA = (
    "Telegram: long polling runs on one replica; use webhook mode (telegram.webhook_url) "
    "for several"
)


def command_menu(catalogue: Catalogue) -> list[BotCommand]:
    """The command menu: the catalogue's advertised commands, each with its usage, since
    arguments are typed after the name here ("…: /ask QUESTION")."""
    return [BotCommand(c.name, c.menu_line) for c in catalogue.menu()]


class _Redact(logging.Filter):
    """Replaces secrets in log records (httpx logs every request URL, token included)."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = original = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "<secret>")
        if message != original:
            record.msg, record.args = message, ()
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
        *,
        settings: TelegramSettings | None = None,
        webhook_secret: str | None = None,
        shared_store: bool = False,
    ) -> None:
        """`settings` turns on inline mode and webhook mode (which needs `webhook_secret`).
        `shared_store`: the store is a database several replicas may share (PostgreSQL), so
        polling mode says at start that only one replica may poll."""
        self._core = core
        self._token = token
        self._base_url = base_url
        self._base_file_url = base_file_url
        self._settings = settings or TelegramSettings()
        self._webhook_secret = webhook_secret
        self._shared_store = shared_store
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._webhook: TelegramWebhook | None = None
        self._redact = _Redact(token, webhook_secret or "")
        self._send = TelegramSender(core)

    @classmethod
    def from_settings(cls, core: Core, settings: Settings, token: str) -> TelegramAdapter:
        """The adapter `briefbot run` wants: webhook secret and [telegram] from config."""
        secret = settings.telegram_webhook_secret
        server = settings.telegram.api_server.rstrip("/")
        return cls(
            core,
            token,
            f"{server}/bot" if server else None,
            f"{server}/file/bot" if server else None,
            settings=settings.telegram,
            webhook_secret=secret.get_secret_value() if secret else None,
            shared_store=store_is_shared(settings),
        )

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect (getMe), publish the command menu, and start polling (or the webhook
        server) in this event loop."""
        settings = self._settings
        if settings.webhook_url and not self._webhook_secret:
            raise ValueError("webhook mode needs a secret token (TELEGRAM_WEBHOOK_SECRET)")
        logging.getLogger("httpx").addFilter(self._redact)
        builder = ApplicationBuilder().token(self._token)
        # aiohttp, not PTB's default httpx: about half the HTTP CPU per question (telegram_http)
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(1))
        if self._base_url:
            builder = builder.base_url(self._base_url)
        if self._base_file_url:
            builder = builder.base_file_url(self._base_file_url)
        if settings.concurrent_updates > 1:
            builder = builder.concurrent_updates(
                PerChatUpdateProcessor(settings.concurrent_updates)
            )
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._skip_duplicates), group=-1)
        # Every command the core answers, so a bare /why in a group is not mistaken for chatter
        handled = self._core.catalogue.answered_on_chats()
        app.add_handler(CommandHandler(handled, self._on_text, filters.UpdateType.MESSAGE))
        text = filters.UpdateType.MESSAGE & filters.TEXT
        app.add_handler(MessageHandler(text, self._on_text))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(CallbackQueryHandler(self._on_button))
        allowed = ["message", "callback_query"]
        if settings.inline:
            app.add_handler(InlineQueryHandler(self._on_inline))
            allowed.append("inline_query")
        app.add_error_handler(self._on_error)
        self._app = app
        await app.initialize()
        try:
            await app.bot.set_my_commands(command_menu(self._core.catalogue))
        except TelegramError as err:  # the menu is a convenience; commands work without it
            log.warning("could not publish the command menu: %s", type(err).__name__)
        await app.start()
        assert app.updater is not None
        if settings.webhook_url and self._webhook_secret:  # our server: secret first, 1 MB cap
            webhook = TelegramWebhook(
                app,
                self._webhook_secret,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                path=settings.webhook_path,
            )
            await webhook.start()
            self._webhook = webhook
            # Every replica sets the same webhook (idempotent; it also restores one deleted by
            # hand) and none deletes it on stop: a rolling restart must not cut the others off.
            await app.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=self._webhook_secret,
                allowed_updates=allowed,
            )
        else:
            if self._shared_store:  # a second poller would delete the webhook or steal updates
                log.warning(POLLING_ON_ONE_REPLICA)
            await app.updater.start_polling(
                timeout=dtm.timedelta(seconds=30),
                allowed_updates=allowed,
                error_callback=self._on_polling_error,
            )

    @property
    def connected(self) -> bool:
        """Started and polling (or serving the webhook): the health check. (PTB retries a
        failed poll by itself.)"""
        app = self._app
        receiving = (self._webhook is not None and self._webhook.running) or bool(
            app and app.updater and app.updater.running
        )
        return bool(app and app.running and receiving)

    @property
    def webhook_port(self) -> int:
        """The webhook server's bound port (0 when polling)."""
        return self._webhook.port if self._webhook is not None else 0

    async def aclose(self) -> None:
        """Stop polling (or the webhook server) and shut PTB down; safe to call twice or after
        a failed start. The webhook stays set on Telegram: with several replicas behind one
        URL the others keep taking updates while this one restarts (and with one, Telegram
        keeps them for up to 24 h until it is back)."""
        webhook, self._webhook = self._webhook, None
        if webhook is not None:
            await webhook.aclose()
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
        key = f"{context.bot.id}:{update.update_id}"  # update ids are per bot
        if not await self._core.first_time("telegram", key):
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
        chat_id = message.chat.id
        after = self._settings.typing_after
        if after > 0:
            async with self._send.typing_while_slow(bot, chat_id, thread, after):
                reply = await self._core.handle(self._message(message, text, chat_id=chat_id))
        else:  # typing first, every time; it also finds a blocked or moved chat before answering
            reachable = await self._send.typing(bot, chat_id, thread)
            if reachable is None:
                return
            chat_id = reachable
            reply = await self._core.handle(self._message(message, text, chat_id=chat_id))
        await self._send.reply(bot, chat_id, reply, message.message_id, thread)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press; a TOAST reply (a vote's thanks) is shown as the press's notification."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        reply = None
        if isinstance(message, TgMessage):  # else an inaccessible (very old) message
            action = query.data if valid_action(query.data) else ""
            core_message = self._message(message, "", user_id=query.from_user.id)
            reply = await self._core.press(core_message, action or "")
        toast = reply is not None and reply.kind is ReplyKind.TOAST
        try:
            await query.answer(" ".join(reply.body)[:200] if reply and toast else None)
        except TelegramError as err:  # too old, already answered: the press still counts
            log.info("could not answer a callback query: %s", type(err).__name__)
        if isinstance(message, TgMessage) and reply is not None and not toast:
            thread = _thread(message)
            await self._send.reply(context.bot, message.chat.id, reply, message.message_id, thread)

    async def _on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        user = str(query.from_user.id)  # inline queries have no chat: the user's private chat
        asked = Message("telegram", chat_id=user, user_id=user, text=query.query)
        results = inline_results(await self._core.inline(asked))
        await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The service message of a group upgraded to a supergroup: its state follows it."""
        message = update.message
        if message is not None and message.migrate_to_chat_id is not None:
            old, new = str(message.chat.id), str(message.migrate_to_chat_id)
            await self._core.chat_moved("telegram", old, new)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what went wrong (token redacted) and apologise in the chat, if there is one."""
        error = context.error
        self._core.platform_error("telegram", type(error).__name__ if error else "unknown")
        details = "".join(traceback.format_exception(error)) if error else "unknown error"
        for secret in (self._token, self._webhook_secret):
            details = details.replace(secret, "<secret>") if secret else details
        log.error("error handling a Telegram update: %s", details)
        if isinstance(update, Update) and update.effective_chat is not None:
            chat_id = update.effective_chat.id
            try:
                await self._send.deliver(
                    lambda chat: context.bot.send_message(chat, SORRY), chat_id
                )
            except TelegramError as err:
                log.warning("could not send an apology: %s", type(err).__name__)

    def _on_polling_error(self, error: TelegramError) -> None:
        self._core.platform_error("telegram", type(error).__name__)
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
    def _message(
        message: TgMessage, text: str, user_id: int | None = None, chat_id: int | None = None
    ) -> Message:
        sender = user_id if user_id is not None else getattr(message.from_user, "id", "")
        thread = _thread(message)
        return Message(
            platform="telegram",
            chat_id=str(message.chat.id if chat_id is None else chat_id),
            user_id=str(sender),
            text=text,
            thread_id=None if thread is None else str(thread),
            is_private=message.chat.type == ChatType.PRIVATE,
        )

    # -- scheduled sending (the digest) -------------------------------------------------
    async def send(self, target: ChatTarget, reply: Reply) -> None:
        """The digest scheduler's `Sender`: a reply outside any conversation. Raises
        DeliveryError, permanent when the bot was blocked or the chat is gone."""
        if self._app is None:
            raise DeliveryError("the Telegram adapter is not running", permanent=False)
        await self._send.unprompted(self._app.bot, target, reply)


def store_is_shared(settings: Settings) -> bool:
    """Whether `[store] url` names a PostgreSQL database, which several replicas may share.

    TODO(lead): `store.url` arrives with the pg-wiring branch (a SecretStr); until it is merged
    the attribute is read defensively, so this is False on a settings model without it."""
    url = getattr(settings.store, "url", None)
    if url is None:
        return False
    text = url.get_secret_value() if hasattr(url, "get_secret_value") else str(url)
    return text.startswith(("postgresql://", "postgres://"))


def _thread(message: TgMessage) -> int | None:
    """The forum topic of a message; replies in ordinary groups carry no topic."""
    return message.message_thread_id if message.is_topic_message else None


def _mention_pattern(username: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)@{re.escape(username)}(?!\w)", re.IGNORECASE)


def _strip_mention(text: str, username: str) -> str:
    return " ".join(_mention_pattern(username).sub(" ", text).split())
