"""Small helpers the readers share: decoding bytes, dates, stable ids for fetched sources."""

from __future__ import annotations

import hashlib
import re

from knowledge.documents import slugify

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


def decode_text(raw: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset, else UTF-8, else Windows-1252 (never refuse text)."""
    for encoding in (charset, "utf-8-sig"):
        if not encoding:
            continue
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp1252", errors="replace")


def partial_date(value: str | None) -> str | None:
    """The YYYY, YYYY-MM or YYYY-MM-DD prefix of a date string, or None."""
    match = _DATE.match((value or "").strip())
    return match.group(0) if match else None


def source_id(title: str, key: str) -> str:
    """A readable id that stays the same for one URL or feed entry: title slug + key hash."""
    slug = ""
    for word in slugify(title).split("-"):
        if slug and len(slug) + len(word) > 40:
            break
        slug = f"{slug}-{word}" if slug else word[:40]
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"  # noqa: S324 (not security)


def split_authors(value: str | None) -> list[str]:
    return [a.strip() for a in re.split(r";|\band\b", value or "") if a.strip()]
