"""Compose an extractive answer: a few verbatim quotes, each from a different passage.

Every bullet is a sentence (or a trimmed span, marked with "…") copied from a passage; nothing
is rephrased. Sentences are chosen for how much of the question they carry, near-duplicates
are dropped, and the result says plainly when the sources do not cover the question.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.models import Hit
from knowledge.query import Query
from knowledge.scoring import sentences_of
from knowledge.search import SearchResult
from knowledge.text import stems

MAX_BULLETS = 5
MIN_BULLETS = 2
MAX_QUOTE_WORDS = 45
SHORT_SENTENCE_WORDS = 12
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
        quote, weight = best_quote(hit, result.query, result.weights)
        if quote and weight > 0:
            candidates.append((index, weight, Quote(quote, hit)))
        else:
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
        words = frozenset(stems(quote.text))
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


def best_quote(hit: Hit, query: Query, weights: dict[str, float]) -> tuple[str, float]:
    """The hit's best sentence (with its neighbour if it is a fragment), trimmed to fit."""
    if not hit.sentence:
        return "", 0.0
    text = hit.sentence
    if len(text.split()) < SHORT_SENTENCE_WORDS:
        sentences = [s.text for s in sentences_of(hit.passage.text)]
        if text in sentences and sentences.index(text) + 1 < len(sentences):
            text = f"{text} {sentences[sentences.index(text) + 1]}"
    return trim(text, query), hit.sentence_score


def trim(sentence: str, query: Query, max_words: int = MAX_QUOTE_WORDS) -> str:
    """Cut a long sentence to the window that holds the question's words, marking cuts with …"""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    firsts = {phrase[0] for g in query.groups for phrase in g.stemmed}
    hits = [i for i, word in enumerate(words) if any(s in firsts for s in stems(word))]
    centre = hits[len(hits) // 2] if hits else 0
    start = max(0, min(centre - max_words // 2, len(words) - max_words))
    end = start + max_words
    text = " ".join(words[start:end])
    return ("…" if start > 0 else "") + text + ("…" if end < len(words) else "")


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / (min(len(a), len(b)) or 1)
