"""How the digest reaches a chat without knowing the platform: a target, a sender, an error.

The scheduler speaks only this vocabulary. Each adapter offers a `Sender` (Telegram:
`TelegramAdapter.send`), so a digest is rendered by the same renderer as an answer and the
scheduler never imports a platform library.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.model import Reply
from bot.render.text import render_text


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """Where a scheduled message goes: a chat (and forum topic) on one platform."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat_id}"


class DeliveryError(Exception):
    """A send that did not arrive. `permanent`: retrying cannot help (blocked, chat gone)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@runtime_checkable
class Sender(Protocol):
    """Sends a reply to a chat outside any conversation; raises DeliveryError on failure."""

    platform: str

    async def send(self, target: ChatTarget, reply: Reply) -> None: ...


class PreviewSender:
    """Renders as plain text and hands it to `write` (the console, `briefbot digest --preview`)."""

    def __init__(self, write: Callable[[str], None], platform: str = "console") -> None:
        self.platform = platform
        self._write = write

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        self._write(render_text(reply))
