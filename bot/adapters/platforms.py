"""The chat platforms `briefbot run` can serve, in the order it starts them.

One row per platform folder: bot/adapters/<name>/platform.py defines `PLATFORM` (how it is
built, which token and extra it needs, what it can show). Adding a platform is its folder plus
its name on one line of `ROWS`. Loading the rows imports no platform library.
"""

from __future__ import annotations

from importlib import import_module

from bot.adapters.platform import Platform

ROWS = (
    "telegram",
    "discord",
)


def _row(name: str) -> Platform:
    row = import_module(f"bot.adapters.{name}.platform").PLATFORM
    if not isinstance(row, Platform) or row.name != name:
        raise TypeError(f"bot/adapters/{name}/platform.py: PLATFORM must be its Platform row")
    return row


PLATFORMS: tuple[Platform, ...] = tuple(_row(name) for name in ROWS)
# What the digest's pacer keeps each platform's scheduled sends under.
SEND_LIMITS = {platform.name: platform.send_limits for platform in PLATFORMS}
