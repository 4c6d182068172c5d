"""What a source *is*, beyond its short id: the resolved file it was read from, or its URLs.

Ids are derived from names (`notes.txt` -> `notes`), so two different files of the same name
used to share one id, and the second silently replaced the first ("updated"). Now a source's
identity is a key stored with it (the `source_urls` table, beside its URLs and feed entry ids):

- a local file: `file:///resolved/path` (symlinks and `..` resolved, so the same file is
  recognised however it is named on the command line);
- a bundled source: `bundled:NAME`, so an installed package that moves (a new virtualenv, a
  rebuilt image) still updates its bundled sources in place instead of adding copies.

Re-ingesting the same identity is the only way to update a source; a new identity whose id is
taken gets the first free `ID-2`, `ID-3`, … (`next_free_id`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MAX_SUFFIX = 10_000  # bounded: ids `x-2` … `x-9999`, then a refusal


def bundled_sources_dir() -> Path:
    return Path(str(resources.files("knowledge") / "sources"))


def file_key(path: str) -> str | None:
    """The identity key of a document read from `path` ("" for fetched or typed text)."""
    if not path:
        return None
    resolved = Path(path).resolve()
    bundled = bundled_sources_dir().resolve()
    if resolved.is_relative_to(bundled):
        return "bundled:" + resolved.relative_to(bundled).as_posix()
    return resolved.as_uri()


def identity_keys(path: str, keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The keys a reader gave (URLs, feed entry ids) plus the file's own, without repeats."""
    own = file_key(path)
    return tuple(dict.fromkeys([*keys, own] if own else keys))


def same_file(stored: str, path: str) -> bool:
    """Whether a source stored before identity keys existed (its `path` column) is this file."""
    if not stored or not path:
        return False
    return file_key(stored) == file_key(path)


def suffixed(source_id: str, n: int) -> str:
    return f"{source_id}-{n}"
