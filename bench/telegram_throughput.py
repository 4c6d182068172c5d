"""Benchmark: questions answered per second end to end through the fake Telegram Bot API.

    python bench/telegram_throughput.py [--chats 1 20 100] [--questions 400] [--concurrency 8]
        [--search bm25 hybrid] [--runs 3] [--rate 0 200] [--typing-after 0.5]

Two processes, as in production where Telegram is another machine: this one runs the bot
(real PTB adapter, real core, SQLite in a temp dir), a child runs the fake Bot API and the
users. Every question travels the whole path: getUpdates long poll -> PTB -> update dedup
(SQLite) -> core (allowlist, rate limit off, search, answer, /more state, question log) ->
HTML -> sendMessage (and sendChatAction when the answer is slower than `--typing-after`; 0
sends it before every answer). Latency is measured on the users' side, from queuing the
update to receiving the answer; the core's own time is the question log's latency_ms.

Two ways to load the bot, as `--rate` says:
- `0` (closed loop, the saturation figure): `--chats` private chats ask at once and each asks
  its next question when the previous answer arrives. Questions/s is the most the bot
  answers; latency here is mostly queueing (N chats waiting their turn: ~N / throughput).
- `R > 0` (open loop, the latency figure): questions arrive at R a second whatever the bot is
  doing, round robin over `--chats` chats, as a busy team's would. This is how the target
  reads: at 200 questions/s offered, how long does an answer take? (A closed loop hides
  queueing delay, because a slow answer also delays the next question.)

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
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot import event_loop
from knowledge.embeddings import semantic_available

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK = ["what does Kim want?", "what does Putin want?", "who won the 2018 World Cup?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the Telegram side (child process) -----------------------------------------------------
async def telegram_side(
    chats: int, count: int, questions: list[str], rtt: float, rate: float
) -> None:
    """Serve the fake Bot API, print its URL, run the users once the bot polls, print results.

    `count`: questions per chat in a closed loop (`rate` 0), or in all at `rate` a second."""
    sys.path.insert(0, str(ROOT / "tests"))
    from fakes.telegram_api import FakeTelegram

    class TimedFake(FakeTelegram):
        def __init__(self) -> None:
            super().__init__()
            self.waiting: dict[int, asyncio.Future[float]] = {}

        async def dispatch(self, method: str, p: dict) -> object:
            if rtt and method.lower() != "getupdates":  # a simulated network round trip
                await asyncio.sleep(rtt / 1000)
            return await super().dispatch(method, p)

        def _api_sendmessage(self, p: dict) -> dict:
            msg = super()._api_sendmessage(p)
            future = self.waiting.pop((msg.get("reply_to_message") or {}).get("message_id"), None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())
            self.sent.clear()  # keep memory flat
            self.calls.clear()
            return msg

        def ask(self, chat: int, text: str) -> tuple[float, asyncio.Future[float]]:
            future = asyncio.get_running_loop().create_future()
            started = time.perf_counter()
            asked = self.send_text(chat, text)["message"]
            self.waiting[asked["message_id"]] = future
            return started, future

    async def user(fake: TimedFake, chat: int, count: int, out: list[tuple[float, float]]) -> None:
        for n in range(count):
            started, answered = fake.ask(chat, questions[(chat + n) % len(questions)])
            out.append((started, await asyncio.wait_for(answered, timeout=60)))

    async def arrivals(fake: TimedFake, out: list[tuple[float, float]]) -> None:
        """`count` questions at `rate` a second, round robin over the chats, never waiting."""
        loop = asyncio.get_running_loop()
        begin, pending = loop.time(), []
        for n in range(count):
            if (delay := begin + n / rate - loop.time()) > 0:
                await asyncio.sleep(delay)
            pending.append(fake.ask(1 + n % chats, questions[n % len(questions)]))
        for started, answered in pending:
            out.append((started, await asyncio.wait_for(answered, timeout=60)))

    async with TimedFake() as fake:
        print(fake.base_url, fake.base_file_url, fake.TOKEN, flush=True)
        await fake.wait_for_call("getUpdates", timeout=60)
        await user(fake, 10**6, len(questions), [])  # warm up: every question once
        print("warm", flush=True)  # the bot's CPU is counted from here
        timings: list[tuple[float, float]] = []
        cpu, began = time.process_time(), time.perf_counter()
        if rate:
            await arrivals(fake, timings)
        else:
            await asyncio.gather(*(user(fake, 1 + c, count, timings) for c in range(chats)))
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        result = {"elapsed": elapsed, "timings": timings, "warm": len(questions), "fake_cpu": cpu}
        print(json.dumps(result), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # bot closed


# -- the bot side (this process) -----------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One row of the table: what is measured, and how the bot is loaded."""

    search: str
    chats: int
    concurrency: int
    rate: float  # questions/s offered; 0 = closed loop
    typing_after: float


