"""The console adapter: a terminal chat with the same core and commands as the platforms.

On a terminal it reads with prompt_toolkit: line editing, ↑/↓ through the history (kept in the
data folder, so it survives restarts), and Ctrl-C or Ctrl-D leave at once. Piped input (scripts,
tests) is read line by line instead. Replies are wrapped at word boundaries to the terminal's
width.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from rich.console import Console

from bot.core.core import Core
from bot.core.model import Message
from bot.render.text import render_text
from bot.terminal import wrap

EXIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})
PROMPT = "you> "
GREETING = "Briefing bot console — /help for commands; /quit, Ctrl-C or Ctrl-D to leave."
ReadLine = Callable[[], Awaitable[str | None]]  # None: the person left


class ConsoleChat:
    def __init__(
        self,
        core: Core,
        console: Console,
        *,
        chat_id: str = "console",
        history: Path | None = None,
    ) -> None:
        self._core = core
        self._console = console
        self._chat_id = chat_id
        self._history = history

    async def run(self) -> None:
        """Read a line, answer it, repeat; ends on /quit, end of input, Ctrl-C or Ctrl-D."""
        self._console.print(GREETING)
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        read = terminal_reader(self._history) if interactive else piped_reader()
        while True:
            line = await read()
            if line is None or line.strip().lower() in EXIT_WORDS:
                break
            if not line.strip():
                continue
            message = Message("console", self._chat_id, "console", line)
            reply = await self._core.handle(message)
            text = render_text(reply)
            self._console.print(wrap(text, self._console.width) if interactive else text)
            self._console.print()


def terminal_reader(history: Path | None) -> ReadLine:
    """prompt_toolkit's line editor, with a file history when `history` is given."""
    lines: History = InMemoryHistory()
    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
        history.touch(mode=0o600)  # the questions asked are nobody else's business
        lines = FileHistory(str(history))
    session: PromptSession[str] = PromptSession(history=lines)

    async def read() -> str | None:
        try:
            return await session.prompt_async(PROMPT)
        except (EOFError, KeyboardInterrupt):
            return None

    return read


def piped_reader() -> ReadLine:
    async def read() -> str | None:
        try:
            return await asyncio.to_thread(input, PROMPT)
        except (EOFError, KeyboardInterrupt):
            return None

    return read
