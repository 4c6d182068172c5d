"""Resolve a follow-up ("and Putin?", "what about China?", "why?") against the previous question.

A chat's previous question is in the store; this module only rewrites text, so it is pure and
knows nothing of chats. A follow-up naming someone else swaps the first name of the previous
question for it ("what does Kim want?" + "and Putin?" -> "what does Putin want?"); a bare
"why?" asks the previous question again for its reasons.
"""

from __future__ import annotations

import re

_ABOUT = re.compile(
    r"^\W*(?:and|but|what about|how about|and what about|same for)\s+(.+?)\W*$", re.I
)
_WHY = re.compile(r"^\W*(?:why|why so|why is that|how so|why not)\W*$", re.I)
# A capitalised name, possibly several words ("Kim Jong Un", "South Korea"), not sentence-first.
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
MAX_FOLLOWUP_WORDS = 6


def resolve(question: str, previous: str | None) -> str:
    """The question to search for: `question` itself unless it only makes sense after `previous`."""
    if not previous:
        return question
    if _WHY.match(question):
        return f"Why? {previous}"
    about = _ABOUT.match(question)
    if not about or len(about.group(1).split()) > MAX_FOLLOWUP_WORDS:
        return question
    subject = about.group(1)
    base = previous.removeprefix("Why? ")
    names = [m for m in _NAME.finditer(base) if m.group(0).lower() not in _NOT_NAMES]
    if subject[:1].isupper() and names:
        first = names[0]
        return base[: first.start()] + subject + base[first.end() :]
    return f"{base.rstrip(' ?')} — {subject}?"


_NOT_NAMES = frozenset({"i", "what", "who", "why", "how", "when", "where", "does", "did"})
