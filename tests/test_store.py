"""The SQLite index: WAL, migrations once, idempotent ingest, atomic replacement, one writer."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.chat_store import ChatStore
from bot.migrations import SCHEMA, open_store
from knowledge.documents import parse_text
from knowledge.migrations import MIGRATIONS
from knowledge.store import Store

TEXT = "A title\n\n" + " ".join(f"word{i}" for i in range(60)) + " Kim wants rockets."


@pytest.fixture
async def store(tmp_path):
    async with await open_store(tmp_path / "s.sqlite3") as store:  # with the bot's tables
        yield store


async def test_wal_mode_and_migrations_recorded_once(tmp_path):
    path = tmp_path / "s.sqlite3"
    for _ in range(2):
        store = await Store.open(path)
        mode = await store._reader.execute_fetchall("PRAGMA journal_mode")
        names = await store._reader.execute_fetchall("SELECT name FROM migrations")
        await store.aclose()
        assert next(iter(mode))[0] == "wal"
        assert [n for (n,) in names] == [m.__name__ for m in MIGRATIONS]


async def test_reingesting_unchanged_text_is_a_no_op(store):
    doc = parse_text(TEXT, name="note")
    assert await store.upsert_document(doc) == "added"
    generation = store.generation
    assert await store.upsert_document(parse_text(TEXT, name="note")) == "unchanged"
    assert store.generation == generation


async def test_a_changed_file_replaces_its_passages(store):
    await store.upsert_document(parse_text(TEXT, name="note"))
    changed = TEXT.replace("rockets", "food aid")
    assert await store.upsert_document(parse_text(changed, name="note")) == "updated"
    assert [p.text for p, _, _ in await store.fts_search('"rockets"', 5)] == []
    assert len(await store.fts_search('"food"', 5)) == 1
    assert (await store.sources())[0].passage_count == await store.passage_count()


async def test_one_coroutines_failure_never_commits_or_loses_anothers_work(store):
    started = asyncio.Event()

    async def failing() -> None:
        async with store.transaction() as db:
            await db.execute("INSERT INTO chat_state VALUES ('t', 'half', 'q', 0, 'now')")
            started.set()
            await asyncio.sleep(0)  # yield to the other writer mid-transaction
            raise RuntimeError("boom")

    async def succeeding() -> None:
        await asyncio.wait_for(started.wait(), 5)
        await chats.remember_question("t", "whole", "q", 1)

    chats = ChatStore(store)
    results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert await chats.last_question("t", "whole") == ("q", 1)
    assert await chats.last_question("t", "half") is None


async def test_forget_removes_a_source_and_its_passages(store):
    await store.upsert_document(parse_text(TEXT, name="note"))
    assert await store.forget("note")
    assert await store.passage_count() == 0
    assert not await store.forget("note")


def _schema(path) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
        return [sql for (sql,) in rows]


async def test_the_bots_tables_come_from_the_bots_migrations(tmp_path):
    """The index alone has no chat tables; the bot's steps add them after the index's, and a
    database made before they moved (m010/m011 created two of them) opens to the same schema."""
    path = tmp_path / "s.sqlite3"
    await (await Store.open(path)).aclose()
    assert not any("chat_state" in sql for sql in _schema(path))
    await (await open_store(path)).aclose()
    fresh = _schema(path)
    assert any("CREATE TABLE chat_state" in sql for sql in fresh)
    assert any("CREATE TABLE chat_looks" in sql for sql in fresh)
    older = tmp_path / "older.sqlite3"
    await (await open_store(older)).aclose()
    with sqlite3.connect(older) as db:  # as before: m012/m013 unknown, their tables there
        db.execute(
            "DELETE FROM migrations WHERE name IN ('m012_chat_collections', 'm013_chat_looks')"
        )
    before = _schema(older)
    await (await open_store(older)).aclose()
    assert _schema(older) == before == fresh
    with sqlite3.connect(older) as db:
        names = [n for (n,) in db.execute("SELECT name FROM migrations ORDER BY rowid")]
    assert names[-2:] == ["m012_chat_collections", "m013_chat_looks"]
    assert sorted(names) == sorted(m.__name__ for m in SCHEMA)
