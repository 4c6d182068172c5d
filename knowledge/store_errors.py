"""What went wrong with a database file, in one line a person can act on.

SQLite's own messages ("attempt to write a readonly database", "file is not a database") are
terse and arrive as tracebacks from a worker thread; the CLI and the runner turn them into
"cannot open the database X: it is read-only" and exit 2 instead.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

StoreFailure = sqlite3.DatabaseError  # the backend failing at run time (a bad page, a full disk)

# (words in SQLite's message, what to tell the operator), first match wins
_REASONS: tuple[tuple[str, str], ...] = (
    ("readonly", "it is read-only (the file or its folder cannot be written)"),
    ("read-only", "it is read-only (the file or its folder cannot be written)"),
    ("not a database", "it is not a SQLite database"),
    ("malformed", "it is corrupt (database disk image is malformed)"),
    ("unable to open", "it cannot be opened (a folder, a missing folder, or no permission)"),
    ("locked", "another program holds a lock on it"),
    ("disk is full", "the disk is full"),
    ("disk i/o error", "the disk reported an I/O error"),
)


class StoreOpenError(Exception):
    """The database file cannot be used; `str()` is the one line to show."""


def is_a_bug(error: BaseException) -> bool:
    """A failure of our SQL (a broken constraint, a misused API), not of the file: it keeps
    its traceback."""
    return isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError)


def describe(error: BaseException) -> str:
    """Why SQLite (or the file system) refused, as "it is …"; the raw message otherwise."""
    message = str(error).lower()
    for words, reason in _REASONS:
        if words in message:
            return reason
    if isinstance(error, PermissionError):
        return "it is read-only (the file or its folder cannot be written)"
    return str(error) or type(error).__name__


def open_error(path: Path | str, error: BaseException) -> StoreOpenError:
    """The StoreOpenError for `error` met while opening or first using `path`."""
    if isinstance(error, StoreOpenError):
        return error
    return StoreOpenError(f"cannot open the database {path}: {describe(error)}")
