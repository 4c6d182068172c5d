"""A page's own statement of when it was published and who wrote it.

trafilatura reads these too, but not in its fast mode (bulk conversion) and not on every page;
an article's attribution saying "undated" when the page states its date is a visible miss, so
the explicit markers are read here as a fallback: `article:published_time` and friends in
`<meta>`, JSON-LD `datePublished`, and the first `<time datetime>`. Authors given as a bare
e-mail address are dropped, "jane@example.org (Jane Doe)" becomes "Jane Doe".
"""

from __future__ import annotations

import html
import json
import re

from knowledge.readers.common import partial_date

_HEAD_BYTES = 300_000  # metadata sits in <head> or near the top of <body>
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_DATE_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "pubdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
)
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "sailthru.author", "byl")
_JSON_LD = re.compile(
    r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.I | re.S
)
_TIME = re.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']+)[\"']", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_WITH_NAME = re.compile(r"^\s*[\w.+-]+@[\w.-]+\s*\(([^)]+)\)\s*$")
_NAME_WITH_EMAIL = re.compile(r"^\s*([^<]+?)\s*<[\w.+-]+@[\w.-]+>\s*$")


def author_name(value: str) -> str | None:
    """A person's name from an author field: "jane@x.org (Jane Doe)" and "Jane Doe <jane@x.org>"
    give "Jane Doe"; a bare address gives None (an e-mail is not a byline)."""
    value = " ".join(value.split())
    for pattern in (_EMAIL_WITH_NAME, _NAME_WITH_EMAIL):
        match = pattern.match(value)
        if match:
            return match.group(1).strip() or None
    if not value or _EMAIL.search(value) or value.lower().startswith(("http://", "https://")):
        return None
    return value


def _metas(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in _META.findall(text):
        attrs = {m[0].lower(): html.unescape(m[1] or m[2] or m[3]) for m in _ATTR.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
        if key and attrs.get("content", "").strip():
            found.setdefault(key, []).append(attrs["content"].strip())
    return found


def _json_ld(text: str) -> list[dict[str, object]]:
    """Every JSON-LD object on the page, `@graph` members included; broken blocks skipped."""
    objects: list[dict[str, object]] = []
    for block in _JSON_LD.findall(text):
        try:
            data = json.loads(html.unescape(block).strip())
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(graph)
            elif isinstance(item, list):
                stack.extend(item)
    return objects


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw[:_HEAD_BYTES]
    return raw[:_HEAD_BYTES].decode("utf-8", "replace")


def page_date(raw: bytes | str, *, fallback: str | None = None) -> str | None:
    """The publication date the page states (YYYY-MM-DD): its `<meta>` or JSON-LD, else
    `fallback` (e.g. trafilatura's finding), else the first `<time datetime>` (a page's first
    time element is usually the article's, but it is the weakest sign, hence last)."""
    text = _decode(raw)
    metas = _metas(text)
    for key in _DATE_KEYS:
        for value in metas.get(key, ()):
            if found := partial_date(value):
                return found
    for item in _json_ld(text):
        if found := partial_date(str(item.get("datePublished") or "")):
            return found
    if fallback:
        return fallback
    for value in _TIME.findall(text):
        if found := partial_date(value):
            return found
    return None


def page_authors(raw: bytes | str) -> list[str]:
    """The authors the page's metadata names (never an e-mail address), in order."""
    text = _decode(raw)
    metas = _metas(text)
    names = [v for key in _AUTHOR_KEYS for v in metas.get(key, ())]
    if not names:
        names = [n for item in _json_ld(text) for n in _names(item.get("author"))]
    cleaned = (author_name(n) for n in names)
    return list(dict.fromkeys(n for n in cleaned if n))
