"""Read the metadata a plain text file states in header lines instead of front matter.

Many copied articles begin like this, and the lines are metadata, never content to quote:

    Title of the piece
    Source: The Outlet, 12 March 2024, https://example.org/piece
    Author: Jane Doe
    Date: 2024-03-12

Accepted keys (any case): Title, Source / Outlet / Publication, Author(s) / By, Date /
Published / Posted, URL / Link (without an outlet, the URL's site
stands for it); also a bare "By Jane Doe" line. The block is the run of such lines at the
very top, optionally after one title line; it ends at the first other line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

_KEYS = {
    "title": "title",
    "headline": "title",
    "source": "source",
    "outlet": "outlet",
    "publication": "outlet",
    "publisher": "outlet",
    "author": "authors",
    "authors": "authors",
    "by": "authors",
    "byline": "authors",
    "date": "date",
    "published": "date",
    "posted": "date",
    "url": "url",
    "link": "url",
}
_HEADER = re.compile(r"^\s*(?:[-*]\s+)?\**([A-Za-z]+)\**\s*:\s*(.*?)\s*$")
_BY_LINE = re.compile(r"^\s*By\s+([A-Z][\w.'’-]*(?:[ ,]+(?:and\s+)?[A-Z][\w.'’-]*){0,7})\s*$")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MONTHS = {
    name: n
    for n, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})[-/](?P<mm>\d{1,2})(?:[-/](?P<day>\d{1,2}))?\b"),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\s*,?\s+(?P<year>\d{{4}})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(?P<year>\d{{4}})\b"),
    re.compile(rf"\b{_MONTH}\s+(?P<year>\d{{4}})\b"),
)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass
class HeaderFields:
    """What the header lines said; empty values where they said nothing."""

    title: str | None = None
    outlet: str = ""
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    url: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.title or self.outlet or self.authors or self.date or self.url)


def find_date(text: str) -> tuple[str | None, str]:
    """The first date written in `text` as YYYY-MM-DD (or YYYY-MM), and the text without it."""
    for pattern in _DATES:
        for match in pattern.finditer(text):
            found = _as_date(match)
            if found:
                return found, (text[: match.start()] + text[match.end() :])
    year = _YEAR.match(text)
    return (year.group(1), "") if year else (None, text)


def _as_date(match: re.Match[str]) -> str | None:
    parts = match.groupdict()
    month = parts.get("mm")
    number = int(month) if month else _MONTHS.get((parts.get("month") or "").lower())
    if not number:
        return None
    year, day = int(parts["year"]), parts.get("day")
    try:
        if day:
            return date(year, number, int(day)).isoformat()
        return date(year, number, 1).isoformat()[:7]
    except ValueError:
        return None


def _authors(value: str) -> list[str]:
    value = re.sub(r"^\s*by\s+", "", value, flags=re.IGNORECASE)
    return [a.strip() for a in re.split(r",|;|&|\band\b", value) if a.strip()]


def _read_source(value: str, fields: HeaderFields) -> None:
    """`Source: outlet, date, URL` in any order; each part fills what is still missing."""
    url = _URL.search(value)
    if url:
        fields.url = fields.url or url.group(0).rstrip(".,;)")
        value = value[: url.start()] + value[url.end() :]
    found, value = find_date(value)
    fields.date = fields.date or found
    outlet = ", ".join(p.strip() for p in re.split(r"[,|·•]|\s[-–—]\s", value) if p.strip())
    fields.outlet = fields.outlet or outlet


def _apply(key: str, value: str, fields: HeaderFields) -> None:
    if key == "title":
        fields.title = fields.title or value
    elif key == "source":
        _read_source(value, fields)
    elif key == "outlet":
        fields.outlet = fields.outlet or value
    elif key == "authors":
        fields.authors = fields.authors or _authors(value)
    elif key == "date":
        fields.date = fields.date or find_date(value)[0]
    elif key == "url":
        url = _URL.search(value)
        fields.url = fields.url or (url.group(0) if url else None)


def _header(line: str) -> tuple[str, str] | None:
    match = _HEADER.match(line)
    if match and match.group(1).lower() in _KEYS and match.group(2):
        return _KEYS[match.group(1).lower()], match.group(2)
    by = _BY_LINE.match(line)
    return ("authors", by.group(1)) if by else None


def read_header_lines(body: str) -> tuple[HeaderFields, str]:
    """The header block's fields and the body without it; (empty, body) when there is none."""
    lines = body.split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    fields = HeaderFields()
    title_line = None
    if index < len(lines) and _header(lines[index]) is None:
        title_line = lines[index].strip().lstrip("#").strip()
        index += 1
    found = 0
    while index < len(lines):
        line = lines[index]
        parsed = _header(line) if line.strip() else None
        if parsed is None and line.strip():
            break
        if parsed is None:  # a blank line inside the block only if a header line follows
            following = next((x for x in lines[index + 1 :] if x.strip()), "")
            if _header(following) is None:
                break
        else:
            _apply(*parsed, fields)
            found += 1
        index += 1
    if not found:
        return HeaderFields(), body
    if not fields.outlet and fields.url:  # as for web pages: the site stands for the outlet
        fields.outlet = (
            urlsplit(fields.url if "//" in fields.url else f"//{fields.url}").hostname or ""
        )
    if title_line and len(title_line.split()) <= 30:
        fields.title = fields.title or title_line
    elif title_line:  # a long first line is content after all: keep it
        return HeaderFields(), body
    return fields, "\n".join(lines[index:])
