"""What a re-ingest changed: the passages added and removed, by text hash (`passage_changes`).

A page re-fetched, a file edited or a feed item rewritten replaces its source's passages
whole (both write paths: `Store.write_document` and `bulk_store.save_batch`). Just before the
old passages are deleted, `record_replacement` compares them with the new ones by the hash of
their text and records the difference, so "what's new" can show the few passages that changed
instead of the whole source again. A removed passage keeps its text here (its row is gone); an
added one is found among the current passages by its hash.

`net_changes` folds the changes recorded since a moment into one difference: a passage added
then removed again (or the reverse) is no change at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from knowledge.models import Document
from knowledge.text import text_hash

MAX_PARAMS = 500  # values per IN (...) list


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change to one passage of a source (a row of `passage_changes`)."""

    source_id: str
    changed_at: str
    change: str  # added | removed
    text_hash: str
    text: str = ""  # removed passages only
    speaker: str | None = None
    section: str = ""


async def _old_passages(
    db: aiosqlite.Connection, source_ids: Sequence[str]
) -> dict[str, dict[str, tuple[str, str | None, str]]]:
    """source id -> text hash -> (text, speaker, section) of the passages stored now."""
    found: dict[str, dict[str, tuple[str, str | None, str]]] = {}
    for start in range(0, len(source_ids), MAX_PARAMS):
        chunk = tuple(source_ids[start : start + MAX_PARAMS])
        marks = ",".join("?" * len(chunk))
        async with db.execute(
            f"SELECT source_id, text, speaker, section FROM passages WHERE source_id IN ({marks})"  # noqa: S608 - placeholders only
            " ORDER BY source_id, position",
            chunk,
        ) as cursor:
            async for source_id, text, speaker, section in cursor:
                found.setdefault(source_id, {})[text_hash(text)] = (text, speaker, section)
    return found


async def record_replacement(db: aiosqlite.Connection, docs: Sequence[Document], now: str) -> None:
    """Inside the write transaction, before the old passages of `docs` are deleted: record the
    passages each document adds and removes. Nothing is recorded for an unchanged passage."""
    if not docs:
        return
    old = await _old_passages(db, [doc.meta.id for doc in docs])
    rows: list[tuple[str, str, str, str, str, str | None, str]] = []
    for doc in docs:
        before = old.get(doc.meta.id, {})
        after = {text_hash(p.text): p for p in doc.passages}
        rows += [
            (doc.meta.id, now, "added", digest, "", p.speaker, p.section)
            for digest, p in after.items()
            if digest not in before
        ]
        rows += [
            (doc.meta.id, now, "removed", digest, text, speaker, section)
            for digest, (text, speaker, section) in before.items()
            if digest not in after
        ]
    await db.executemany(
        "INSERT INTO passage_changes"
        " (source_id, changed_at, change, text_hash, text, speaker, section)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def net_changes(changes: Iterable[Change]) -> tuple[list[Change], list[Change]]:
    """(added, removed) overall, from changes in the order they happened: a passage counts as
    added when its first and last change were additions (it was absent before and is there
    now), as removed when both were removals."""
    first: dict[tuple[str, str], Change] = {}
    last: dict[tuple[str, str], Change] = {}
    for change in changes:
        key = (change.source_id, change.text_hash)
        first.setdefault(key, change)
        last[key] = change
    added = [c for key, c in last.items() if c.change == "added" == first[key].change]
    removed = [first[key] for key, c in last.items() if c.change == "removed" == first[key].change]
    return added, removed
