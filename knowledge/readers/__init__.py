"""Readers turn what a team adds (files, fetched bytes) into `Document`s.

Each format has its own small module (html, pdf, feed, fetch); all of them end in
`documents.build_document`, so every source is cleaned and split into passages the same way.
This module only decides which reader a file or a response needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from knowledge.documents import TEXT_SUFFIXES, DocumentError, parse_document, parse_text
from knowledge.models import Document
from knowledge.readers.common import decode_text
from knowledge.readers.fetch import Fetched

# The html, pdf and feed readers are imported when first needed: trafilatura and friends take
# about a second to import, which `briefbot ask` and bulk-ingest worker processes never need.
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
FEED_SUFFIXES = frozenset({".rss", ".atom", ".xml"})
READABLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES | {".pdf"}


@dataclass(frozen=True, slots=True)
class Readout:
    """One document and the keys (URL, feed entry id) that identify it across re-ingests."""

    document: Document
    keys: tuple[str, ...] = ()


def read_path(path: Path) -> list[Readout]:
    """Read a local file by its suffix; a feed file yields one document per entry."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [Readout(parse_document(path))]
    if suffix in HTML_SUFFIXES:
        from knowledge.readers.html import html_document

        return [Readout(html_document(path.read_bytes(), name=path.stem, path=str(path)))]
    if suffix == ".pdf":
        from knowledge.readers.pdf import pdf_document

        return [Readout(pdf_document(path.read_bytes(), name=path.stem, path=str(path)))]
    if suffix in FEED_SUFFIXES:
        from knowledge.readers.feed import parse_feed

        feed = parse_feed(path.read_bytes(), name=path.name)
        return [Readout(e.document, e.keys) for e in feed.entries]
    kinds = ", ".join(sorted(READABLE_SUFFIXES))
    raise DocumentError(f"{path.name}: cannot ingest this kind of file (readable: {kinds})")


def read_fetched(fetched: Fetched) -> list[Readout]:
    """Read a fetched response by what it is (sniffed) and what the server says it is."""
    try:
        return _read_fetched(fetched)
    except DocumentError as exc:  # name the URL, not the file-like name, in the message
        raise DocumentError(f"{fetched.url}: {str(exc).split(': ', 1)[-1]}") from exc


def _read_fetched(fetched: Fetched) -> list[Readout]:
    from knowledge.readers.feed import looks_like_feed, parse_feed
    from knowledge.readers.html import html_document
    from knowledge.readers.pdf import pdf_document

    body, url = fetched.body, fetched.final_url
    name = _name_from_url(url)
    keys = tuple(dict.fromkeys((fetched.url, fetched.final_url)))
    if body.lstrip()[:5] == b"%PDF-" or fetched.kind == "pdf":
        return [Readout(pdf_document(body, name=name, url=url), keys)]
    if fetched.kind == "feed" or looks_like_feed(body):
        feed = parse_feed(body, name=url)
        return [Readout(e.document, e.keys) for e in feed.entries]
    if fetched.kind == "html":
        return [Readout(html_document(body, name=name, url=url), keys)]
    text = decode_text(body, fetched.charset)
    doc = parse_text(text, name=name, path="")
    meta = doc.meta
    return [Readout(replace(doc, meta=replace(meta, url=url, origin=f"web {url}")), keys)]


def _name_from_url(url: str) -> str:
    parts = urlsplit(url)
    stem = Path(parts.path).stem
    return stem or parts.hostname or "page"
