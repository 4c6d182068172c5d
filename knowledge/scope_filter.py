"""How FTS5 searches only some collections: the SQL that keeps other collections' passages
from ever being scored.

A scope's passages are found once per index generation. When they form a few runs of
consecutive passage ids (a collection ingested folder by folder, feed by feed), the search is
one FTS5 query per run with `rowid BETWEEN lo AND hi`, which FTS5 uses to seek inside its
posting lists: other collections' passages are skipped, not read (bench/collection_scope.py:
about the cost of the collection indexed alone). Otherwise a temporary table holds the scope's
passage ids and each match is checked against it (`+rowid IN temp.scope_N`; the `+` keeps
SQLite from driving the query by those ids, one FTS5 lookup each, ~100x slower) before bm25()
scores it. Either way the full-text table is the one every search uses, so bm25's statistics
and the answers of an unscoped search are exactly what they were before collections.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

MAX_RUNS = 16  # more runs than this: the temporary table instead
SCOPE_TABLES = 32  # scopes kept (runs or a table); the least recently used goes first
RANKED = "SELECT rowid, bm25(passages_fts, 1.0, 0.5) AS score FROM passages_fts"


@dataclass(frozen=True, slots=True)
class ScopeFilter:
    generation: int
    runs: tuple[tuple[int, int], ...] | None  # None: too many, use `table`
    table: str = ""
    passages: int = 0

    def ranked(self) -> str:
        """SQL of (rowid, score) of the best matches in this scope (see `ranked_params`)."""
        if self.runs is None:
            return (
                f"{RANKED} WHERE passages_fts MATCH ? AND +passages_fts.rowid IN {self.table}"
                " ORDER BY score LIMIT ?"
            )
        parts = " UNION ALL ".join(
            f"SELECT * FROM ({RANKED} WHERE passages_fts MATCH ? AND rowid BETWEEN ? AND ?"  # noqa: S608
            " ORDER BY score LIMIT ?)"
            for _ in self.runs
        )
        return f"SELECT rowid, score FROM ({parts}) ORDER BY score LIMIT ?"  # noqa: S608

    def ranked_params(self, match: str, limit: int) -> list[object]:
        if self.runs is None:
            return [match, limit]
        return [*(v for lo, hi in self.runs for v in (match, lo, hi, limit)), limit]

    def count(self) -> str:
        """SQL counting the matches of `?` in this scope (see `count_params`)."""
        if self.runs is None:
            return (
                "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?"  # noqa: S608
                f" AND +passages_fts.rowid IN {self.table}"
            )
        parts = " UNION ALL ".join(
            "SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?"
            " AND rowid BETWEEN ? AND ?"
            for _ in self.runs
        )
        return f"SELECT coalesce(sum(n), 0) FROM ({parts})"  # noqa: S608

    def count_params(self, match: str) -> list[object]:
        if self.runs is None:
            return [match]
        return [v for lo, hi in self.runs for v in (match, lo, hi)]


class ScopeFilters:
    """The filters of the scopes searched lately, on the store's reader connection."""

    def __init__(self, reader: aiosqlite.Connection) -> None:
        self._reader = reader
        self._filters: dict[frozenset[int], ScopeFilter] = {}
        self._tables: list[str] = []  # temporary tables free for reuse
        self._made = 0
        self._all_ids: tuple[int, list[int]] = (-1, [])  # every passage id, per generation

    async def get(self, scope: frozenset[int], generation: int) -> ScopeFilter:
        known = self._filters.pop(scope, None)
        if known is not None and known.generation == generation:
            self._filters[scope] = known  # most recently used last
            return known
        if known is not None and known.table:
            self._tables.append(known.table)
        while len(self._filters) >= SCOPE_TABLES:
            oldest = self._filters.pop(next(iter(self._filters)))
            if oldest.table:
                self._tables.append(oldest.table)
        made = await self._make(scope, generation)
        self._filters[scope] = made
        return made

    async def _make(self, scope: frozenset[int], generation: int) -> ScopeFilter:
        ids = ",".join(str(int(c)) for c in sorted(scope))  # ints only: safe in the SQL text
        rows = await self._reader.execute_fetchall(
            "SELECT p.id FROM source_collections c JOIN passages p"  # noqa: S608
            f" ON p.source_id = c.source_id WHERE c.collection_id IN ({ids})"
        )
        inside = {pid for (pid,) in rows}
        runs = _runs(await self._every_id(generation), inside)
        if len(runs) <= MAX_RUNS:
            return ScopeFilter(generation, tuple(runs), passages=len(inside))
        table = self._tables.pop() if self._tables else self._new_table()
        db = self._reader
        await db.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)")
        await db.execute(f"DELETE FROM {table}")  # noqa: S608
        await db.executemany(f"INSERT INTO {table} (id) VALUES (?)", [(i,) for i in inside])  # noqa: S608
        return ScopeFilter(generation, None, table, len(inside))

    def _new_table(self) -> str:
        self._made += 1
        return f"temp.scope_{self._made}"

    async def _every_id(self, generation: int) -> list[int]:
        if self._all_ids[0] != generation:
            rows = await self._reader.execute_fetchall("SELECT id FROM passages ORDER BY id")
            self._all_ids = (generation, [pid for (pid,) in rows])
        return self._all_ids[1]


def _runs(every: list[int], inside: set[int]) -> list[tuple[int, int]]:
    """The maximal runs of passage ids (in id order) that are all inside the scope."""
    runs: list[tuple[int, int]] = []
    start = last = None
    for pid in every:
        if pid in inside:
            if start is None:
                start = pid
            last = pid
        elif start is not None and last is not None:
            runs.append((start, last))
            start = None
    if start is not None and last is not None:
        runs.append((start, last))
    return runs
