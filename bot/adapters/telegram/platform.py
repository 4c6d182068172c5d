"""Telegram's row in the platform table (python-telegram-bot is imported only to build it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.platform import Adapter, Capabilities, Platform

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.core import Core


def build(core: Core, settings: Settings, token: str) -> Adapter:
    """Polling or the webhook server, per `[telegram]` and TELEGRAM_WEBHOOK_SECRET."""
    from bot.adapters.telegram.adapter import TelegramAdapter

    return TelegramAdapter.from_settings(core, settings, token)


PLATFORM = Platform(
    name="telegram",
    title="Telegram",
    token_variable="TELEGRAM_BOT_TOKEN",  # noqa: S106 (a variable name, not a token)
    build=build,
    capabilities=Capabilities(
        markup="html", buttons=True, inline_queries=True, slash_commands=True
    ),
    extra="telegram",
)
