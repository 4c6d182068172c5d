"""Discord's row in the platform table (discord.py is imported only to build it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.platform import Adapter, Capabilities, Platform
from bot.core.delivery import Limits

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.core import Core


def build(core: Core, settings: Settings, token: str) -> Adapter:
    """The gateway client per `[discord]` (its shards, if any); a user who refuses DMs marks
    the chat unreachable."""
    from bot.adapters.discord.adapter import DiscordAdapter

    return DiscordAdapter(
        core,
        token,
        guild_id=settings.discord.guild_id,
        message_content_intent=settings.discord.message_content_intent,
        shard_count=settings.discord.shard_count,
        shard_ids=settings.discord.shard_ids,
        on_blocked=lambda platform, chat_id: core.chat_unreachable(
            platform, chat_id, "the user does not accept DMs from the bot"
        ),
    )


# Discord allows about 50 requests/s globally (and 5 per 5 s per channel)
SEND_LIMITS = Limits(45.0, 45.0, 1.0, 1.0)

PLATFORM = Platform(
    name="discord",
    title="Discord",
    token_variable="DISCORD_BOT_TOKEN",  # noqa: S106 (a variable name, not a token)
    build=build,
    capabilities=Capabilities(markup="markdown", buttons=True, slash_commands=True),
    extra="discord",
    send_limits=SEND_LIMITS,
)
