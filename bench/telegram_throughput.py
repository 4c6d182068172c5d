"""Benchmark: questions answered per second end to end through the fake Telegram Bot API.

    python bench/telegram_throughput.py [--chats 20] [--questions 20] [--concurrency 1 8]

Two processes, as in production where Telegram is another machine: this one runs the bot
(real PTB adapter, real core, SQLite in a temp dir), a child runs the fake Bot API and the
users. `--chats` private chats ask at once; each asks its next question when the previous
answer arrives. Every question travels the whole path: getUpdates long poll -> PTB -> update
dedup (SQLite) -> typing action -> core (allowlist, rate limit off, search, answer, /more
state, question log) -> HTML -> sendMessage. Latency is measured on the users' side, from
queuing the update to receiving the answer, and split at the typing action: before it, the
poll pickup, any wait behind other chats, and the dedup write; after it, the core and the
sendMessage call. The core's own time is the question log's latency_ms.

Prints tables; numbers, not assertions (targets: >= 200 questions/s, p99 < 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK = ["what does Kim want?", "what does Putin want?", "who won the 2018 World Cup?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the Telegram side (child process) -----------------------------------------------------
async def telegram_side(chats: int, rounds: int, questions: list[str], rtt: float) -> None:
    """Serve the fake Bot API, print its URL, run the users once the bot polls, print results."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes.telegram_api import FakeTelegram

    class TimedFake(FakeTelegram):
        def __init__(self) -> None:
            super().__init__()
            self.typing_at: dict[int, float] = {}
            self.waiting: dict[int, asyncio.Future[tuple[float, float]]] = {}

        async def dispatch(self, method: str, p: dict) -> object:
            if rtt and method.lower() != "getupdates":  # a simulated network round trip
                await asyncio.sleep(rtt / 1000)
            return await super().dispatch(method, p)

        def _api_sendchataction(self, p: dict) -> bool:
            self.typing_at[p["chat_id"]] = time.perf_counter()
            return super()._api_sendchataction(p)

        def _api_sendmessage(self, p: dict) -> dict:
            now = time.perf_counter()
            msg = super()._api_sendmessage(p)
            future = self.waiting.pop((msg.get("reply_to_message") or {}).get("message_id"), None)
            if future is not None and not future.done():
                future.set_result((self.typing_at.get(p["chat_id"], now), now))
            self.sent.clear()  # keep memory flat
            self.calls.clear()
            return msg

    async def user(fake: TimedFake, chat: int, count: int, out: list[tuple[float, ...]]) -> None:
        loop = asyncio.get_running_loop()
        for n in range(count):
            future: asyncio.Future[tuple[float, float]] = loop.create_future()
            started = time.perf_counter()
            asked = fake.send_text(chat, questions[(chat + n) % len(questions)])["message"]
            fake.waiting[asked["message_id"]] = future
            typing, answered = await asyncio.wait_for(future, timeout=60)
            out.append((started, typing, answered))

    async with TimedFake() as fake:
        print(fake.base_url, fake.base_file_url, fake.TOKEN, flush=True)
        await fake.wait_for_call("getUpdates", timeout=60)
        await user(fake, 10**6, len(questions), [])  # warm up: every question once
        timings: list[tuple[float, ...]] = []
        began = time.perf_counter()
        await asyncio.gather(*(user(fake, 1 + c, rounds, timings) for c in range(chats)))
        elapsed = time.perf_counter() - began
        print(
            json.dumps({"elapsed": elapsed, "timings": timings, "warm": len(questions)}), flush=True
        )
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # bot closed


# -- the bot side (this process) -----------------------------------------------------------
async def bot_side(chats: int, rounds: int, concurrency: int, rtt: float) -> dict:
    from bot.adapters.telegram import TelegramAdapter
    from bot.app import open_app
    from bot.config import TelegramSettings, load_settings

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--telegram-side",
        f"--chats={chats}",
        f"--questions={rounds}",
        f"--rtt={rtt}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    assert child.stdin is not None
    base_url, base_file_url, token = (await child.stdout.readline()).decode().split()
    settings = load_settings(None, access={"rate_limit": 0})
    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(settings, db_path=Path(tmp) / "bench.sqlite3") as app:
            adapter = TelegramAdapter(
                app.core,
                token,
                base_url,
                base_file_url,
                settings=TelegramSettings(concurrent_updates=concurrency),
            )
            await adapter.start()
            cpu = time.process_time()
            try:
                result = json.loads(await child.stdout.readline())
                result["cpu"] = time.process_time() - cpu
            finally:
                await adapter.aclose()
                child.stdin.close()
                await child.wait()
            rows = await app.store.reader.execute_fetchall(
                "SELECT latency_ms FROM questions ORDER BY id"
            )
    result["core_ms"] = [r[0] for r in rows][-len(result["timings"]) :]
    return result


def report(chats: int, rounds: int, rtt: float, runs: dict[int, dict]) -> None:
    console = Console()
    table = Table(
        title=f"Telegram end to end through the fake Bot API: {chats} chats x {rounds} "
        f"questions, round trip {rtt:g} ms"
    )
    columns = ("concurrent updates", "questions", "questions/s", "p50 ms", "p90 ms", "p99 ms")
    for column in (*columns, "bot CPU ms/question"):
        table.add_column(column, justify="right")
    parts = Table(title="Where the time goes (per question, ms: mean / p50 / p99)")
    for column in ("concurrent updates", "queued -> typing", "typing -> answer", "core"):
        parts.add_column(column, justify="right")
    for concurrency, result in runs.items():
        timings = result["timings"]
        total = [(a - s) * 1000 for s, _, a in timings]
        table.add_row(
            str(concurrency),
            str(len(timings)),
            f"{len(timings) / result['elapsed']:,.0f}",
            f"{statistics.median(total):.1f}",
            f"{percentile(total, 0.90):.1f}",
            f"{percentile(total, 0.99):.1f}",
            f"{result['cpu'] * 1000 / (len(timings) + result['warm']):.1f}",
        )
        before = [(t - s) * 1000 for s, t, _ in timings]
        after = [(a - t) * 1000 for _, t, a in timings]
        parts.add_row(str(concurrency), *(_spread(v) for v in (before, after, result["core_ms"])))
    console.print(table)
    console.print(parts)


def _spread(values: list[float]) -> str:
    mean, p50, p99 = statistics.fmean(values), statistics.median(values), percentile(values, 0.99)
    return f"{mean:.1f} / {p50:.1f} / {p99:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--questions", type=int, default=20, help="questions per chat")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="simulated Bot API round trip, ms (Telegram: ~50)"
    )
    parser.add_argument("--telegram-side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    questions = FALLBACK
    if EVAL.exists():
        questions = [json.loads(line)["question"] for line in EVAL.read_text().splitlines() if line]
    if args.telegram_side:
        asyncio.run(telegram_side(args.chats, args.questions, questions, args.rtt))
        return
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    runs = {
        c: asyncio.run(bot_side(args.chats, args.questions, c, args.rtt)) for c in args.concurrency
    }
    report(args.chats, args.questions, args.rtt, runs)


if __name__ == "__main__":
    main()
