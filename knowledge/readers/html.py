"""HTML pages -> Document: trafilatura finds the main text, title, author and date.

Navigation, footers and comment sections are dropped by trafilatura; the shared cleaner then
removes what slips through (sponsor reads, cookie lines), like for any text source.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import trafilatura

from knowledge.documents import DocumentError, FrontMatter, build_document
from knowledge.models import Document
from knowledge.readers.common import partial_date, source_id, split_authors

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


def html_document(
    raw: bytes | str, *, name: str, url: str | None = None, path: str = ""
) -> Document:
    """Extract a page's main text; a page with no readable text is refused, not indexed empty."""
    if not raw.strip():
        raise DocumentError(f"{name}: the page is empty")
    try:
        found = trafilatura.bare_extraction(
            raw, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise DocumentError(f"{name}: could not read the HTML ({exc.__class__.__name__})") from exc
    text = (getattr(found, "text", None) or "").strip() if found is not None else ""
    if not text:
        raise DocumentError(f"{name}: no readable text found in the HTML page")
    title = (found.title or "").strip() or None
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    body = "\n\n".join(lines)
    if not body:
        raise DocumentError(f"{name}: no readable text found in the HTML page")
    host = urlsplit(url).hostname if url else None
    front = FrontMatter(
        id=source_id(title or name, url) if url else None,
        title=title,
        outlet=(found.sitename or host or "").strip(),
        authors=split_authors(found.author),
        date=partial_date(found.date),
        url=url,
        origin=f"web page {url}" if url else "",
    )
    return build_document(body, front, name=name, path=path)
