"""Parse untrusted bytes (HTML pages, PDFs, feeds) in a worker process with hard limits.

Why a process: parsing is CPU-bound C and Python working on whatever a web server or a user
sends. On the event loop one hostile PDF held the whole bot for 74 s (Discord interactions
expired, Telegram updates piled up) and grew it to 3.9 GB. In a worker process the bot keeps
answering while a file is parsed, and a file that needs too much memory (`RLIMIT_AS`), CPU
(`RLIMIT_CPU`) or wall-clock time (`asyncio.wait_for`) costs only the worker: it is killed,
the pool is built again on the next use, and the ingest reports "could not read that file".

One worker, one file at a time: ingest is rare, and a flood of hostile files cannot multiply
the memory they take. The spawn context gives a clean interpreter (no copy of the bot's
threads, sockets or model), which only needs the readers' imports.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TypeVar

from knowledge.documents import DocumentError

log = logging.getLogger(__name__)
T = TypeVar("T")
WARM_UP_SECONDS = 120.0  # starting the worker and importing the readers, on a busy machine


@dataclass(frozen=True, slots=True)
class ParseLimits:
    timeout: float = 30.0  # seconds of wall clock, and of CPU, for one file
    memory_megabytes: int = 1024  # address space of the worker process


def could_not_read(name: str, why: str) -> DocumentError:
    """The one message a person sees for a file the parser gave up on."""
    return DocumentError(f"{name}: could not read that file ({why})")


class ParserPool:
    """Runs one parse at a time in a limited worker process; `aclose()` stops the worker."""

    def __init__(self, limits: ParseLimits | None = None) -> None:
        self.limits = limits or ParseLimits()
        self._pool: ProcessPoolExecutor | None = None
        self._turn = asyncio.Lock()

    async def run(self, name: str, parse: Callable[..., T], *args: Any) -> T:
        """`parse(*args)` in the worker (a module-level function; picklable args and result).

        A `DocumentError` from `parse` comes back as it is; a worker that overruns the time
        limit, runs out of memory or dies becomes `could_not_read(name, ...)`.
        """
        limits = self.limits
        async with self._turn:
            try:
                pool = await self._ready()
                loop = asyncio.get_running_loop()
                job = loop.run_in_executor(pool, _limited, limits.timeout, parse, *args)
                return await asyncio.wait_for(job, limits.timeout)
            except TimeoutError:
                seconds = f"{limits.timeout:g} s"
                raise self._gave_up(
                    name, f"parsing stopped after {seconds}", f"parsing took longer than {seconds}"
                ) from None
            except MemoryError:
                memory = f"parsing needed more than {limits.memory_megabytes} MB"
                raise self._gave_up(name, memory, memory) from None
            except BrokenProcessPool:
                raise self._gave_up(
                    name,
                    "the parser process died (CPU or memory limit?)",
                    "the parser stopped on it",
                ) from None
            except asyncio.CancelledError:
                self._discard()  # the worker may still be busy with it: start afresh
                raise
            except DocumentError:
                raise
            except Exception as exc:  # a parser bug on odd input: the file is refused, not us
                log.warning("%s: the parser failed (%s)", name, type(exc).__name__)
                raise could_not_read(name, type(exc).__name__) from None

    async def aclose(self) -> None:
        """Stop the worker now, busy or not (shutdown never waits out a hostile file), and
        reap it in a thread so the loop is never held."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _kill_workers(pool)
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _ready(self) -> ProcessPoolExecutor:
        """The pool, its worker started and the readers imported (a second or two, not
        counted against a file's time limit)."""
        if self._pool is None:
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=get_context("spawn"),
                initializer=_set_limits,
                initargs=(self.limits.memory_megabytes, self.limits.timeout),
            )
            self._pool = pool
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(loop.run_in_executor(pool, _warm_up), WARM_UP_SECONDS)
            except (TimeoutError, BrokenProcessPool, asyncio.CancelledError):
                self._discard()
                raise
        return self._pool

    def _gave_up(self, name: str, logged: str, why: str) -> DocumentError:
        """The worker overran a limit or died: it is killed (the next file gets a fresh one),
        the log says what happened and the person gets `could_not_read(name, why)`."""
        self._discard()
        log.warning("%s: %s", name, logged)
        return could_not_read(name, why)

    def _discard(self) -> None:
        """Kill the worker now (it may be stuck in C code) and forget the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """The executor has no public way to stop a busy worker; its process table is the only
    handle on it. Killing it marks the pool broken, which `shutdown` then tidies up."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.kill()


def _warm_up() -> None:
    """Import the readers in the worker before the first file's clock starts."""
    import knowledge.readers.feed
    import knowledge.readers.html
    import knowledge.readers.pdf  # noqa: F401


def _set_limits(memory_megabytes: int, cpu_seconds: float) -> None:
    """Worker initializer: cap the address space and CPU time of this process."""
    memory = memory_megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (_cpu_deadline(cpu_seconds, hard), hard))


def _limited(cpu_seconds: float, parse: Callable[..., T], *args: Any) -> T:
    """Run one parse with `cpu_seconds` of CPU from now (RLIMIT_CPU counts the process's
    whole life, so the soft limit is moved on before each file); SIGXCPU then kills it."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (_cpu_deadline(cpu_seconds, hard), hard))
    return parse(*args)


def _cpu_deadline(cpu_seconds: float, hard: int) -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + cpu_seconds) + 1
    return soft if hard == resource.RLIM_INFINITY else min(soft, hard)
