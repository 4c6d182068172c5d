"""Compose an extractive answer: a few verbatim quotes, one or two from each passage.

Every bullet is a span of whole sentences (or one long sentence trimmed, marked with "…")
copied from a passage, chosen by `knowledge.quotes`; nothing is rephrased. Spans are chosen for
how much of the question they carry, near-duplicates are dropped, and the result says plainly
when the sources do not cover the question.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.diversify import facet_words
from knowledge.models import Hit
from knowledge.quotes import quotes_of, turn_quotes
from knowledge.search import SearchResult
from knowledge.text import stems

MAX_BULLETS = 5
MIN_BULLETS = 2
BULLET_FLOOR = 0.45  # a bullet must carry at least this share of the best bullet's weight
DUPLICATE_OVERLAP = 0.6


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    hit: Hit


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    result: SearchResult
    quotes: tuple[Quote, ...]
    offset: int = 0
    next_offset: int = 0
    skipped: tuple[tuple[int, str], ...] = ()  # (passage id, why no bullet came from it)

    @property
    def abstained(self) -> bool:
        return not self.quotes

    @property
    def reason(self) -> str:
        return self.result.reason


def compose(result: SearchResult, *, offset: int = 0, max_bullets: int = MAX_BULLETS) -> Answer:
    """Pick up to `max_bullets` quotes from hits[offset:] (offset > 0 serves "/more")."""
    question = result.query.text
    if result.abstained:
        return Answer(question, result, (), offset)
    candidates: list[tuple[int, float, Quote]] = []
    skipped: list[tuple[int, str]] = []
    for index, hit in enumerate(result.hits[offset : offset + max_bullets * 2], start=offset):
        found = [(text, weight) for text, weight in quotes_of(hit, result.query) if weight > 0]
        if not found and hit.passage.speaker and hit.passage.speaker == result.focus.speaker:
            found = turn_quotes(hit)  # "what did X say?": X's turn is the answer
        for text, weight in found:
            candidates.append((index, weight, Quote(text, hit)))
        if not found:
            skipped.append((hit.passage.id, "no sentence carries the question's words"))
    if not candidates:
        return Answer(question, result, (), offset, offset, tuple(skipped))
    top = max(weight for _, weight, _ in candidates)
    chosen: list[Quote] = []
    chosen_words: list[frozenset[str]] = []
    next_offset = offset
    for index, weight, quote in candidates:
        if len(chosen) >= max_bullets:
            skipped.append((quote.hit.passage.id, f"the answer already has {max_bullets} bullets"))
            continue
        next_offset = index + 1
        if weight < BULLET_FLOOR * top and len(chosen) >= MIN_BULLETS:
            skipped.append(
                (quote.hit.passage.id, f"its best sentence scores {weight / top:.0%} of the best")
            )
            continue
        words = facet_words(frozenset(stems(quote.text)), result.query)
        twin = next(
            (
                n
                for n, other in enumerate(chosen_words, 1)
                if _overlap(words, other) > DUPLICATE_OVERLAP
            ),
            0,
        )
        if twin:
            skipped.append((quote.hit.passage.id, f"it repeats bullet {twin}"))
            continue
        chosen.append(quote)
        chosen_words.append(words)
    return Answer(question, result, tuple(chosen), offset, next_offset, tuple(skipped))


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / (min(len(a), len(b)) or 1)
