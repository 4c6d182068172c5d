"""How the digest reaches a chat without knowing the platform: a target, a sender, an error.

The scheduler speaks only this vocabulary. Each adapter offers a `Sender` (Telegram:
`TelegramAdapter.send`), so a digest is rendered by the same renderer as an answer and the
scheduler never imports a platform library. (The console's sender, which renders text, is
`bot.render.preview.PreviewSender`: the core renders nothing.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.core.model import Reply


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """Where a scheduled message goes: a chat (and forum topic) on one platform."""

    platform: str
    chat_id: str
    thread_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.chat_id}"


@dataclass(frozen=True, slots=True)
class Limits:
    """How fast a platform accepts sends: rates in messages per second and the bursts allowed
    on top. Each platform's row (bot/adapters/<name>/platform.py) states its own; the digest's
    pacer keeps scheduled sends under them."""

    overall: float
    overall_burst: float
    per_chat: float
    per_group: float
    is_group: Callable[[ChatTarget], bool] = field(default=lambda target: False)


DEFAULT_LIMITS = Limits(10.0, 10.0, 1.0, 1.0)  # a platform whose row states none


# What a platform says when the chat itself is gone or refuses the bot: only these end a
# subscription. Any other refusal ("message is too long", "can't parse entities", a topic
# closed for now) is the message's or the moment's problem: logged, and tried again next day.
_CHAT_GONE = re.compile(
    r"chat not found|bot was blocked|bot was kicked|kicked from|user is deactivated|"
    r"chat was deleted|group chat was deactivated|bot is not a member|unknown channel",
    re.IGNORECASE,
)


def chat_is_gone(description: str) -> bool:
    """Whether a platform's error text means the chat is gone or has shut the bot out."""
    return _CHAT_GONE.search(description) is not None


class DeliveryError(Exception):
    """A send that did not arrive. `permanent`: the chat is gone or refuses the bot, so the
    subscription ends; `retry_now` False: this message will not go through today (a 400 that
    is not about the chat), so the queue records the failure and tries tomorrow's digest."""

    def __init__(self, reason: str, *, permanent: bool, retry_now: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_now = retry_now and not permanent


@runtime_checkable
class Sender(Protocol):
    """Sends a reply to a chat outside any conversation; raises DeliveryError on failure."""

    platform: str

    async def send(self, target: ChatTarget, reply: Reply) -> None: ...
