"""Set-based writes for a batch of documents: a handful of statements instead of ~9 per document.

Bulk ingest spends most of its write time in per-statement round trips to the database thread,
so a batch is decided with three lookups (ids, content hashes, URLs) and written with one
`executemany` per table and one `INSERT … SELECT` into FTS5. The outcome is the same as saving
the documents one by one; a batch this cannot decide alone (repeats within the batch, known
URLs to re-map, a new source whose id is taken) returns None and the caller saves it one by
one instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiosqlite

from knowledge.models import Document
from knowledge.passage_changes import record_replacement
from knowledge.source_registry_types import Saved
from knowledge.store import (
    INSERT_SOURCE,
    UPDATE_SOURCE,
    changed_source_row,
    new_source_row,
    write_passages,
)

MAX_PARAMS = 500  # values per IN (...) list


async def _rows(db: aiosqlite.Connection, sql: str, values: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(values), MAX_PARAMS):
        chunk = tuple(values[start : start + MAX_PARAMS])
        async with db.execute(sql.format(",".join("?" * len(chunk))), chunk) as cursor:
            rows += await cursor.fetchall()
    return rows


async def save_batch(
    db: aiosqlite.Connection, items: Sequence[tuple[Document, Sequence[str]]], now: str
) -> list[Saved] | None:
    """Write `items` inside the caller's transaction, or None if they need one-by-one saving.
    `now` (the store's time) is when the added sources arrived and the updated ones changed."""
    ids = [doc.meta.id for doc, _ in items]
    hashes = [doc.content_hash for doc, _ in items]
    keys = [key for _, doc_keys in items for key in doc_keys]
    if len(set(ids)) < len(ids) or len(set(hashes)) < len(hashes) or len(set(keys)) < len(keys):
        return None
    owner = dict(await _rows(db, "SELECT url, source_id FROM source_urls WHERE url IN ({})", keys))
    existing = dict(await _rows(db, "SELECT id, content_hash FROM sources WHERE id IN ({})", ids))
    for doc, doc_keys in items:
        owners = {owner[key] for key in doc_keys if key in owner}
        if owners - {doc.meta.id}:
            return None  # a known URL or file under another id: re-mapped one by one
        if doc_keys and not owners and doc.meta.id in existing:
            return None  # a new file or URL whose id is taken: a suffixed id, one by one
    holders: dict[str, set[str]] = {}
    for content_hash, source_id in await _rows(
        db, "SELECT content_hash, id FROM sources WHERE content_hash IN ({})", hashes
    ):
        holders.setdefault(content_hash, set()).add(source_id)
    results: list[Saved] = []
    added: list[Document] = []
    updated: list[Document] = []
    for doc, _ in items:
        others = sorted(holders.get(doc.content_hash, set()) - {doc.meta.id})
        old = existing.get(doc.meta.id)
        if others:
            results.append(Saved("duplicate", others[0], f"same text as {others[0]}"))
        elif old == doc.content_hash:
            results.append(Saved("unchanged", doc.meta.id))
        else:
            results.append(Saved("added" if old is None else "updated", doc.meta.id))
            (added if old is None else updated).append(doc)
    if added or updated:
        await _write(db, added, updated, items, now)
    return results


async def _write(
    db: aiosqlite.Connection,
    added: list[Document],
    updated: list[Document],
    items: Sequence[tuple[Document, Sequence[str]]],
    now: str,
) -> None:
    await record_replacement(db, updated, now)  # what changed, before it is gone
    await db.executemany(
        "DELETE FROM passages WHERE source_id = ?", [(d.meta.id,) for d in updated]
    )
    await db.executemany(UPDATE_SOURCE, [changed_source_row(d, now) for d in updated])
    await db.executemany(INSERT_SOURCE, [new_source_row(d, now) for d in added])
    await write_passages(db, [*added, *updated])
    written = {d.meta.id for d in (*added, *updated)}
    await db.executemany(
        "INSERT OR IGNORE INTO source_urls (url, source_id) VALUES (?, ?)",
        [(key, doc.meta.id) for doc, keys in items if doc.meta.id in written for key in keys],
    )
