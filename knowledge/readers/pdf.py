"""PDF files -> Document with pypdf: the text layer, page by page, and the document info.

A PDF without a text layer (empty, or scanned pages that are only images) is refused with a
message that says so; there is no OCR here.
"""

from __future__ import annotations

import io
import re
import warnings

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from knowledge.documents import DocumentError, FrontMatter, build_document
from knowledge.models import Document
from knowledge.readers.common import source_id, split_authors

_TURN = re.compile(r"^[A-Z][A-Z.'\- ]{1,40}:\s")
_SENTENCE_END = re.compile(r"[.!?:\"”)]$")


def pdf_document(raw: bytes, *, name: str, url: str | None = None, path: str = "") -> Document:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about harmless oddities
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                raise DocumentError(f"{name}: the PDF is encrypted; cannot read its text")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name}: not a readable PDF ({exc.__class__.__name__})") from exc
    body = "\n\n".join(_paragraphs(page) for page in pages).strip()
    if not body:
        raise DocumentError(
            f"{name}: the PDF has no text layer (empty, or scanned images only); nothing to index"
        )
    title = (info.title or "").strip() if info else ""
    created = info.creation_date if info else None
    front = FrontMatter(
        id=source_id(title or name, url) if url else None,
        title=title or None,
        authors=split_authors(info.author if info else None),
        date=created.strftime("%Y-%m-%d") if created else None,
        url=url,
        origin=f"PDF {url}" if url else "",
    )
    return build_document(body, front, name=name, path=path)


def _paragraphs(page: str) -> str:
    """Re-join a page's wrapped lines into paragraphs; a line ending a sentence short of the
    margin, a blank line or a "NAME:" turn label starts a new one."""
    paragraphs: list[list[str]] = [[]]
    for raw in page.splitlines():
        line = raw.strip()
        if not line:
            paragraphs.append([])
            continue
        if _TURN.match(line) and paragraphs[-1]:
            paragraphs.append([])
        current = paragraphs[-1]
        if current and current[-1].endswith("-") and line[:1].islower():
            current[-1] = current[-1][:-1] + line
        else:
            current.append(line)
    return "\n\n".join(" ".join(p) for p in paragraphs if p)
