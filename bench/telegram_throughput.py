"""Benchmark: questions answered per second end to end through the fake Telegram Bot API.

    python bench/telegram_throughput.py [--chats 1 20 100] [--questions 400] [--concurrency 8]
        [--search bm25 hybrid] [--runs 3]

Two processes, as in production where Telegram is another machine: this one runs the bot
(real PTB adapter, real core, SQLite in a temp dir), a child runs the fake Bot API and the
users. `--chats` private chats ask at once; each asks its next question when the previous
answer arrives. Every question travels the whole path: getUpdates long poll -> PTB -> update
dedup (SQLite) -> typing action -> core (allowlist, rate limit off, search, answer, /more
state, question log) -> HTML -> sendMessage. Latency is measured on the users' side, from
queuing the update to receiving the answer, and split at the typing action: before it, the
poll pickup, any wait behind other chats, and the dedup write; after it, the core and the
sendMessage call. The core's own time is the question log's latency_ms.

Which search path is measured is stated in every row: `bm25` forces BM25 only (as
BRIEFBOT_SEMANTIC__ENABLED=off does), `hybrid` is the default when the semantic extra is
installed (BM25 + embeddings; the warm-up encodes every question once, so the timed rounds
hit the query-vector cache, as repeated questions do in production). Each cell is the median
of `--runs` runs. Prints tables; numbers, not assertions (targets: >= 200 questions/s,
p99 < 50 ms).
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

from knowledge.embeddings import semantic_available

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
        print("warm", flush=True)  # the bot's CPU is counted from here
        timings: list[tuple[float, ...]] = []
        began = time.perf_counter()
        await asyncio.gather(*(user(fake, 1 + c, rounds, timings) for c in range(chats)))
        elapsed = time.perf_counter() - began
        print(
            json.dumps({"elapsed": elapsed, "timings": timings, "warm": len(questions)}), flush=True
        )
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # bot closed


# -- the bot side (this process) -----------------------------------------------------------
async def bot_side(chats: int, rounds: int, concurrency: int, rtt: float, search: str) -> dict:
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
    semantic = {"enabled": "off" if search == "bm25" else "auto"}
    settings = load_settings(None, access={"rate_limit": 0}, semantic=semantic)
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
            try:
                await child.stdout.readline()  # warmed up (and the model loaded, if hybrid)
                cpu = time.process_time()
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


def summarise(result: dict) -> dict[str, float]:
    """One run's figures: throughput, user-side latency percentiles, bot CPU, breakdown."""
    timings = result["timings"]
    total = [(a - s) * 1000 for s, _, a in timings]
    before = [(t - s) * 1000 for s, t, _ in timings]
    after = [(a - t) * 1000 for _, t, a in timings]
    return {
        "questions": len(timings),
        "qps": len(timings) / result["elapsed"],
        "p50": statistics.median(total),
        "p90": percentile(total, 0.90),
        "p99": percentile(total, 0.99),
        "cpu": result["cpu"] * 1000 / len(timings),
        "before": statistics.median(before),
        "after": statistics.median(after),
        "core": statistics.median(result["core_ms"]),
        "core99": percentile(result["core_ms"], 0.99),
    }


def report(
    rounds: int, rtt: float, rows: list[tuple[str, int, int, list[dict[str, float]]]]
) -> None:
    """One row per (search, chats, concurrency): the median of each figure over the runs."""
    console = Console()
    table = Table(
        title=f"Telegram end to end through the fake Bot API: {rounds} questions per run, "
        f"each chat asking in turn; round trip {rtt:g} ms; medians of runs"
    )
    columns = (
        "search", "chats", "concurrent updates", "runs", "questions/s", "p50 ms", "p90 ms",
        "p99 ms", "bot CPU ms/q", "queued->typing p50", "typing->answer p50", "core p50 / p99",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for search, chats, concurrency, runs in rows:
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        table.add_row(
            search,
            str(chats),
            str(concurrency),
            str(len(runs)),
            f"{med['qps']:,.0f}",
            f"{med['p50']:.1f}",
            f"{med['p90']:.1f}",
            f"{med['p99']:.1f}",
            f"{med['cpu']:.1f}",
            f"{med['before']:.1f}",
            f"{med['after']:.1f}",
            f"{med['core']:.1f} / {med['core99']:.1f}",
        )
    console.print(table)
    if "--json" in sys.argv:
        data = [{"search": s, "chats": c, "concurrency": n, "runs": r} for s, c, n, r in rows]
        print(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, nargs="+", default=[1, 20, 100])
    parser.add_argument(
        "--questions", type=int, default=400, help="questions per run, spread over the chats"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    parser.add_argument(
        "--search", nargs="+", choices=["bm25", "hybrid"], default=["bm25", "hybrid"]
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per cell; the table shows medians"
    )
    parser.add_argument(
        "--rtt", type=float, default=0.0, help="simulated Bot API round trip, ms (Telegram: ~50)"
    )
    parser.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    parser.add_argument("--telegram-side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    questions = FALLBACK
    if EVAL.exists():
        questions = [json.loads(line)["question"] for line in EVAL.read_text().splitlines() if line]
    if args.telegram_side:
        asyncio.run(telegram_side(args.chats[0], args.questions, questions, args.rtt))
        return
    if "hybrid" in args.search and not semantic_available():
        raise SystemExit(
            "--search hybrid needs the semantic extra (pip install 'briefbot[semantic]')"
        )
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    rows = []
    for search in args.search:
        for chats in args.chats:
            rounds = max(1, -(-args.questions // chats))  # each chat asks in turn
            for concurrency in args.concurrency:
                runs = [
                    summarise(asyncio.run(bot_side(chats, rounds, concurrency, args.rtt, search)))
                    for _ in range(args.runs)
                ]
                rows.append((search, chats, concurrency, runs))
    report(args.questions, args.rtt, rows)


if __name__ == "__main__":
    main()
