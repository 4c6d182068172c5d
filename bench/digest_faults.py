"""Fault run: a claim goes stale while its sender is still retrying (Telegram flood control),
with two running copies of the bot on one database and N chats due at the same minute.

    python bench/digest_faults.py [--chats 40] [--stale 2] [--flood 120] [--retry-after 1]

Real time, scaled down: the claim lease (`digest.stale_claim_minutes`) is `--stale` seconds
instead of 10 minutes, and the fake Bot API answers the first `--flood` sendMessage calls with
429 "retry after `--retry-after` s", which the real Telegram adapter (PTB) waits out. So a send
takes longer than the lease, as with 15,000+ chats a minute or a slow network at full size.
The two copies are real `DigestScheduler`s (APScheduler sweeps, paced queues) on their own
connections to one SQLite file. Prints messages delivered per chat. Numbers, not assertions.

Runs against any version of the code: `--root` picks the source tree (say, an older checkout
exported with `git archive`) to compare before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


async def run(chats: int, stale: float, flood: int, retry_after: int, limit: float) -> None:
    from fakes.telegram_api import running_fake_telegram
    from rich.console import Console
    from rich.table import Table

    from bot.adapters.platforms import SEND_LIMITS
    from bot.adapters.telegram.adapter import TelegramAdapter
    from bot.app import open_app
    from bot.config import DigestSettings, load_settings
    from bot.digest.scheduler import DigestScheduler
    from bot.digest.store import Subscription, SubscriptionStore
    from knowledge.store import Store

    now = datetime.now(UTC)
    hhmm = f"{now:%H:%M}"
    settings = DigestSettings(stale_claim_minutes=stale / 60)
    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(load_settings(None), db_path=Path(tmp) / "b.sqlite3") as app:
            for n in range(1, chats + 1):
                sub = Subscription("telegram", str(n), None, hhmm, "UTC")
                await app.subscriptions.subscribe(sub, now - timedelta(days=1))
            other = await Store.open(app.store.path)  # the second copy's own connections
            async with running_fake_telegram() as fake:
                fake.fail_next("sendMessage", status=429, retry_after=retry_after, times=flood)
                adapter = TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url)
                await adapter.start()
                copies = [
                    DigestScheduler(
                        subs,
                        app.digests,
                        {"telegram": adapter},
                        settings,
                        backoff=stale / 4,
                        limits=SEND_LIMITS,
                    )
                    for subs in (app.subscriptions, SubscriptionStore(other))
                ]
                started = time.perf_counter()
                try:
                    await asyncio.gather(*(copy.start() for copy in copies))
                    while time.perf_counter() - started < limit:  # until nothing is pending
                        await asyncio.gather(*(copy.drain() for copy in copies))
                        claimed = await app.store.read(
                            "SELECT count(*) FROM deliveries WHERE status = 'claimed'"
                        )
                        if claimed[0][0] == 0:
                            break
                        await asyncio.sleep(0.1)
                    await asyncio.gather(*(copy.drain() for copy in copies))
                    elapsed = time.perf_counter() - started
                finally:
                    await asyncio.gather(*(copy.aclose() for copy in copies))
                    await adapter.aclose()
                    await other.aclose()
                per_chat = Counter(m["chat"]["id"] for m in fake.sent)
                statuses = Counter(
                    row[0] for row in await app.store.read("SELECT status FROM deliveries")
                )
    table = Table(
        title=f"digest faults: {chats} chats, 2 copies, lease {stale:g} s, "
        f"{flood} x 429 retry after {retry_after} s"
    )
    for column in ("messages", "chats reached", "most to one chat", "chats > 1", "rows", "s"):
        table.add_column(column, justify="right")
    table.add_row(
        str(sum(per_chat.values())),
        f"{len(per_chat)}/{chats}",
        str(max(per_chat.values(), default=0)),
        str(sum(1 for count in per_chat.values() if count > 1)),
        ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
        f"{elapsed:.1f}",
    )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--stale", type=float, default=2.0, help="claim lease, seconds")
    parser.add_argument("--flood", type=int, default=120, help="429 answers to send first")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds, in each 429")
    parser.add_argument("--limit", type=float, default=120.0, help="give up after, seconds")
    parser.add_argument("--root", type=Path, default=HERE, help="the source tree to run")
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter as a timedelta, no warning
    os.environ.setdefault("BRIEFBOT_SEMANTIC__ENABLED", "off")  # BM25 is enough for digests
    sys.path[:0] = [str(args.root), str(args.root / "tests")]
    asyncio.run(run(args.chats, args.stale, args.flood, args.retry_after, args.limit))


if __name__ == "__main__":
    main()
