"""Sentence-level relevance: which sentence of a passage answers the question, and how well.

BM25 scores a passage as a bag of words. An answer needs more: the question's ideas together,
in the question's order ("Kim ... wants" is Kim wanting; "wants ... from Kim" is someone else).
This is a small sequential-dependence model: each matched idea adds its weight, and each pair
of ideas adjacent in the question that also appear in that order within a short window adds a
pair bonus. A question sentence ("So what does Kim want?") is not an answer and is damped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from knowledge.kinds import AMOUNT, COUNT, TYPED, carries
from knowledge.passages import split_sentences
from knowledge.query import Query, TermGroup
from knowledge.text import stems

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
TIME_EXPRESSION = re.compile(
    rf"\b(1[89]\d\d|20\d\d|{_MONTHS}|sept?|{_DAYS}|today|yesterday|tomorrow|tonight|ago|"
    r"(last|this|next|past) (year|month|week|decade|spring|summer|autumn|fall|winter)|"
    r"\d+(st|nd|rd|th))\b",
    re.IGNORECASE,
)
CLOCK_EXPRESSION = re.compile(r"\b(\d{1,2}:\d\d|\d{1,2} ?[ap]\.?m\b|o'clock|noon|midnight)", re.I)
# "who is the host and when did it air": a date question that does not start with "when".
_WHEN_CLAUSE = re.compile(r"\bwhen (did|does|do|is|was|were|will|has|have|had)\b", re.I)
PAIR_WINDOW = 8
PAIR_BONUS = 0.5
QUESTION_DAMPING = 0.3
NEGATION_WINDOW = 2  # words before an intent that can negate it
_NEGATORS = frozenset({"no", "not", "t", "never", "littl", "without", "nor", "hardli"})  # stems


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    stems: tuple[str, ...]
    index: dict[str, tuple[int, ...]]  # stem -> positions, so phrase lookups skip scanning


def make_sentence(text: str) -> Sentence:
    sentence_stems = tuple(stems(text))
    index: dict[str, list[int]] = {}
    for i, token in enumerate(sentence_stems):
        index.setdefault(token, []).append(i)
    return Sentence(text, sentence_stems, {k: tuple(v) for k, v in index.items()})


@lru_cache(maxsize=8192)
def sentence_texts(text: str) -> tuple[str, ...]:
    """A passage's sentences, paragraph by paragraph: the unit of scoring and of quoting.

    Cached: every answer quotes from the same few passages again and again."""
    return tuple(s for para in text.split("\n\n") for s in split_sentences(para))


def is_question(sentence: str) -> bool:
    """A question ("So what do the North Koreans want in return?") asks; it never answers."""
    return sentence.rstrip(" \"'”’)]").endswith("?")


def answers_nothing(sentence: str, query: Query) -> bool:
    """A question in a source answers nothing, unless the user asks what was asked."""
    return not query.asking and is_question(sentence)


def sentences_of(text: str) -> tuple[Sentence, ...]:
    return tuple(make_sentence(s) for s in sentence_texts(text))


def positions(sentence: Sentence, group: TermGroup) -> list[int]:
    """Start positions of any of the group's phrases in the sentence; an intent negated just
    before it ("had little interest in", "does not want") is not there."""
    index, stems = sentence.index, sentence.stems
    return [
        i
        for phrase in group.stemmed
        for i in index.get(phrase[0], ())
        if (len(phrase) == 1 or stems[i : i + len(phrase)] == phrase)
        and not (group.negatable and _NEGATORS.intersection(stems[max(0, i - NEGATION_WINDOW) : i]))
    ]


def sentence_score(sentence: Sentence, query: Query, weights: dict[str, float]) -> float:
    places = [positions(sentence, g) for g in query.groups]
    score = sum(weights[g.label] for g, where in zip(query.groups, places, strict=True) if where)
    for k in range(len(places) - 1):
        a, b = places[k], places[k + 1]
        if a and b and any(0 < j - i <= PAIR_WINDOW for i in a for j in b):
            score += PAIR_BONUS + max(
                weights[query.groups[k].label], weights[query.groups[k + 1].label]
            )
    if not query.asking and sentence.text.rstrip("”\"’' ").endswith("?"):
        score *= QUESTION_DAMPING
    return score


def sentence_scores(
    sentences: tuple[Sentence, ...], query: Query, weights: dict[str, float]
) -> list[float]:
    """Every sentence's score; most sentences hold none of the question's words, and those
    score 0 without the phrase search."""
    firsts = {phrase[0] for group in query.groups for phrase in group.stemmed}
    return [
        0.0 if firsts.isdisjoint(s.index) else sentence_score(s, query, weights) for s in sentences
    ]


def best_sentence(
    sentences: tuple[Sentence, ...], query: Query, weights: dict[str, float]
) -> tuple[int, float]:
    """Index and score of the passage's best sentence (the earliest on ties)."""
    if not sentences:
        return 0, 0.0
    scores = sentence_scores(sentences, query, weights)
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return best, scores[best]


def states(wants: str, text: str) -> bool:
    """Whether a sentence gives what the question asks for: a date ("when"), a clock time, an
    amount ("how many"), or (`knowledge.kinds.TYPED`) a number, a place, a person or a reason."""
    if wants in TYPED:
        return carries(wants, text)
    pattern = _EXPRESSIONS.get(wants, TIME_EXPRESSION)
    return not wants or pattern.search(text) is not None


_EXPRESSIONS = {
    "clock": CLOCK_EXPRESSION,
    "amount": COUNT,
    "duration": AMOUNT,
    "date": TIME_EXPRESSION,
}


def answer_type(query: Query) -> str:
    """What kind of answer the question asks for ("date", "clock", one of
    `knowledge.kinds.TYPED`, or "" for any), for ranking: a sentence of that kind is preferred."""
    if query.wants:
        return query.wants
    if _WHEN_CLAUSE.search(query.text):
        return "date"
    return query.kind if query.kind in TYPED else ""


def states_any(wants: str, sentences: tuple[Sentence, ...]) -> bool:
    """Whether some sentence of a passage gives the kind of answer asked for."""
    return bool(wants) and any(states(wants, s.text) for s in sentences)
