"""Benchmark: questions answered per second end to end through the fake Discord gateway.

    python bench/discord_throughput.py [--questions 60]

The real discord.py client and the real core on a fresh store, against the local fake Discord
(tests/fakes): a question is injected as a gateway event (a DM, a mention, or a /ask slash
command) and counts as answered when the bot's message reaches the fake's REST API. The first
row is the core alone, for the adapter's overhead. Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.discord_api import FakeDiscord, discord_base_url

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import App, open_app
from bot.config import load_settings
from bot.core.model import Message

QUESTIONS = (
    "what does Kim want?",
    "what does Putin want?",
    "what did Stent say about South Korea?",
    "who wrote the Carnegie piece?",
    "what weapons could North Korea give Russia?",
    "who won the 2018 World Cup?",
)
Row = tuple[str, int, float, list[float]]  # (mode, answered, seconds, latencies in ms)


async def core_only(app: App, n: int) -> Row:
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        message = Message("bench", "c", "u", QUESTIONS[i % len(QUESTIONS)])
        t0 = time.perf_counter()
        await app.core.handle(message)
        latencies.append((time.perf_counter() - t0) * 1000)
    return "core.handle only", n, time.perf_counter() - started, latencies


async def sequential(fake: FakeDiscord, n: int, mode: str, inject: Callable[[str], Any]) -> Row:
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        before = len(fake.messages)
        t0 = time.perf_counter()
        inject(QUESTIONS[i % len(QUESTIONS)])
        await fake.wait_for_message(before + 1, timeout=10)
        latencies.append((time.perf_counter() - t0) * 1000)
    return mode, n, time.perf_counter() - started, latencies


async def burst(fake: FakeDiscord, n: int) -> Row:
    before = len(fake.messages)
    started = time.perf_counter()
    for i in range(n):
        fake.user_message(QUESTIONS[i % len(QUESTIONS)], guild=False)
    await fake.wait_for_message(before + n, timeout=60)
    return f"{n} DMs at once", n, time.perf_counter() - started, []


async def main(n: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(load_settings(None), db_path=Path(tmp) / "b.sqlite3") as app:
            await core_only(app, n)  # warm the caches; not reported
            rows = [await core_only(app, n)]
            async with FakeDiscord() as fake:
                with discord_base_url(fake.base_url):
                    bot = DiscordAdapter(app.core, fake.TOKEN, guild_ready_timeout=0.01)
                    await bot.start()
                    try:
                        dm = lambda q: fake.user_message(q, guild=False)  # noqa: E731
                        mention = lambda q: fake.user_message(q, mentions_bot=True)  # noqa: E731
                        slash = lambda q: fake.slash_command("ask", {"question": q})  # noqa: E731
                        rows.append(await sequential(fake, n, "DM, one at a time", dm))
                        rows.append(await sequential(fake, n, "mention, one at a time", mention))
                        rows.append(await sequential(fake, n, "/ask, one at a time", slash))
                        rows.append(await burst(fake, n))
                    finally:
                        await bot.aclose()
    return rows


def report(rows: list[Row]) -> None:
    table = Table("mode", "answered", "questions/s", "median ms", "p95 ms", "rate vs core")
    core_rate = rows[0][1] / rows[0][2]
    for mode, answered, seconds, latencies in rows:
        rate = answered / seconds
        median = f"{statistics.median(latencies):.1f}" if latencies else "—"
        p95 = f"{sorted(latencies)[int(0.95 * (len(latencies) - 1))]:.1f}" if latencies else "—"
        table.add_row(mode, str(answered), f"{rate:.1f}", median, p95, f"{rate / core_rate:.2f}")
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60, help="questions per mode")
    args = parser.parse_args()
    report(asyncio.run(main(max(1, min(args.questions, 5000)))))
