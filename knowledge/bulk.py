"""Bulk ingest of many files: parse in worker processes, write in batched transactions.

Parsing (cleaning, sentence and passage splitting) is CPU-bound Python, so a folder of
thousands of files is read by a process pool while this process writes. Writes are grouped
into transactions of about BATCH_PASSAGES passages (FTS5 merges far less that way); if a
batch fails, its documents are retried one by one so only the bad one is reported failed and
the rest are not lost. Each document is still all-or-nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from knowledge.documents import TEXT_SUFFIXES, DocumentError
from knowledge.readers import Readout, read_path
from knowledge.readers.sandbox import ParserPool
from knowledge.source_registry_types import Saved
from knowledge.storage import Registry

log = logging.getLogger(__name__)
BATCH_PASSAGES = 5000
CHUNK = 16  # files per worker task
WINDOW = 16  # chunks parsed ahead of the writer, to bound memory
PARALLEL_MIN_FILES = 100
Parsed = tuple[Path, list[Readout] | str]  # readouts, or the error message


def read_path_or_error(path: Path) -> list[Readout] | str:
    """`read_path` for a worker process: failures come back as their message (picklable)."""
    try:
        return read_path(path)
    except (DocumentError, OSError) as exc:
        return str(exc)


def read_paths_or_errors(paths: list[Path]) -> list[list[Readout] | str]:
    """Several files per worker task: one round trip per CHUNK files, not per file."""
    return [read_path_or_error(path) for path in paths]


async def parsed(
    paths: Sequence[Path], workers: int = 1, parser: ParserPool | None = None
) -> AsyncIterator[Parsed]:
    """Parse `paths` in order: inline, or with a pool of `workers` processes when there are
    at least PARALLEL_MIN_FILES of them (a pool costs about half a second to start).

    Inline, HTML, PDF and feed files go through `parser` (the limited parser process) when one
    is given: they are the formats a hostile file can make slow or huge."""
    if workers <= 1 or len(paths) < PARALLEL_MIN_FILES:
        for path in paths:
            if parser is not None and path.suffix.lower() not in TEXT_SUFFIXES:
                try:
                    yield path, await parser.run(str(path), read_path_or_error, path)
                except DocumentError as exc:
                    yield path, str(exc)
            else:
                yield path, read_path_or_error(path)
        return
    loop = asyncio.get_running_loop()
    chunks = [list(paths[i : i + CHUNK]) for i in range(0, len(paths), CHUNK)]
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
    try:
        pending: deque[tuple[list[Path], asyncio.Future[list[list[Readout] | str]]]] = deque()
        for chunk in chunks:  # at most WINDOW chunks parsed ahead of the writer
            pending.append((chunk, loop.run_in_executor(pool, read_paths_or_errors, chunk)))
            if len(pending) >= WINDOW:
                done, future = pending.popleft()
                for item in zip(done, await future, strict=True):
                    yield item
        while pending:
            done, future = pending.popleft()
            for item in zip(done, await future, strict=True):
                yield item
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class BulkWriter:
    """Collects parsed documents and writes them in batches through the registry.

    A full batch is written by a background task, so the next batch is parsed while SQLite
    (which releases the GIL) writes this one; batches still commit one after another, in order.
    """

    def __init__(self, registry: Registry, on_saved: Callable[[Path, Readout, Saved], None]):
        self._registry = registry
        self._on_saved = on_saved
        self._batch: list[tuple[Path, Readout]] = []
        self._passages = 0
        self._writing: asyncio.Task[None] | None = None

    async def add(self, path: Path, readout: Readout) -> None:
        self._batch.append((path, readout))
        self._passages += len(readout.document.passages)
        if self._passages >= BATCH_PASSAGES:
            batch, self._batch, self._passages = self._batch, [], 0
            await self._wait()
            self._writing = asyncio.create_task(self._write(batch))

    async def flush(self) -> None:
        """Write what is left and wait for every batch to be committed."""
        batch, self._batch, self._passages = self._batch, [], 0
        await self._wait()
        await self._write(batch)

    async def _wait(self) -> None:
        if self._writing is not None:
            task, self._writing = self._writing, None
            await task

    async def _write(self, batch: list[tuple[Path, Readout]]) -> None:
        if not batch:
            return
        try:
            saved = await self._registry.save_many([(r.document, r.keys) for _, r in batch])
        except Exception:
            log.warning("a batch of %d documents failed; retrying one by one", len(batch))
            for path, readout in batch:
                try:
                    one = await self._registry.save(readout.document, readout.keys)
                except Exception as exc:  # the database refused this document
                    one = Saved("failed", readout.document.meta.id, f"not written: {exc}")
                self._on_saved(path, readout, one)
            return
        for (path, readout), one in zip(batch, saved, strict=True):
            self._on_saved(path, readout, one)
