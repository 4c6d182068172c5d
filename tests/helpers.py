"""Shared test helpers: open the real app graph on a temporary SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import App, open_app
from bot.config import load_settings
from bot.core.model import Message


@asynccontextmanager
async def running_app(db: Path) -> AsyncIterator[App]:
    async with open_app(load_settings(None), db_path=db) as app:
        yield app


def console(text: str, chat: str = "c1") -> Message:
    return Message(platform="console", chat_id=chat, user_id="u1", text=text)
