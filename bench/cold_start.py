"""Benchmark: cold start of `python -m bot ask "…"` per encoder, and the query encoders.

    python bench/cold_start.py [--rounds 5]

Each round is a fresh process on an index built beforehand (the first run, which indexes the
bundled sources, is reported apart). Wall time is what a user waits; CPU time (user + sys of
the child) is reported too, because on a shared machine wall time mostly measures the queue.
Then the model load and one-question encode time of the numpy MiniLM and, when the semantic
extra is installed, sentence-transformers, and their cosine agreement. Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's packages, even beside an editable install
QUESTION = "what does Kim want?"
QUESTIONS = [
    "what does Kim want?",
    "Was Putin friendly with Kim when they met?",
    "Which weapons could North Korea supply to Russia?",
    "What did the United States say about the meeting?",
]


def run_ask(db: Path, encoder: str) -> tuple[float, float, str]:
    """One `ask` in a fresh process: (wall s, cpu s, stderr)."""
    env = {**os.environ, "BRIEFBOT_SEMANTIC__ENABLED": "auto"}
    if encoder == "bm25":
        env["BRIEFBOT_SEMANTIC__ENABLED"] = "off"
    else:
        env["BRIEFBOT_SEMANTIC__ENCODER"] = encoder
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", str(db), QUESTION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stderr


def encoders() -> list[str]:
    from knowledge.embeddings import sentence_transformers_available

    return [
        "bm25",
        "numpy",
        *(["sentence-transformers"] if sentence_transformers_available() else []),
    ]


def cold_starts(rounds: int) -> Table:
    table = Table(
        "install / encoder",
        "first run (index) s",
        "ask wall p50 s",
        "ask wall min s",
        "ask cpu p50 s",
    )
    with tempfile.TemporaryDirectory() as tmp:
        for encoder in encoders():
            db = Path(tmp) / f"{encoder}.sqlite3"
            first, _, _ = run_ask(db, encoder)
            runs = [run_ask(db, encoder) for _ in range(rounds)]
            walls = [w for w, _, _ in runs]
            table.add_row(
                encoder,
                f"{first:.2f}",
                f"{statistics.median(walls):.2f}",
                f"{min(walls):.2f}",
                f"{statistics.median(c for _, c, _ in runs):.2f}",
            )
    return table


async def encoder_speed() -> Table:
    import numpy as np

    from knowledge.embeddings import SentenceTransformerEmbedder, sentence_transformers_available
    from knowledge.minilm import NumpyMiniLMEmbedder

    candidates: list[tuple[str, Any]] = [("numpy int8", NumpyMiniLMEmbedder())]
    if sentence_transformers_available():
        candidates.append(("sentence-transformers", SentenceTransformerEmbedder()))
    rows: list[tuple[str, float, float]] = []
    vectors: list[np.ndarray] = []
    for name, embedder in candidates:
        start = time.perf_counter()
        await embedder.warm()
        load = time.perf_counter() - start
        times = []
        for question in QUESTIONS * 5:
            start = time.perf_counter()
            await embedder.encode([question])
            times.append((time.perf_counter() - start) * 1000)
        vectors.append(await embedder.encode(QUESTIONS))
        rows.append((name, load, statistics.median(times)))
    table = Table("encoder", "load s", "query encode p50 ms", "cosine to the other (min)")
    agreement = f"{(vectors[0] * vectors[-1]).sum(axis=1).min():.4f}" if len(rows) == 2 else "—"
    for name, load, encode in rows:
        table.add_row(name, f"{load:.2f}", f"{encode:.1f}", agreement)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    console = Console()
    console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    console.print(cold_starts(args.rounds))
    console.print(asyncio.run(encoder_speed()))


if __name__ == "__main__":
    main()
