"""Benchmark: N digests due at the same minute, sent in real time through the real Telegram
adapter (PTB) to the fake Bot API server, paced by the real token buckets.

    python bench/digest_fanout.py [--chats 1000]

Prints how long the fan-out takes against the floor the pacing sets (Telegram: 25/s + a
burst of 5). Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.telegram_api import running_fake_telegram

from bot.adapters.platforms import SEND_LIMITS
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import open_app
from bot.config import load_settings
from bot.digest.scheduler import DigestScheduler
from bot.digest.store import Subscription


async def run(chats: int) -> None:
    now = datetime.now(UTC)
    hhmm = f"{now:%H:%M}"
    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(load_settings(None), db_path=Path(tmp) / "b.sqlite3") as app:
            for n in range(1, chats + 1):
                sub = Subscription("telegram", str(n), None, hhmm, "UTC")
                await app.subscriptions.subscribe(sub, now - timedelta(days=1))
            async with running_fake_telegram() as fake:
                adapter = TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url)
                await adapter.start()
                senders = {"telegram": adapter}
                settings = app.settings.digest
                scheduler = DigestScheduler(
                    app.subscriptions, app.digests, senders, settings, limits=SEND_LIMITS
                )
                started = time.perf_counter()
                try:
                    await scheduler.start()  # all due this minute: queued by catch-up
                    queued = time.perf_counter() - started
                    await scheduler.drain()
                    elapsed = time.perf_counter() - started
                finally:
                    await scheduler.aclose()
                    await adapter.aclose()
                delivered = len({m["chat"]["id"] for m in fake.sent})
    limits = SEND_LIMITS["telegram"]
    floor = max(0.0, (chats - limits.overall_burst) / limits.overall)
    table = Table(title=f"digest fan-out: {chats} chats due at {hhmm} UTC, fake Telegram")
    for column in ("delivered", "claimed+queued s", "total s", "pacing floor s", "ratio", "msg/s"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{delivered}/{chats}",
        f"{queued:.2f}",
        f"{elapsed:.1f}",
        f"{floor:.1f}",
        f"{elapsed / floor:.2f}" if floor else "-",
        f"{delivered / elapsed:.1f}",
    )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    asyncio.run(run(parser.parse_args().chats))


if __name__ == "__main__":
    main()
