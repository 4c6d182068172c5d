"""Storage is a seam: only the owner modules see a database connection or write SQL.

Everything else asks an owner through the narrow protocols of `knowledge/storage.py` and
`bot/storage.py`, so a second backend replaces the owners and nothing else. This test reads
every module of `bot/` and `knowledge/` and fails on a database driver imported, a connection
reached for (`.reader`, `transaction()`, `Store.read`) or a statement executed outside them.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The SQLite backend: each module owns its tables (README, "Storage").
OWNERS = frozenset(
    {
        "knowledge/store.py",  # sources, passages, FTS5 and its statistics, passage_changes reads
        "knowledge/migrations.py",  # the schema
        "knowledge/store_health.py",  # the health row
        "knowledge/store_errors.py",  # SQLite's errors in one line
        "knowledge/bulk_store.py",  # the batch writer of sources and passages
        "knowledge/passage_changes.py",  # passage_changes writes
        "knowledge/scope_filter.py",  # FTS5 restricted to collections (temp tables)
        "knowledge/source_registry.py",  # source_urls, feeds
        "knowledge/collection_store.py",  # collections, source_collections
        "knowledge/embedding_store.py",  # embeddings
        "bot/migrations.py",  # the bot's tables
        "bot/chat_store.py",  # chat_state, questions, votes, processed_updates, chats, chat_looks,
        # chat_collections
        "bot/digest/store.py",  # subscriptions, deliveries
    }
)
# The PostgreSQL backend: every module of these folders is an owner (knowledge/pg/database.py:
# the pool and the versioned migrations; the others one set of tables each).
BACKEND_FOLDERS = ("knowledge/pg/", "bot/pg/")
DRIVERS = ("sqlite3", "aiosqlite", "asyncpg", "psycopg")
CONNECTION_CALLS = frozenset(
    {"execute", "executemany", "executescript", "execute_fetchall", "transaction"}
)


def breaches(path: Path) -> list[str]:
    """What in `path` sees a connection: driver imports, `.execute…`/`.transaction()` calls,
    the store's `.reader` or `.read(sql)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            is_import = isinstance(node, ast.Import)
            names = [a.name for a in node.names] if is_import else [node.module or ""]
            found += [f"imports {n}" for n in names if n.split(".")[0] in DRIVERS]
        elif isinstance(node, ast.Attribute):
            if node.attr in CONNECTION_CALLS or (node.attr == "reader" and _on_a_store(node)):
                found.append(f"line {node.lineno}: .{node.attr}")
            elif node.attr == "read" and _on_a_store(node):
                found.append(f"line {node.lineno}: .read")
    return found


def _on_a_store(node: ast.Attribute) -> bool:
    """`store.reader`, `self._store.read`, `app.store.read`: an attribute of something named
    like a store (an ingest's `self.reader` callable is not one)."""
    owner = node.value
    name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return "store" in name


def test_only_the_owner_modules_see_a_connection() -> None:
    found = {}
    for folder in ("bot", "knowledge"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            owner = relative in OWNERS or relative.startswith(BACKEND_FOLDERS)
            if not owner and (hits := breaches(path)):
                found[relative] = hits
    assert found == {}


def test_every_owner_still_exists() -> None:
    assert sorted(o for o in OWNERS if not (ROOT / o).is_file()) == []


def test_the_checker_sees_a_connection(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import aiosqlite\n"
        "async def f(store):\n"
        "    await store.reader.execute_fetchall('SELECT 1')\n"
        "    async with store.transaction() as db:\n"
        "        await db.execute('DELETE FROM t')\n"
        "    return await self._store.read('SELECT 2')\n",
        encoding="utf-8",
    )
    assert len(breaches(module)) == 6
