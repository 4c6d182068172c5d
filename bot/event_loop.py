"""Which event loop runs the bot: uvloop where it is installed (Linux and macOS), else asyncio's.

The bot's work per question is mostly Python (PTB's objects, the ranking), but the loop's own
share is not small: every Bot API call, SQLite round trip and timer passes through it. uvloop
runs the loop, its sockets and its timers in C (libuv), which cut the bot's CPU per Telegram
question by 10-15% in `bench/telegram_throughput.py`. Behaviour is the same on either loop;
the test suite runs on asyncio's, the process test (`python -m bot run`) on this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, on uvloop when it is available."""
    try:
        import uvloop
    except ImportError:  # Windows, or a trimmed install: the standard loop
        return asyncio.run(main)
    return uvloop.run(main)
