"""Shared test set-up: PTB's timedelta opt-in, and the app graph on a throwaway database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.config import load_settings
from tests.web_sources import SourceServer


@pytest.fixture(autouse=True, scope="session")
def _ptb_timedelta() -> Iterator[None]:
    # PTB 22.2+ warns whenever a duration such as RetryAfter.retry_after is read as an int
    # (RetryAfter.__init__ reads it); filterwarnings=error would turn that into the exception
    # raised instead of RetryAfter. Opting in to timedelta values avoids the warning.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PTB_TIMEDELTA", "true")
        # BM25 only unless a test asks for hybrid search (tests/test_semantic.py): loading
        # the embedding model in every app would cost seconds per test.
        patch.setenv("BRIEFBOT_SEMANTIC__ENABLED", "off")
        yield


@pytest.fixture
async def server() -> AsyncIterator[SourceServer]:
    """The local web server of test pages, PDFs and feeds (tests/web_sources.py)."""
    served = SourceServer()
    await served.start()
    yield served
    await served.aclose()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The real store, library and core, with the bundled sources indexed."""
    async with open_app(load_settings(None), db_path=tmp_path / "t.sqlite3") as opened:
        yield opened


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[tuple[App, App]]:
    """Two replicas' object graphs (each its own core, metrics, connections) on one shared
    database file, as several `briefbot run` share one PostgreSQL database."""
    db = tmp_path / "shared.sqlite3"
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(open_app(load_settings(None), db_path=db))
        second = await stack.enter_async_context(open_app(load_settings(None), db_path=db))
        yield first, second
