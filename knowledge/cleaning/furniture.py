"""Page furniture that is not content: bylines, copyright lines, outros, reading lists and
runs of links.

A byline or "© 2024 …" line is metadata, an outro ("Reporting by …; Editing by …", "This
article was originally published …") is the publisher talking, and a "Further reading" list or
a run of bare links points elsewhere; none of them answers a question, yet each is short
enough to rank high and be quoted. Like every cleaning rule these only fire on whole lines
shaped by a formula (see the package docstring: a miss costs less than a lost sentence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.cleaning.rules import Span
from knowledge.header_lines import find_date

_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|da|al|bin|la|le)){1,4}"
_NAMES = rf"{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*"

# Whole lines, matched against the stripped line (case as written unless marked (?i)).
FURNITURE_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        # Bylines: "By Jane Doe", "By Jane Doe and John Roe, Reuters | 12 March 2024".
        rf"(?i:by|written by|words by|story by)\s+{_NAMES}(?:\s*[,|·–—-]\s*.{{0,60}})?",
        # Copyright lines: a © sign or "Copyright" with a year, and "All rights reserved."
        r"(?:©|\([cC]\)|(?i:copyright)\s*©?\s*(?:\d{4}|©)).{0,300}",
        r"(?i:all rights reserved)\.?",
        # Wire-service and publisher outros.
        r"\(?(?i:(?:additional )?reporting by)\s.{0,200}",
        r"\(?(?i:editing by|writing by|compiled by)\s+{_NAMES}.{0,80}".replace("{_NAMES}", _NAMES),
        r"(?i:our standards:).{0,80}",
        r"(?i:this (?:article|story|piece|post) (?:was |first |originally )+"
        r"(?:published|appeared)).{0,200}",
        r"(?i:follow (?:us|me|him|her|them|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)?) on "
        r"(?:twitter|x|facebook|instagram|linkedin|threads|bluesky|mastodon|tiktok|youtube)).{0,100}",
        r"(?i:subscribe (?:to|for)|sign up (?:to|for)|(?:click|tap) here to|thanks for reading)"
        r".{0,120}",
        r"(?i:contact (?:the author|the reporter|us) at)\s.{0,80}",
        # Site navigation and widgets that page extraction lets through, as whole lines.
        r"(?i:skip to (?:next|previous|the next|the previous) (?:story|article|section|item)"
        r"|back to top|(?:previous|next) (?:article|story|post)|toggle navigation|open menu"
        r"|close menu|main menu|menu|search|sign in|log in|sign out|home|print|share"
        r"|show more|load more|accept and close|got it|(?:manage|cookie) (?:settings|choices))",
        # Cookie notices not worded "We use cookies" (see rules.CHROME_LINES).
        r"(?i:(?:this|our) (?:site|website) uses cookies\b).{0,600}",
        r"(?i:by (?:continuing|using) (?:to (?:browse|use) )?(?:this|our|the) (?:site|website))"
        r".{0,300}(?i:cookies?).{0,300}",
        # Page numbers ("3", "Page 3 of 10", "3 / 10") left by PDF and print layouts.
        r"(?i:page\s+)?\d{1,3}(?:\s*(?:/|of)\s*\d{1,4})?",
        # A bar of navigation links: three or more short items split by "|" or "•".
        r"[^|•\n]{1,30}(?:\s[|•]\s[^|•\n]{1,30}){2,}",
    )
)

# Lines that open a reading list; it is removed with the link-like lines that follow it.
READING_LIST_HEADINGS: re.Pattern[str] = re.compile(
    r"(?i:(?:further|additional|suggested|recommended) reading|read (?:more|next|also)"
    r"|related(?: (?:articles?|stories|content|coverage|reading|links|posts))?"
    r"|more (?:on|about) (?:this|th(?:e|is) (?:story|topic))|more from [\w .'’&-]{1,40}"
    r"|see also|you (?:may|might) also (?:like|enjoy|be interested in)|most (?:read|popular)"
    r"|recommended(?: for you)?|useful links|links|external links|trending(?: now)?)"
    r"\s*:?"
)

_URL = re.compile(r"(?:https?://|www\.)\S+")
_MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")
_BULLET = re.compile(r"^(?:[-*•–▪◦]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
MAX_LINK_TITLE_WORDS = 16  # a headline in a list is short; a sentence of prose is longer
MAX_LIST_ITEM_WORDS = 25
# Furniture lines are short: a longer line is prose, and skipping it keeps cleaning fast.
MAX_FURNITURE_CHARS = 400
MAX_DATELINE_WORDS = 12


# One alternation: a single fullmatch per line instead of one per rule (ingest speed).
_ANY_FURNITURE = re.compile("|".join(f"(?:{p.pattern})" for p in FURNITURE_LINES))


def is_furniture_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and _ANY_FURNITURE.fullmatch(stripped) is not None


_DATELINE_WORDS = re.compile(
    r"(?i)^(?:(?:first |last )?(?:updated|published|posted|modified|on|at|am|pm|[ap]\.m\.|"
    r"utc|gmt|[a-z]{2,4}t|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|wed|thu|fri|sat|sun)[,:.]?|\d{1,2}[:.]\d{2}|\|)$"
)


def is_dateline(line: str) -> bool:
    """A line that only dates the page: "March 12, 2024", "Updated: 12 March 2024 10:42 GMT".
    It carries no content, and left in it would pass for a heading."""
    found, rest = find_date(line.strip())
    if found is None or len(found) < 7:  # a bare year alone might be a heading ("2024")
        return False
    words = rest.replace(",", " ").replace("-", " ").split()
    return all(_DATELINE_WORDS.match(w) for w in words)


def is_link_line(line: str) -> bool:
    """A line that is nothing but links: a bare URL, markdown links, or a short title with a
    URL ("Kim's train, explained — https://…")."""
    stripped = _BULLET.sub("", line.strip())
    if not stripped:
        return False
    rest = _URL.sub(" ", _MARKDOWN_LINK.sub(" ", stripped))
    has_link = rest != stripped
    return has_link and len(rest.split()) <= MAX_LINK_TITLE_WORDS // 2 + 4


def _is_listed_link(line: str) -> bool:
    """A line of a reading list: a link line, a short list item, or a headline (short, and
    not ending like a sentence)."""
    stripped = line.strip()
    words = len(stripped.split())
    if is_link_line(stripped):
        return True
    if _BULLET.match(stripped):
        return words <= MAX_LIST_ITEM_WORDS
    return words <= MAX_LINK_TITLE_WORDS and not _SENTENCE_END.search(stripped)


def furniture_spans(lines: Sequence[str], starts: Sequence[int]) -> list[Span]:
    """Byline, copyright and outro lines; lines of bare links; and reading lists (a heading
    such as "Further reading" with the link-like lines after it, blank lines between allowed).
    A reading-list heading with no link-like line after it is left alone."""
    spans: list[Span] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped and READING_LIST_HEADINGS.fullmatch(stripped):
            j, last = i + 1, i
            while j < len(lines) and (not lines[j].strip() or _is_listed_link(lines[j])):
                if lines[j].strip():
                    last = j
                j += 1
            if last > i or j == len(lines):  # its links, or nothing at all, follow it
                spans.append((starts[i], starts[last] + len(lines[last])))
                i = last + 1
                continue
        if 0 < len(stripped) <= MAX_FURNITURE_CHARS and (
            is_furniture_line(stripped)
            or is_link_line(stripped)
            or (len(stripped.split()) <= MAX_DATELINE_WORDS and is_dateline(stripped))
        ):
            spans.append((starts[i], starts[i] + len(line)))
        i += 1
    return spans


# A whole-text pre-check: without any of these openings no rule above can fire.
FURNITURE_HINT: re.Pattern[str] = re.compile(
    r"(?im)^\s*(?:[-*•–▪◦]\s+)?(?:\(?by\b|written|words|story|©|\(c\)|copyright|all rights"
    r"|\(?(?:additional )?reporting|\(?editing|\(?writing|\(?compiled|our standards|this "
    r"(?:article|story|piece|post)|follow|subscribe|sign up|click|tap|thanks|contact|further"
    r"|additional|suggested|recommended|read|related|more|see also|you (?:may|might)|most"
    r"|useful|links|external|trending|https?://|www\.|\[|skip|back|previous|next|toggle|open"
    r"|close|main|menu|search|sign|log|home|print|share|show|load|accept|got|manage|cookie"
    r"|this|our|by|[^|•\n]{1,30}\s[|•]\s|updated|published|posted|modified|first|last"
    r"|\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
)
