"""The optional tantivy engine answers like FTS5 and follows the store as sources change."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import load_settings

pytest.importorskip("tantivy")


async def test_tantivy_engine_answers_and_follows_ingest_and_forget(tmp_path: Path):
    settings = load_settings(None, search={"engine": "tantivy"})
    async with open_app(settings, db_path=tmp_path / "t.sqlite3") as app:
        answer, _ = await app.library.answer("What does Kim want?")
        assert not answer.abstained
        assert {q.hit.source.id for q in answer.quotes} == {
            "npr-consider-this-2023-09-11",
            "carnegie-panda-2023-09",
        }
        note = tmp_path / "tractors.txt"
        note.write_text("Tractor notes\n\n" + "Kim toured a tractor factory in Khabarovsk. " * 8)
        await app.library.ingest([note])
        result = await app.library.search("tractor factory Khabarovsk")
        assert result.hits[0].source.id == "tractors"
        assert await app.library.forget("tractors")
        result = await app.library.search("tractor factory Khabarovsk")
        assert all(h.source.id != "tractors" for h in result.hits)
