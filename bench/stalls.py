"""Benchmark: question latency while the bot ingests something big, and during a hostile parse.

    PYTHONPATH=. python bench/stalls.py [--passages 3000] [--html-megabytes 2] [--real-model]

Phases, each timing questions asked one after another (median and worst):
  idle      nothing else running;
  embedding a large text file is ingested, its passages embedded (hybrid search on);
  parsing   a large HTML page (served on 127.0.0.1) is fetched and parsed;
  hostile   (with the parser process) a parser that hangs, then one that allocates 4 GB: the
            time until "could not read that file" (the second includes starting a new worker)
            and how much this process grew.

The embedder is the hashing embedder slowed to about the model's throughput on a small CPU
(PACE seconds per passage, in a worker thread), so the phase lasts as long as a real one would
without loading torch; `--real-model` uses all-MiniLM-L6-v2 instead. The script uses only the
public `Library` API, so the same file runs against an older checkout for a before/after table.
Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import resource
import statistics
import tempfile
import time
from collections.abc import Awaitable, Sequence
from pathlib import Path

import numpy as np
from aiohttp import web
from rich.console import Console
from rich.table import Table

from knowledge.embeddings import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from knowledge.library import Library
from knowledge.query import QueryParser
from knowledge.store import Store

QUESTIONS = ["what does Kim want?", "what does Putin want?", "what did Sullivan warn?"]
PACE = 0.004  # seconds per passage: MiniLM on two busy cores encodes roughly 250 a second


class PacedEmbedder(HashingEmbedder):
    """Hashing vectors at the model's pace: the wait happens in a worker thread, like a model."""

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        await asyncio.to_thread(time.sleep, PACE * len(texts))
        return await super().encode(texts)


def big_text(passages: int) -> str:
    rows = (
        f"Ledger entry {n}: the quartermaster counted {n % 97} crates at depot {n % 13}, and "
        f"the tally for week {n} was sent north with the morning train to the capital."
        for n in range(passages * 2)
    )
    paragraphs = [" ".join(chunk) for chunk in zip(*[iter(rows)] * 2, strict=False)]
    return "Depot ledger\n\n" + "\n\n".join(paragraphs)


def big_html(megabytes: float) -> bytes:
    paragraphs = []
    size, n = 0, 0
    while size < megabytes * 1_000_000:
        line = (
            f"<p>Report {n}: officials at port {n % 17} discussed grain shipment {n}, rail "
            f"freight schedule {n % 31} and fuel allowance {n % 7} late into the evening.</p>\n"
        )
        paragraphs.append(line)
        size += len(line)
        n += 1
    body = "".join(paragraphs)
    return f"<html><head><title>Port reports</title></head><body><article>{body}</article>".encode()


async def ask_until(library: Library, work: Awaitable[object] | None, rounds: int) -> list[float]:
    """Latencies (ms) of questions asked back to back: `rounds` of them, or while `work` runs."""
    task = asyncio.ensure_future(work) if work is not None else None
    await asyncio.sleep(0)
    timings: list[float] = []
    n = 0
    while (task is None and n < rounds) or (task is not None and not task.done()):
        started = time.perf_counter()
        await library.answer(QUESTIONS[n % len(QUESTIONS)])
        timings.append((time.perf_counter() - started) * 1000)
        n += 1
        await asyncio.sleep(0.02)
    if task is not None:
        await task
    return timings


def hangs() -> None:
    """A parser stuck on its input (run in the parser process)."""
    time.sleep(3600)


def hoards() -> int:
    """A parser that wants 4 GB for one file (run in the parser process)."""
    return len(bytearray(4 * 1024**3))


async def hostile_rows(library: Library, limit: float) -> list[tuple[str, list[float], float]]:
    """Question latency while the parser process is stuck, then memory while it hoards."""
    from knowledge.documents import DocumentError
    from knowledge.readers.sandbox import ParseLimits, ParserPool

    pool = ParserPool(ParseLimits(timeout=limit, memory_megabytes=1024))
    rows = []
    try:
        await pool.run("warm-up", statistics.median, [1.0])  # start the worker first

        async def refused(parse: object) -> str:
            try:
                await pool.run("hostile.pdf", parse)  # type: ignore[arg-type]
            except DocumentError as exc:
                return str(exc)
            return "read (not refused!)"

        started = time.perf_counter()
        timings = await ask_until(library, refused(hangs), 0)
        rows.append((f"hostile: hangs ({limit:g} s cap)", timings, elapsed(started)))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        timings = await ask_until(library, refused(hoards), 0)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        rows.append((f"hostile: 4 GB (bot +{grown:.0f} MB)", timings, elapsed(started)))
    finally:
        await pool.aclose()
    return rows


def elapsed(started: float) -> float:
    return time.perf_counter() - started


async def serve_page(page: bytes) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/big.html", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/big.html"


async def main(
    passages: int, html_megabytes: float, real_model: bool, hostile_timeout: float
) -> None:
    embedder: Embedder = SentenceTransformerEmbedder() if real_model else PacedEmbedder()
    rows: list[tuple[str, list[float], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with await Store.open(Path(tmp) / "stalls.sqlite3") as store:
            library = Library(store, QueryParser.from_files(), embedder=embedder)
            await library.sync_bundled()
            await ask_until(library, None, 3)  # warm caches and the model
            rows.append(("idle", await ask_until(library, None, 30), 0.0))

            big = Path(tmp) / "depot-ledger.txt"
            big.write_text(big_text(passages), encoding="utf-8")
            started = time.perf_counter()
            timings = await ask_until(library, library.ingest([big]), 0)
            rows.append((f"embedding ~{passages} passages", timings, time.perf_counter() - started))

            runner, url = await serve_page(big_html(html_megabytes))
            try:
                started = time.perf_counter()
                timings = await ask_until(library, library.ingest_url(url), 0)
                elapsed = time.perf_counter() - started
                rows.append((f"parsing a {html_megabytes:g} MB page", timings, elapsed))
            finally:
                await runner.cleanup()
            if importlib.util.find_spec("knowledge.readers.sandbox") is not None:
                rows += await hostile_rows(library, hostile_timeout)
            closing = getattr(library, "aclose", None)
            if closing is not None:
                await closing()
    table = Table(title="Question latency (ms) while the bot works")
    for column in ("phase", "questions", "median", "worst", "phase took (s)"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for phase, timings, took in rows:
        table.add_row(
            phase,
            str(len(timings)),
            f"{statistics.median(timings):.0f}",
            f"{max(timings):.0f}",
            f"{took:.1f}" if took else "",
        )
    Console().print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=3000)
    parser.add_argument("--html-megabytes", type=float, default=2.0)
    parser.add_argument("--real-model", action="store_true")
    parser.add_argument("--hostile-timeout", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(main(args.passages, args.html_megabytes, args.real_model, args.hostile_timeout))
