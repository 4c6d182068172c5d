"""Render "what's new" (a list of `Arrival`s) as a `Reply`; wording lives here once.

Each source gets a line (title, when it arrived or changed, for an update how many passages it
added and removed, and the first words of those removed), then its most informative passages as
cited bullets under a "New: …" / "Updated: …" heading, attributed the way answers are
(`replies.cite`), so Telegram, Discord and the console render it unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.core.model import Reply, ReplyKind
from bot.core.replies import cite
from knowledge.whatsnew import Arrival

MAX_SOURCES = 8  # quoted in one reply; the rest are counted
MAX_REMOVED_SHOWN = 3
REMOVED_WORDS = 12
QUOTES_WHEN_MANY = 2  # per source, when more than a few sources arrived

Describe = Callable[[datetime], str]  # a moment as the chat reads it ("08:00 today")


def changes(arrival: Arrival) -> str:
    """ "2 passages added, 1 removed" """
    added, removed = len(arrival.added), len(arrival.removed)
    return f"{added} passage{'s' * (added != 1)} added, {removed} removed"


def heading(arrival: Arrival) -> str:
    title = arrival.source.meta.title
    return f"New: {title}" if arrival.is_new else f"Updated: {title} (added passages)"


def summary_lines(arrival: Arrival, describe: Describe) -> list[str]:
    meta = arrival.source.meta
    details = " · ".join(p for p in (meta.outlet, meta.date and meta.display_date) if p)
    what = f" ({details})" if details else ""
    if arrival.is_new:
        return [f"• {meta.title}{what} — arrived {describe(arrival.arrived_at)}"]
    lines = [f"• {meta.title}{what} — updated {describe(arrival.changed_at)}: {changes(arrival)}"]
    for text in arrival.removed[:MAX_REMOVED_SHOWN]:
        words = text.split()
        cut = " ".join(words[:REMOVED_WORDS]) + ("…" if len(words) > REMOVED_WORDS else "")
        lines.append(f"    removed: “{cut}”")
    if len(arrival.removed) > MAX_REMOVED_SHOWN:
        lines.append(f"    … and {len(arrival.removed) - MAX_REMOVED_SHOWN} more removed")
    return lines


def arrival_lines(arrivals: Sequence[Arrival], describe: Describe) -> list[str]:
    """A line or few per source, at most MAX_SOURCES sources, then how many more."""
    lines = [line for a in arrivals[:MAX_SOURCES] for line in summary_lines(a, describe)]
    if len(arrivals) > MAX_SOURCES:
        lines.append(f"… and {len(arrivals) - MAX_SOURCES} more (/sources lists them all)")
    return lines


def new_reply(arrivals: Sequence[Arrival], since: str, describe: Describe) -> Reply:
    """`since`: the start of the period as the chat reads it ("yesterday 08:00")."""
    if not arrivals:
        return Reply(
            kind=ReplyKind.INFO,
            title=f"Nothing new since {since}",
            body=("No source arrived or changed since then. /sources lists them all.",),
            footer=("/new 3d looks further back.",),
        )
    shown = list(arrivals[:MAX_SOURCES])
    per_source = QUOTES_WHEN_MANY if len(shown) > 3 else None
    body = arrival_lines(arrivals, describe)
    bullets, citations = cite(
        (quote, heading(arrival)) for arrival in shown for quote in arrival.highlights[:per_source]
    )
    count = len(arrivals)
    return Reply(
        kind=ReplyKind.ANSWER if bullets else ReplyKind.INFO,
        title=f"New since {since}: {count} source{'s' * (count != 1)}",
        body=tuple(body),
        bullets=bullets,
        citations=citations,
        footer=("Ask about them: /ask QUESTION · /new 3d looks further back",),
    )
