"""Split a chat text into a command and its argument, the way every platform writes them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMAND = re.compile(r"^/([A-Za-z][A-Za-z0-9_]{0,31})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+|$)", re.S)


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # "" for plain text, which is a question
    argument: str
    addressed_to: str | None = None


def parse_command(text: str) -> Command:
    """`/ask@briefbot what now?` -> Command("ask", "what now?", "briefbot")."""
    stripped = text.strip()
    match = _COMMAND.match(stripped)
    if not match:
        return Command("", stripped)
    return Command(match.group(1).lower(), stripped[match.end() :].strip(), match.group(2))
