"""Load: N concurrent simulated users through the core, and through Telegram end to end.

    python bench/load.py [--users 1 10 100] [--requests 200] [--telegram-requests 100]

"core": each user is its own chat calling `Core.handle` (search, ranking, composing, the chat
state write), all users at once. "telegram": the real TelegramAdapter (PTB, long polling)
against the fake Bot API server on 127.0.0.1; a user's latency runs from the message landing
in the fake to the bot's answer arriving there (getUpdates, typing, core, sendMessage). Every
run is bounded: `requests` questions in total per row, split across the users. Peak RSS is the
process's high-water mark so far (it only grows, so read it row by row). Numbers, not
assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import App, open_app
from bot.config import AccessSettings, SemanticSettings, load_settings
from bot.core.model import Message

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake Telegram server lives with the tests

from fakes.telegram_api import Call, FakeTelegram, running_fake_telegram  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK = [
    "What does Kim want?",
    "What did Stent say about South Korea?",
    "who won the 2018 World Cup?",
]
Ask = Callable[[int, str], Awaitable[None]]


def questions() -> list[str]:
    if EVAL.exists():
        return [json.loads(line)["question"] for line in EVAL.read_text().splitlines() if line]
    return FALLBACK


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def run_users(users: int, total: int, ask: Ask, pool: list[str]) -> tuple[list[float], float]:
    """`users` concurrent users sharing `total` questions; per-question latencies (ms), wall s."""
    per_user = max(1, total // users)
    latencies: list[float] = []

    async def user(index: int) -> None:
        for turn in range(per_user):
            question = pool[(index * per_user + turn) % len(pool)]
            started = time.perf_counter()
            await ask(index, question)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(users)))
    return latencies, time.perf_counter() - started


def through_core(app: App) -> Ask:
    async def ask(user: int, question: str) -> None:
        chat = str(1000 + user)
        await app.core.handle(Message(platform="bench", chat_id=chat, user_id=chat, text=question))

    return ask


def through_telegram(fake: FakeTelegram, timeout: float) -> Ask:
    async def ask(user: int, question: str) -> None:
        start = len(fake.calls)
        asked = fake.send_text(1000 + user, question)["message"]["message_id"]

        def answers(call: Call) -> bool:
            quoted = (call.params.get("reply_parameters") or {}).get("message_id")
            return quoted == asked and call.params.get("chat_id") == 1000 + user

        await fake.wait_for_call("sendMessage", answers, timeout=timeout, start=start)

    return ask


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--requests", type=int, default=200, help="questions per core row")
    parser.add_argument("--telegram-requests", type=int, default=100, help="per Telegram row")
    parser.add_argument(
        "--search", choices=["bm25", "hybrid"], default="bm25", help="hybrid needs the extra"
    )
    args = parser.parse_args()
    # A load test of answering: the per-user rate limit would turn most questions into
    # "slow down" replies, so it is off here; the search path is chosen explicitly.
    settings = load_settings(
        None,
        access=AccessSettings(rate_limit=0),
        semantic=SemanticSettings(enabled="off" if args.search == "bm25" else "auto"),
    )
    pool = questions()
    table = Table(
        title=f"briefbot load: concurrent users ({args.search}, bundled sources, warm index)"
    )
    for column in ("path", "users", "questions", "p50 ms", "p99 ms", "answers/s", "peak RSS MB"):
        table.add_column(column, justify="left" if column == "path" else "right")

    def row(path: str, users: int, latencies: list[float], wall: float) -> None:
        table.add_row(
            path,
            str(users),
            str(len(latencies)),
            f"{percentile(latencies, 0.5):.1f}",
            f"{percentile(latencies, 0.99):.1f}",
            f"{len(latencies) / wall:,.0f}",
            f"{peak_rss_mb():.0f}",
        )

    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(settings, db_path=Path(tmp) / "load.sqlite3") as app:
            ask = through_core(app)
            await run_users(1, len(pool), ask, pool)  # warm caches once
            for users in args.users:
                row("core", users, *await run_users(users, args.requests, ask, pool))
            try:
                from bot.adapters.telegram.adapter import TelegramAdapter
            except ImportError:
                Console(stderr=True).print("telegram extra not installed; skipping that path")
            else:
                async with running_fake_telegram() as fake:
                    adapter = TelegramAdapter(app.core, fake.TOKEN, fake.base_url)
                    await adapter.start()
                    try:
                        ask = through_telegram(fake, timeout=120.0)
                        for users in args.users:
                            total = args.telegram_requests
                            row("telegram", users, *await run_users(users, total, ask, pool))
                    finally:
                        await adapter.aclose()
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(main())
