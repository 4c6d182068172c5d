"""One `briefbot run` per database: an exclusive lock file beside it (`<db>.lock`).

Why: two copies on one bot token fight (Telegram answers the second poller 409 and both keep
retrying; Discord paces each process separately, so together they exceed the rate limit). The
lock is `fcntl.flock` on `<db>.lock`, which the kernel releases when the process dies however
it dies, so a crash never leaves a stale lock; the file holds the owner's pid for the message
the second copy prints. The file itself is left in place (deleting it would race a newcomer).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockError(Exception):
    """The lock file cannot be made (read-only folder…); str() is one line."""


class AlreadyRunning(LockError):
    """Another process holds the lock; str() is one line for the person starting the bot."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        self.pid = pid
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(f"briefbot is already running ({who}) on this database ({lock_path})")


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextmanager
def run_lock(db_path: Path) -> Iterator[Path]:
    """Hold the run lock of `db_path` for the `with` block; `AlreadyRunning` if taken."""
    path = lock_path_for(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockError(f"cannot create the lock file {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(path, _pid_in(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _pid_in(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
