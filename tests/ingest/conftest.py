"""Fixtures of the ingest tests: an app with tight fetch limits (the source server fixture
is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.config import load_settings

LIMITS = {
    "admins": ["console:boss"],
    "connect_timeout": 2.0,
    "read_timeout": 0.3,
    "max_megabytes": 0.05,
    "max_redirects": 3,
    "allow_private_networks": True,  # the source server is on 127.0.0.1
}


@pytest.fixture
async def web_app(tmp_path: Path) -> AsyncIterator[App]:
    settings = load_settings(None, ingest=LIMITS)
    async with open_app(settings, db_path=tmp_path / "web.sqlite3") as opened:
        yield opened
