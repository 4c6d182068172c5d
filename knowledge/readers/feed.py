"""RSS and Atom feeds -> one Document per entry (feedparser).

An entry is identified by its guid/id and its link, so a feed that lists one entry twice
yields one source, and an entry that was edited updates its source instead of adding another.
"""

from __future__ import annotations

import html
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

import feedparser

from knowledge.documents import DocumentError, FrontMatter, build_document
from knowledge.models import Document
from knowledge.readers.common import source_id, split_authors
from knowledge.readers.page_meta import author_name

_BLOCK = re.compile(r"(?i)<\s*/?\s*(p|div|br|li|h[1-6]|blockquote|tr|section|article)\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    keys: tuple[str, ...]  # guid/id and link
    document: Document


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]
    skipped: tuple[str, ...]  # why entries were left out (no text, repeated)


def looks_like_feed(raw: bytes) -> bool:
    head = raw[:4096].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(raw: bytes, *, name: str) -> ParsedFeed:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # feedparser warns on deprecated access patterns
        parsed: Any = feedparser.parse(raw)
    if not parsed.get("version") and not parsed.entries:
        raise DocumentError(f"{name}: not an RSS or Atom feed")
    title = str(parsed.feed.get("title") or name).strip()
    entries: list[FeedEntry] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        keys = tuple(dict.fromkeys(k for k in (entry.get("id"), entry.get("link")) if k))
        if not keys:
            skipped.append(f"an entry of {name} has neither id nor link")
            continue
        if seen & set(keys):
            skipped.append(f"{keys[0]}: listed twice in the feed; kept the first")
            continue
        seen.update(keys)
        try:
            entries.append(FeedEntry(keys, _entry_document(entry, keys[0], title)))
        except DocumentError as exc:
            skipped.append(str(exc))
    return ParsedFeed(title, tuple(entries), tuple(skipped))


def _entry_document(entry: Any, key: str, feed_title: str) -> Document:
    content = entry.get("content") or []
    markup = content[0].get("value", "") if content else entry.get("summary", "")
    body = fragment_text(markup)
    title = str(entry.get("title") or "").strip() or None
    if not body:
        raise DocumentError(f"{key}: the entry has no text")
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    front = FrontMatter(
        id=source_id(title or key, key),
        title=title,
        outlet=feed_title,
        authors=_entry_authors(entry),
        date=time.strftime("%Y-%m-%d", when) if when else None,
        url=entry.get("link"),
        origin=f"feed {feed_title}: {key}",
    )
    return build_document(body, front, name=title or key, hashed=f"{title}\n{body}")


def _entry_authors(entry: Any) -> list[str]:
    """An entry's author names; RSS gives "jane@example.org (Jane Doe)" or a bare address,
    and an address alone is not a name, so it gives no author."""
    detail = entry.get("author_detail") or {}
    if detail.get("name"):
        return [a for a in (author_name(x) for x in split_authors(detail["name"])) if a]
    return [a for a in (author_name(x) for x in split_authors(entry.get("author"))) if a]


def fragment_text(markup: str) -> str:
    """An entry's HTML fragment as paragraphs of plain text."""
    text = _SCRIPT.sub(" ", markup or "")
    text = _BLOCK.sub("\n\n", text)
    text = html.unescape(_TAG.sub("", text))
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)
