"""HTML pages -> Document: trafilatura finds the main text, title, author and date.

Navigation, footers and comment sections are dropped by trafilatura; the shared cleaner then
removes what slips through (sponsor reads, cookie lines), like for any text source.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import trafilatura
from trafilatura.settings import Document as Extracted

from knowledge.documents import DocumentError, FrontMatter, build_document
from knowledge.models import Document
from knowledge.readers.common import partial_date, source_id, split_authors
from knowledge.readers.page_meta import author_name, page_authors, page_date

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def html_document(
    raw: bytes | str, *, name: str, url: str | None = None, path: str = ""
) -> Document:
    """Extract a page's main text; a page with no readable text is refused, not indexed empty."""
    body, front = extract_html(raw, name=name, url=url)
    return build_document(body, front, name=name, path=path)


def extract_html(
    raw: bytes | str, *, name: str, url: str | None = None, fast: bool = False
) -> tuple[str, FrontMatter]:
    """The page's main text as paragraphs, and its metadata, before cleaning and splitting.

    `fast` (bulk conversion of trusted documentation) skips trafilatura's fallback extractors
    and all its metadata but the `<title>`: about 3x faster (the date and authors the page
    states in its `<meta>` / JSON-LD are still read, by `page_meta`).
    """
    if not raw.strip():
        raise DocumentError(f"{name}: the page is empty")
    try:
        found = trafilatura.bare_extraction(
            raw,
            url=url,
            fast=fast,
            with_metadata=not fast,
            include_comments=False,
            include_tables=False,
            # htmldate's extensive search loads dateparser's locales (~10 s the first time)
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise DocumentError(f"{name}: could not read the HTML ({exc.__class__.__name__})") from exc
    # a `Document` (as_dict is off), or None when trafilatura found nothing
    text = (found.text or "").strip() if isinstance(found, Extracted) else ""
    if not isinstance(found, Extracted) or not text:
        raise DocumentError(f"{name}: no readable text found in the HTML page")
    title = (found.title or "").strip() or (_page_title(raw) if fast else "") or None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    body = "\n\n".join(lines)
    if not body:
        raise DocumentError(f"{name}: no readable text found in the HTML page")
    host = urlsplit(url).hostname if url else None
    authors = [a for a in (author_name(x) for x in split_authors(found.author)) if a]
    front = FrontMatter(
        id=source_id(title or name, url) if url else None,
        title=title,
        outlet=(found.sitename or host or "").strip(),
        authors=authors or page_authors(raw),
        # the page's own metadata first: htmldate's guesses (without its extensive search)
        # miss dates the page states, and fast mode reads none
        date=page_date(raw, fallback=partial_date(found.date)),
        url=url,
        origin=f"web page {url}" if url else "",
    )
    return body, front


def _page_title(raw: bytes | str) -> str:
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    match = _TITLE.search(data[:20_000])
    if not match:
        return ""
    return " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())
