"""Shared test helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.config import TelegramSettings
from bot.core.model import Message

if TYPE_CHECKING:
    from bot.adapters.telegram.adapter import TelegramAdapter
    from bot.core.core import Core


def console(text: str, chat: str = "c1") -> Message:
    return Message(platform="console", chat_id=chat, user_id="u1", text=text)


def webhook_adapter(
    core: Core, fake: Any, secret: str, *, url: str, port: int, path: str, **options: Any
) -> TelegramAdapter:
    """A Telegram adapter in webhook mode against the fake Bot API `fake`: Telegram posts to
    `url`; the adapter listens on 127.0.0.1:`port` (0: a free one) at `path`."""
    from bot.adapters.telegram.adapter import TelegramAdapter  # the telegram extra, when used

    settings = TelegramSettings(
        webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port, webhook_path=path
    )
    return TelegramAdapter(
        core,
        fake.TOKEN,
        fake.base_url,
        fake.base_file_url,
        settings=settings,
        webhook_secret=secret,
        **options,
    )
