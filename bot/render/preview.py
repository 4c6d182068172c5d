"""A `Sender` for the terminal: `briefbot digest --preview` shows a digest as it would go out."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.delivery import ChatTarget
from bot.core.model import Reply
from bot.render.text import render_text


class PreviewSender:
    """Renders as plain text and hands it to `write` (the console, `briefbot digest --preview`)."""

    def __init__(self, write: Callable[[str], None], platform: str = "console") -> None:
        self.platform = platform
        self._write = write

    async def send(self, target: ChatTarget, reply: Reply) -> None:
        self._write(render_text(reply))
