"""What a chat platform registers so `briefbot run` can serve it: one `Platform` row.

Each platform folder (bot/adapters/telegram/, bot/adapters/discord/) exposes its row as
`PLATFORM` in its platform.py, and bot/adapters/platforms.py lists the rows. The runner, the
CLI and the settings loop over that table, so a new platform is a new folder and one line.
A row imports nothing heavy: its `build` imports the platform's library when called, so a base
install (no extras) still loads the table, and a missing extra is a one-line `RunError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from bot.core.delivery import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.core import Core


class RunError(Exception):
    """Nothing to run (no token, extra not installed); str() is one line for the user."""


class Adapter(Protocol):
    """How a platform starts and stops: the runner calls `start()` in table order and
    `aclose()` in reverse; `connected` is its /healthz check."""

    @property
    def connected(self) -> bool: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can show, so shared code can ask instead of naming platforms."""

    markup: Literal["html", "markdown", "plain"]
    buttons: bool = False  # buttons under a message (/more, votes)
    inline_queries: bool = False  # answering "@bot question" typed in any chat
    slash_commands: bool = False  # a registered command menu or tree


Build = Callable[["Core", "Settings", str], Adapter]


@dataclass(frozen=True, slots=True)
class Platform:
    name: str  # "telegram": `briefbot run NAME`, `Message.platform`, the key in settings.tokens
    title: str  # "Telegram", for messages to the operator
    token_variable: str  # the environment variable holding the bot token
    build: Build  # (core, settings, token) -> the adapter; imports the library when called
    capabilities: Capabilities
    extra: str  # the pip extra with the platform's library
    send_limits: Limits = DEFAULT_LIMITS  # its flood limits, which scheduled sends keep under

    @property
    def install(self) -> str:
        return f"pip install 'briefbot[{self.extra}]'"

    def adapter(self, core: Core, settings: Settings, token: str) -> Adapter:
        """`build`, with a missing library reported as the extra to install."""
        try:
            return self.build(core, settings, token)
        except ImportError:
            raise RunError(f"The {self.name} extra is not installed: {self.install}") from None
