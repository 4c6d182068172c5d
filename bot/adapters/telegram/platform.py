"""Telegram's row in the platform table (python-telegram-bot is imported only to build it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.platform import Adapter, Capabilities, Platform
from bot.core.delivery import ChatTarget, Limits

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.core import Core


def build(core: Core, settings: Settings, token: str) -> Adapter:
    """Polling or the webhook server, per `[telegram]` and TELEGRAM_WEBHOOK_SECRET."""
    from bot.adapters.telegram.adapter import TelegramAdapter

    return TelegramAdapter.from_settings(core, settings, token)


def is_group(target: ChatTarget) -> bool:
    return target.chat_id.startswith("-")  # groups and supergroups have negative ids


# Telegram allows about 30 messages/s per bot overall, 1/s per chat and 20/min per group: the
# digest sends 25/s plus a burst of 5 (at most 30 in any second), leaving room for answers.
SEND_LIMITS = Limits(25.0, 5.0, 1.0, 20 / 60, is_group)

PLATFORM = Platform(
    name="telegram",
    title="Telegram",
    token_variable="TELEGRAM_BOT_TOKEN",  # noqa: S106 (a variable name, not a token)
    build=build,
    capabilities=Capabilities(
        markup="html", buttons=True, inline_queries=True, slash_commands=True
    ),
    extra="telegram",
    send_limits=SEND_LIMITS,
)
