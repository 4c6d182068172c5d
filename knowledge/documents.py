"""Turn a text or markdown file into a `Document`: front matter, cleaning, passages.

Front matter is optional so that a team can drop in any text file; what is missing is
derived from the file name and first line, and the file is cleaned of boilerplate either way.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.cleaning import clean_text
from knowledge.header_lines import HeaderFields, read_header_lines
from knowledge.models import Document, SourceMeta, Speaker
from knowledge.passages import split_passages

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_TURN_LABEL = re.compile(r"^([A-Z][A-Z.'\- ]{1,40}):\s", re.MULTILINE)
# A name label at the start of a paragraph: one to four capitalised words, then a colon.
_NAME_LABEL = re.compile(
    r"(?:\A|\n\s*\n)([A-Z][a-z'’.\-]+(?: (?:[A-Z][a-z'’.\-]*|de|van|von|da|al|bin)){0,3}):\s"
)
# Words that open a paragraph with a colon in ordinary prose: labels, never speakers.
_NOT_NAMES = frozenset(
    [
        *(
            "note notes update updates correction corrections clarification source sources "
            "photo caption related warning disclaimer summary question answer tags share listen "
            "watch background context transcript"
        ).split(),
        "editor's note",
        "see also",
        "read more",
    ]
)
_SLUG = re.compile(r"[^a-z0-9]+")
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
# libyaml's safe loader when installed: several times faster than the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DocumentError(ValueError):
    """A file that cannot become a source; the message is meant for the person ingesting."""


class SpeakerModel(BaseModel):
    name: str
    role: str = ""


class FrontMatter(BaseModel):
    """The curated metadata of a source; every field has a sensible default."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    title: str | None = None
    outlet: str = ""
    authors: list[str] = Field(default_factory=list)
    speakers: list[SpeakerModel] = Field(default_factory=list)
    date: str | None = None
    kind: str | None = None
    url: str | None = None
    origin: str = ""
    search_aliases: dict[str, str] = Field(default_factory=dict)
    keywords: list[str] = Field(default_factory=list)
    # what a transcript mis-heard -> what was meant: shown as "Heard [Meant]", searched as both
    corrections: dict[str, str] = Field(default_factory=dict)

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = str(value)
        if not _DATE.match(text):
            raise ValueError("date must look like YYYY, YYYY-MM or YYYY-MM-DD")
        return text

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in {"transcript", "article"}:
            raise ValueError("kind must be 'transcript' or 'article'")
        return value


def read_text(path: Path) -> str:
    """Read a file as text; non-UTF-8 files are decoded as Windows-1252 rather than refused."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_text.lower()).strip("-") or "source"


def parse_document(path: Path) -> Document:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise DocumentError(f"{path.name}: only .txt and .md files can be ingested")
    return parse_text(read_text(path), name=path.stem, path=str(path))


def parse_text(text: str, *, name: str, path: str = "") -> Document:
    """Parse one source's text; `name` stands in for the id and title when nothing better exists."""
    text = text.replace("\r\n", "\n").replace("\x00", "")
    front, body = _split_front_matter(text, name)
    header, body = read_header_lines(body)
    if not header.empty:
        front = _fill_from_header(front, header)
    return build_document(body, front, name=name, path=path, hashed=text)


def _fill_from_header(front: FrontMatter, header: HeaderFields) -> FrontMatter:
    """Front matter wins; header lines fill only what it left empty."""
    return front.model_copy(
        update={
            "title": front.title or header.title,
            "outlet": front.outlet or header.outlet,
            "authors": front.authors or header.authors,
            "date": front.date or header.date,
            "url": front.url or header.url,
        }
    )


def build_document(
    body: str, front: FrontMatter, *, name: str, path: str = "", hashed: str | None = None
) -> Document:
    """Clean `body`, find speaker turns and passages, and attach the metadata in `front`.

    Every reader (text, HTML, PDF, feed entry) ends here, so every source is cleaned and split
    the same way; `hashed` is the text whose hash says "unchanged" (default: the body).
    """
    body = body.replace("\r\n", "\n").replace("\x00", "")
    hashed = body if hashed is None else hashed
    title = front.title
    if title is None:
        title, body = _title_from_first_line(body, name)
    cleaned = clean_text(body)
    speakers = tuple(Speaker(s.name, s.role) for s in front.speakers)
    labels_found = {m.group(1).strip().title() for m in _TURN_LABEL.finditer(cleaned.text)}
    labels_found |= repeated_name_labels(cleaned.text)
    kind = front.kind or ("transcript" if len(labels_found) >= 2 else "article")
    if not speakers and kind == "transcript":
        speakers = tuple(Speaker(label) for label in sorted(labels_found))
    meta = SourceMeta(
        id=front.id or slugify(name),
        title=title,
        outlet=front.outlet,
        authors=tuple(front.authors),
        speakers=speakers,
        date=front.date,
        kind=kind,
        url=front.url,
        origin=front.origin or (f"file {Path(path).name}" if path else ""),
        search_aliases=tuple({**front.corrections, **front.search_aliases}.items()),
        keywords=tuple(front.keywords),
        corrections=tuple(front.corrections.items()),
    )
    passages = split_passages(cleaned.text, speakers=[s.name for s in speakers])
    if not passages:
        raise DocumentError(f"{name}: no text left to index after cleaning")
    digest = hashlib.sha256(hashed.encode("utf-8", "surrogatepass")).hexdigest()
    return Document(meta, passages, digest, path=path, removed=cleaned.removed)


def repeated_name_labels(text: str) -> set[str]:
    """Title-case turn labels ("Jane Doe: …") that open at least two paragraphs each.

    Only a repeating label counts, and only labels shaped like a name, so "Note: …" or
    "Update: …" in prose never makes an article a transcript.
    """
    counts: dict[str, int] = {}
    for match in _NAME_LABEL.finditer(text):
        label = match.group(1)
        if label.lower() not in _NOT_NAMES:
            counts[label] = counts.get(label, 0) + 1
    return {label for label, n in counts.items() if n >= 2}


def _split_front_matter(text: str, name: str) -> tuple[FrontMatter, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return FrontMatter(), text
    try:
        data = yaml.load(match.group(1), Loader=_YAML_LOADER) or {}  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        raise DocumentError(f"{name}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{name}: front matter must be a mapping of keys to values")
    try:
        return FrontMatter.model_validate(data), text[match.end() :]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise DocumentError(f"{name}: front matter {problems}") from exc


def _title_from_first_line(body: str, name: str) -> tuple[str, str]:
    """Use a short first line as the title (and drop it from the body); else the file name."""
    lines = body.lstrip("\n").split("\n", 1)
    first = lines[0].strip().lstrip("# ").strip()
    if first and len(first.split()) <= 20 and not first.endswith((".", ",", ";")):
        return first, lines[1] if len(lines) > 1 else ""
    return name.replace("_", " ").replace("-", " ").strip() or "Untitled", body