async def bot_side(cell: Cell, count: int, rtt: float) -> dict:
    from bot.adapters.telegram.adapter import TelegramAdapter
    from bot.app import open_app
    from bot.config import TelegramSettings, load_settings

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--telegram-side",
        f"--chats={cell.chats}",
        f"--questions={count}",
        f"--rtt={rtt}",
        f"--rate={cell.rate}",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    assert child.stdin is not None
    base_url, base_file_url, token = (await child.stdout.readline()).decode().split()
    semantic = {"enabled": "off" if cell.search == "bm25" else "auto"}
    settings = load_settings(None, access={"rate_limit": 0}, semantic=semantic)
    telegram = TelegramSettings(concurrent_updates=cell.concurrency, typing_after=cell.typing_after)
    with tempfile.TemporaryDirectory() as tmp:
        async with open_app(settings, db_path=Path(tmp) / "bench.sqlite3") as app:
            adapter = TelegramAdapter(app.core, token, base_url, base_file_url, settings=telegram)
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
    """One run's figures: throughput, user-side latency percentiles, bot CPU, core time."""
    timings = result["timings"]
    total = [(a - s) * 1000 for s, a in timings]
    return {
        "questions": len(timings),
        "qps": len(timings) / result["elapsed"],
        "p50": statistics.median(total),
        "p90": percentile(total, 0.90),
        "p99": percentile(total, 0.99),
        "cpu": result["cpu"] * 1000 / len(timings),
        "fake_cpu": result["fake_cpu"] * 1000 / len(timings),
        "core": statistics.median(result["core_ms"]),
        "core99": percentile(result["core_ms"], 0.99),
    }


def report(questions: int, rtt: float, rows: list[tuple[Cell, list[dict[str, float]]]]) -> None:
    """One row per cell: the median of each figure over the runs."""
    console = Console()
    table = Table(
        title=f"Telegram end to end through the fake Bot API: {questions} questions per run; "
        f"round trip {rtt:g} ms; medians of runs"
    )
    columns = (
        "search", "chats", "concurrent updates", "offered q/s", "typing after s", "runs",
        "answered q/s", "p50 ms", "p90 ms", "p99 ms", "bot CPU ms/q", "fake CPU ms/q",
        "core p50 / p99 ms",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for cell, runs in rows:
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        table.add_row(
            cell.search,
            str(cell.chats),
            str(cell.concurrency),
            f"{cell.rate:g}" if cell.rate else "closed loop",
            f"{cell.typing_after:g}",
            str(len(runs)),
            f"{med['qps']:,.0f}",
            f"{med['p50']:.1f}",
            f"{med['p90']:.1f}",
            f"{med['p99']:.1f}",
            f"{med['cpu']:.2f}",
            f"{med['fake_cpu']:.2f}",
            f"{med['core']:.1f} / {med['core99']:.1f}",
        )
    console.print(table)
    if "--json" in sys.argv:
        print(json.dumps([{**asdict(cell), "runs": runs} for cell, runs in rows]))


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
        "--rate",
        type=float,
        nargs="+",
        default=[0.0, 200.0],
        help="questions/s offered (open loop); 0 = closed loop (each chat waits for its answer)",
    )
    parser.add_argument(
        "--typing-after",
        type=float,
        nargs="+",
        default=[0.5],
        help="telegram.typing_after: seconds before typing… is shown (0 = before every answer)",
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
        rate = args.rate[0]
        asyncio.run(telegram_side(args.chats[0], args.questions, questions, args.rtt, rate))
        return
    if "hybrid" in args.search and not semantic_available():
        raise SystemExit(
            "--search hybrid needs the semantic extra (pip install 'briefbot[semantic]')"
        )
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    rows = []
    for cell in (
        Cell(search, chats, concurrency, rate, typing_after)
        for search in args.search
        for rate in args.rate
        for chats in args.chats
        for concurrency in args.concurrency
        for typing_after in args.typing_after
    ):
        # closed loop: each chat asks its share in turn; open loop: all of them at the rate
        count = args.questions if cell.rate else max(1, -(-args.questions // cell.chats))
        # the bot on the loop `briefbot run` uses (uvloop where installed)
        runs = [
            summarise(event_loop.run(bot_side(cell, count, args.rtt))) for _ in range(args.runs)
        ]
        rows.append((cell, runs))
    report(args.questions, args.rtt, rows)


if __name__ == "__main__":
    main()
