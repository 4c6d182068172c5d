"""Benchmark: `ask` latency on the bundled sources (warm index) and ingest throughput.

    python bench/ask_latency.py [--rounds 30] [--copies 40]

Prints a table of medians and tails; numbers, not assertions: targets live in the issue notes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import open_app
from bot.config import load_settings
from knowledge.embeddings import semantic_available
from knowledge.library import Library, bundled_sources_dir
from knowledge.query import QueryParser
from knowledge.store import Store

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
FALLBACK = ["what does Kim want?", "what does Putin want?", "who won the 2018 World Cup?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def bench_ask(
    db: Path,
    rounds: int,
    semantic: str = "off",
    encodes: list[float] | None = None,
    new: list[float] | None = None,
) -> list[float]:
    """Ask every dev question `rounds` times on a warm index (and warm model, for hybrid).

    The query vector is cached per text, so repeated asks do not run the model; `encodes`
    (hybrid) collects the model's time for one query, timed on its own, and `new` the whole
    ask of a question the bot has not seen (the cache emptied first: encode + ask), which is
    what a user waits for."""
    questions = FALLBACK
    if EVAL.exists():
        questions = [json.loads(line)["question"] for line in EVAL.read_text().splitlines() if line]
    settings = load_settings(None, semantic={"enabled": semantic})
    async with open_app(settings, db_path=db) as app:
        for question in questions:  # warm caches once
            await app.library.answer(question)
        timings = []
        for _ in range(rounds):
            for question in questions:
                started = time.perf_counter()
                await app.library.answer(question)
                timings.append((time.perf_counter() - started) * 1000)
                if encodes is not None and app.library.vectors is not None:
                    started = time.perf_counter()
                    await app.library.vectors.embedder.encode([question])
                    encodes.append((time.perf_counter() - started) * 1000)

        if new is not None and app.library.vectors is not None:
            for _ in range(rounds):
                for question in questions:
                    app.library.vectors.forget_queries()
                    started = time.perf_counter()
                    await app.library.answer(question)
                    new.append((time.perf_counter() - started) * 1000)
        return timings


async def bench_ingest(workdir: Path, copies: int) -> tuple[int, float]:
    """Ingest `copies` renamed copies of the bundled sources into a fresh store."""
    folder = workdir / "copies"
    folder.mkdir()
    for path in bundled_sources_dir().glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for i in range(copies):
            body = re.sub(r"^id: (.+)$", rf"id: \1-copy{i}", text, count=1, flags=re.M)
            (folder / f"{path.stem}-{i}.md").write_text(body, encoding="utf-8")
    async with await Store.open(workdir / "ingest.sqlite3") as store:
        library = Library(store, QueryParser.from_files())
        started = time.perf_counter()
        await library.ingest([folder])
        elapsed = time.perf_counter() - started
        return await store.passage_count(), elapsed


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = {"bm25": await bench_ask(work / "ask.sqlite3", args.rounds)}
        encodes: list[float] = []
        new: list[float] = []
        if semantic_available():
            runs["hybrid"] = await bench_ask(
                work / "hybrid.sqlite3", args.rounds, "auto", encodes, new
            )
        passages, seconds = await bench_ingest(work, args.copies)
    table = Table(title="briefbot: bundled sources, warm index (and warm model)")
    # ask: a question asked before (its vector cached); a new question also runs the model
    table.add_column("measure")
    for name in runs:
        table.add_column(name, justify="right")
    rows = {
        "ask calls": lambda t: f"{len(t)}",
        "ask p50 (ms)": lambda t: f"{statistics.median(t):.2f}",
        "ask p90 (ms)": lambda t: f"{percentile(t, 0.90):.2f}",
        "ask p99 (ms)": lambda t: f"{percentile(t, 0.99):.2f}",
    }
    for label, cell in rows.items():
        table.add_row(label, *(cell(t) for t in runs.values()))
    if encodes:
        table.add_row("encode one query p50 (ms)", "", f"{statistics.median(encodes):.2f}")
        table.add_row("encode one query p99 (ms)", "", f"{percentile(encodes, 0.99):.2f}")
    if new:
        table.add_row("new question: encode + ask p50 (ms)", "", f"{statistics.median(new):.2f}")
        table.add_row("new question: encode + ask p99 (ms)", "", f"{percentile(new, 0.99):.2f}")
    Console().print(table)
    table = Table(title="ingest (BM25 index only)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("ingest passages", f"{passages}")
    table.add_row("ingest passages/s", f"{passages / seconds:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(main())
