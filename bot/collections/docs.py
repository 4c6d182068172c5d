"""The collection commands' names, usages and /help lines: plain data, so bot/core/help.py can
list them without importing the handlers (bot/collections/commands.py pairs each with its
handler)."""

from __future__ import annotations

# (name, usage, /help line, admins only)
COLLECTION_COMMANDS: tuple[tuple[str, str, str, bool], ...] = (
    ("collections", "/collections", "the collections, their sources, the ones used here", False),
    ("use", "/use SLUG…", "search only these collections here (/use all: every one)", False),
)
