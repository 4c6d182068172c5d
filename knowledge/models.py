"""Plain values the knowledge layer hands out: sources, passages and search hits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Speaker:
    name: str
    role: str = ""


@dataclass(frozen=True, slots=True)
class SourceMeta:
    """What a reader needs to judge a quote: who, where, when, what kind, from where."""

    id: str
    title: str
    outlet: str = ""
    authors: tuple[str, ...] = ()
    speakers: tuple[Speaker, ...] = ()
    date: str | None = None
    kind: str = "article"
    url: str | None = None
    origin: str = ""
    search_aliases: tuple[tuple[str, str], ...] = ()
    keywords: tuple[str, ...] = ()  # words people use for the source itself ("episode")
    # what a transcript mis-heard -> what was meant; quotes stay verbatim and answers show
    # "Heard [Meant]" the way newspapers do
    corrections: tuple[tuple[str, str], ...] = ()

    @property
    def display_date(self) -> str:
        return format_partial_date(self.date)

    def speaker_role(self, name: str | None) -> str:
        return next((s.role for s in self.speakers if s.name == name), "")


@dataclass(frozen=True, slots=True)
class PassageDraft:
    """A passage before it has a row id: produced by splitting, consumed by the store."""

    position: int
    text: str
    speaker: str | None = None
    section: str = ""  # the heading the passage sits under in its source ("" when none)

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed source file, ready to index."""

    meta: SourceMeta
    passages: tuple[PassageDraft, ...]
    content_hash: str
    path: str = ""
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    id: int
    source_id: str
    position: int
    text: str
    speaker: str | None = None
    section: str = ""  # the source's heading above the passage; context, never quoted


@dataclass(frozen=True, slots=True)
class Source:
    """An indexed source as `/sources` lists it."""

    meta: SourceMeta
    passage_count: int
    content_hash: str
    added_at: str
    path: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """A passage found for a query with the evidence of why."""

    passage: Passage
    source: SourceMeta
    bm25: float
    bm25_rank: int  # 0: not among BM25's candidates (found by the vector search only)
    coverage: float = 0.0
    matched: frozenset[str] = field(default_factory=frozenset)
    sentence: str = ""  # the passage's sentence that best answers the query
    sentence_score: float = 0.0
    relevance: float = 0.0  # the blended score the final ranking uses
    vector: float | None = None  # cosine similarity to the question (hybrid search only)
    vector_rank: int | None = None  # rank among all passages by that cosine
    fused_rank: int = 0  # rank by `relevance`, before diversification reorders
    # each sentence's score (words, plus meaning under hybrid), in passage order; empty when
    # the passage was not among those whose sentences were scored
    sentence_scores: tuple[float, ...] = ()
    meaning: float | None = None  # the closest sentence's cosine to the question (hybrid only)


def format_partial_date(value: str | None) -> str:
    """Render YYYY, YYYY-MM or YYYY-MM-DD for humans without inventing precision."""
    if not value:
        return "undated"
    match = _PARTIAL_DATE.match(value)
    if not match:
        return value
    year, month, day = match.groups()
    if day:
        return date(int(year), int(month), int(day)).strftime("%-d %B %Y")
    if month:
        return f"{_MONTHS[int(month) - 1]} {year}"
    return year
