"""Render a `Digest` (knowledge layer) as a `Reply`, so every adapter shows it unchanged.

Wording lives here once: the title with the chat's local date, the new-sources section, the
key points as attributed bullets grouped under their standing question, citations, and the
suggested questions in the footer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from bot.core.model import Reply, ReplyKind
from bot.core.replies import cite
from bot.whatsnew.reply import arrival_lines
from bot.whatsnew.since import describe
from knowledge.digest import Digest

SUBSCRIBED = "/settings shows your digest time · /unsubscribe stops it"
NOT_SUBSCRIBED = "/subscribe [HH:MM] [Area/City] sends this here every day, e.g. /subscribe 08:00"


def digest_title(digest: Digest) -> str:
    return f"Briefing — {digest.day:%A %-d %B %Y}"


def digest_reply(digest: Digest, *, subscribed: bool = True) -> Reply:
    """`subscribed`: the chat gets it daily, so the footer says how to change or stop that;
    otherwise (`/digest` asked in any chat) it says how to get it daily."""
    body: list[str] = []
    if digest.arrivals:
        count = len(digest.arrivals)
        body.append(f"New since {since_label(digest)}: {count} source{'s' * (count != 1)}")
        body += arrival_lines(digest.arrivals, _when(digest))
    elif digest.new_sources:
        body.append("Sources in this briefing:" if digest.first else "New since your last digest:")
        for source in digest.new_sources:
            meta = source.meta
            details = " · ".join(p for p in (meta.outlet, meta.display_date) if p)
            body.append(f"• {meta.title} — {details}")
    else:
        body.append("No new sources since your last digest. Today's key points:")
    bullets, citations = cite(
        (quote, point.question) for point in digest.points for quote in point.quotes
    )
    if not bullets:
        body.append("The sources have no key points for today's questions.")
    footer = tuple(f"Ask next: /ask {q}" for q in digest.suggestions)
    return Reply(
        kind=ReplyKind.ANSWER if bullets else ReplyKind.INFO,
        title=digest_title(digest),
        body=tuple(body),
        bullets=bullets,
        citations=citations,
        footer=(*footer, SUBSCRIBED if subscribed else NOT_SUBSCRIBED),
        extra={"digest_date": digest.day.isoformat()},
    )


def since_label(digest: Digest) -> str:
    """ "yesterday", "07:30 today", "Tue 1 Dec": the chat's last look, said from the digest's
    day (`digest.since` is in the chat's zone)."""
    assert digest.since is not None
    looked = digest.since.date()
    if looked == digest.day - timedelta(days=1):
        return "yesterday"
    if looked == digest.day:
        return f"{digest.since:%H:%M} today"
    return f"{digest.since:%a %-d %b}"


def _when(digest: Digest) -> Callable[[datetime], str]:
    """A moment as the digest's reader says it, from the digest's day in the chat's zone."""
    zone = digest.since.tzinfo if digest.since and digest.since.tzinfo else UTC
    midday = datetime.combine(digest.day, time(12), tzinfo=zone)
    return lambda moment: describe(moment, midday, zone)
