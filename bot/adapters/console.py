"""The console adapter: a terminal chat with the same core and commands as the platforms."""

from __future__ import annotations

import asyncio

from rich.console import Console

from bot.core.core import Core
from bot.core.model import Message
from bot.render.text import render_text

EXIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class ConsoleChat:
    def __init__(self, core: Core, console: Console, *, chat_id: str = "console") -> None:
        self._core = core
        self._console = console
        self._chat_id = chat_id

    async def run(self) -> None:
        """Read a line, answer it, repeat; ends on /quit, end of input or Ctrl-C."""
        self._console.print("Briefing bot console — /help for commands, /quit to leave.")
        while True:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except (EOFError, KeyboardInterrupt):
                break
            if line.strip().lower() in EXIT_WORDS:
                break
            if not line.strip():
                continue
            message = Message("console", self._chat_id, "console", line)
            reply = await self._core.handle(message)
            self._console.print(render_text(reply), markup=False)
            self._console.print()
