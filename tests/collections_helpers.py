"""Two stories side by side: the bundled one and tests/fixtures/second_story (an invented
dockers' strike) in its own collection, with one admin on each surface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import App, open_app
from bot.config import load_settings

SECOND_STORY = Path(__file__).parent / "fixtures" / "second_story"
SECOND = "port-alder"
ADMINS = ["console:boss", "telegram:1001", "discord:900000000000000005"]
DOCKS_QUESTION = "What do the dockers want?"
DOCKS_WORD = "night shifts"  # in every answer to DOCKS_QUESTION from the second story


@asynccontextmanager
async def two_stories(tmp_path: Path, **ingest: object) -> AsyncIterator[App]:
    settings = load_settings(
        None,
        store={"source_dirs": [{"path": str(SECOND_STORY), "collection": SECOND}]},
        ingest={"admins": ADMINS, **ingest},
    )
    async with open_app(settings, db_path=tmp_path / "two.sqlite3") as app:
        await app.library.rename_collection(SECOND, title="Port Alder dock strike")
        yield app
