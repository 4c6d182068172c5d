"""Benchmark: vector storage formats for the embeddings table (float32, float16, int8).

    python bench/vector_storage.py [--passages 100000] [--queries 50]

Random unit vectors stand in for passages (384 dimensions, like all-MiniLM-L6-v2); queries are
perturbed copies of stored vectors so the true neighbours are known. For each format: bytes per
vector, the time to turn the stored blobs into a float32 matrix, query time, and how many of
float32's top 10 the format also returns.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from rich.console import Console
from rich.table import Table

DIMENSIONS = 384


def encode(matrix: np.ndarray, kind: str) -> tuple[bytes, np.ndarray | None]:
    if kind == "float32":
        return matrix.astype(np.float32).tobytes(), None
    if kind == "float16":
        return matrix.astype(np.float16).tobytes(), None
    scale = np.abs(matrix).max(axis=1, keepdims=True) / 127
    return np.round(matrix / scale).astype(np.int8).tobytes(), scale.astype(np.float32)


def decode(blob: bytes, kind: str, rows: int, scale: np.ndarray | None) -> np.ndarray:
    dtype = {"float32": np.float32, "float16": np.float16, "int8": np.int8}[kind]
    matrix = np.frombuffer(blob, dtype=dtype).reshape(rows, DIMENSIONS).astype(np.float32)
    return matrix * scale if scale is not None else matrix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    base = rng.standard_normal((args.passages, DIMENSIONS)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    picks = rng.integers(0, args.passages, args.queries)
    queries = base[picks] + 0.08 * rng.standard_normal((args.queries, DIMENSIONS))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    truth = [set(np.argsort(-(base @ q))[:10].tolist()) for q in queries]
    table = Table(title=f"{args.passages:,} vectors x {DIMENSIONS} dims, brute-force cosine")
    for column in ("format", "bytes/vector", "store MB", "load ms", "query p50 ms", "top-10 agree"):
        table.add_column(column, justify="right")
    for kind in ("float32", "float16", "int8"):
        blob, scale = encode(base, kind)
        started = time.perf_counter()
        matrix = decode(blob, kind, args.passages, scale)
        load = (time.perf_counter() - started) * 1000
        timings, agree = [], []
        for q, want in zip(queries, truth, strict=True):
            started = time.perf_counter()
            top = np.argpartition(-(matrix @ q), 10)[:10]
            timings.append((time.perf_counter() - started) * 1000)
            agree.append(len(want & set(top.tolist())) / 10)
        table.add_row(
            kind,
            f"{len(blob) // args.passages}",
            f"{len(blob) / 1e6:.1f}",
            f"{load:.0f}",
            f"{statistics.median(timings):.2f}",
            f"{statistics.mean(agree):.3f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
