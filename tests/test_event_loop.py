"""The bot's event loop: uvloop where it is installed, the result handed back either way."""

from __future__ import annotations

import asyncio
import importlib.util

from bot import event_loop


def test_run_returns_the_result_on_uvloop_when_installed() -> None:
    async def which() -> str:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()).__module__

    loop = event_loop.run(which())

    expected = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio.unix_events"
    assert loop.split(".")[0] == expected.split(".")[0]
