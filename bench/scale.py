"""Benchmark at scale: >=100,000 passages of real English prose (Debian's HTML documentation).

    python bench/scale.py [--target 100000] [--rounds 5] [--corpus DIR] [--keep DB]

Builds (once, cached) a text corpus from the installed HTML docs with briefbot's HTML reader
(see bench/corpus.py for the packages), ingests it into a fresh store through the same path as
`briefbot ingest`, and prints: ingest throughput, database size, peak RSS, and `ask` latency
(p50/p95, first ask of each question after the index changed = cold, repeats = warm) at 1k,
10k and 100k passages. Bounded: stops at --target passages and --rounds per size.
Numbers, not assertions; targets live in the issue notes.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build_corpus

from knowledge.library import Library
from knowledge.query import QueryParser
from knowledge.storage import SearchEngine
from knowledge.store import Store

QUESTIONS = [
    "How do I create a virtual environment?",
    "What does the global interpreter lock do?",
    "How can I read a file line by line?",
    "What is the difference between a list and a tuple?",
    "How do I create an index on a table?",
    "When should I run VACUUM FULL and what does it lock?",
    "How does write-ahead logging work?",
    "What isolation levels does the database support?",
    "How do I squash commits with an interactive rebase?",
    "What does git bisect do?",
    "How do I configure a network interface on Debian?",
    "How are package dependencies resolved?",
    "What is a foreign key constraint?",
    "How do I handle exceptions raised in a coroutine?",
    "Which encoding is used when opening a text file?",
    "How do I back up a database while it is running?",
    "What does the asyncio event loop do?",
    "How are regular expressions compiled and cached?",
    "How do I recover a deleted branch?",
    "How do I sign a release tag with GPG?",
]
SIZES = (1_000, 10_000, 100_000)


def engines(store: Store) -> list[tuple[str, SearchEngine | None]]:
    """FTS5 (the default) and, when installed, the tantivy mirror behind the same interface."""
    found: list[tuple[str, SearchEngine | None]] = [("fts5", None)]
    try:
        from knowledge.tantivy_engine import TantivyEngine
    except ImportError:
        return found
    return [*found, ("tantivy", TantivyEngine(store))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def db_size_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1024 / 1024


async def ask_latency(library: Library, rounds: int) -> tuple[list[float], list[float]]:
    """(cold, warm) milliseconds: each question once after the index changed, then repeats."""
    cold, warm = [], []
    for round_ in range(rounds):
        for question in QUESTIONS:
            _, ms = await library.answer(question)
            (cold if round_ == 0 else warm).append(ms)
    return cold, warm


async def run(
    files: list[Path], db: Path, target: int, rounds: int, table: Table, workers: int
) -> dict[str, float]:
    totals = {"passages": 0.0, "seconds": 0.0, "files": 0.0}
    async with await Store.open(db) as store:
        library = Library(store, QueryParser.from_files())
        position = 0
        per_file = 0.0  # passages per file so far, to size the next step in one bulk call
        for size in SIZES:
            if size > target:
                break
            started = time.perf_counter()
            batch_start = position
            while position < len(files) and (have := await store.passage_count()) < size:
                want = size - have
                step = 20 if not per_file else max(20, math.ceil(want / per_file * 1.02))
                chunk = files[position : position + step]
                await library.ingest(chunk, workers=workers)
                position += len(chunk)
                per_file = await store.passage_count() / position
            totals["seconds"] += time.perf_counter() - started
            totals["files"] += position - batch_start
            passages = await store.passage_count()
            for name, engine in engines(store):
                synced = time.perf_counter()
                if engine is not None:
                    await engine.term_document_counts([])  # build/refresh the mirror index
                synced_s = time.perf_counter() - synced
                asker = Library(store, QueryParser.from_files(), engine=engine)
                cold, warm = await ask_latency(asker, rounds)
                table.add_row(
                    f"{passages:,}",
                    name,
                    f"{synced_s:.1f}" if engine is not None else "-",
                    f"{position:,}",
                    f"{db_size_mb(db):,.1f}",
                    f"{peak_rss_mb():,.0f}",
                    f"{percentile(cold, 0.5):.2f}",
                    f"{percentile(cold, 0.95):.2f}",
                    f"{percentile(warm, 0.5):.2f}",
                    f"{percentile(warm, 0.95):.2f}",
                )
            if passages < size:
                table.add_row(f"(corpus ran out below {size:,})", *[""] * 9)
                break
        totals["passages"] = float(await store.passage_count())
    return totals


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=Path.home() / ".cache/briefbot/bench-corpus")
    parser.add_argument(
        "--workers", type=int, default=1, help="parse in this many processes (see knowledge.bulk)"
    )
    parser.add_argument("--keep", type=Path, help="write the index here instead of a temp dir")
    args = parser.parse_args()
    console = Console(width=160)
    started = time.perf_counter()
    files, words = build_corpus(args.corpus)
    console.print(
        f"corpus: {files:,} pages, {words:,} words ({time.perf_counter() - started:.0f} s)"
    )
    table = Table(title="briefbot at scale: Debian HTML docs, BM25 path")
    table.add_column("passages", justify="right")
    table.add_column("engine")
    table.add_column("mirror build s", justify="right")
    for column in ("files", "DB MB", "peak RSS MB"):
        table.add_column(column, justify="right")
    for column in ("cold p50 ms", "cold p95 ms", "warm p50 ms", "warm p95 ms"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "scale.sqlite3"
        totals = await run(
            sorted(args.corpus.glob("*.md")), db, args.target, args.rounds, table, args.workers
        )
    console.print(table)
    rate = totals["passages"] / totals["seconds"] if totals["seconds"] else 0.0
    console.print(
        f"ingest: {totals['passages']:,.0f} passages from {totals['files']:,.0f} files in "
        f"{totals['seconds']:.1f} s = {rate:,.0f} passages/s (parse, clean, split, write, FTS)"
    )


if __name__ == "__main__":
    asyncio.run(main())
