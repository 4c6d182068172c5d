"""Shared test helpers."""

from __future__ import annotations

from bot.core.model import Message


def console(text: str, chat: str = "c1") -> Message:
    return Message(platform="console", chat_id=chat, user_id="u1", text=text)
