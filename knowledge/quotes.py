"""Which words of a passage become a bullet: a short verbatim span around its best sentence.

One sentence is often half a point ("For the United States, the prospect ... is bad news, but
not apocalyptic." needs the next one: "Even if Putin and Kim had little interest ..."). So a
quote is a contiguous span of up to MAX_SPAN_SENTENCES sentences: the best one, grown by the
neighbour that scores higher while that neighbour still says something about the question
(the next sentence: NEIGHBOUR_SHARE of the best sentence's score; the previous one, which
may be another actor's point, PRECEDING_SHARE) and the span fits SPAN_WORDS. A passage
whose another sentence scores nearly as well (SECOND_SHARE) and is not next to the first span
gives a second quote, so a passage that makes two points shows both. Every quote is copied
verbatim; only a single over-long sentence is trimmed, and "…" marks the cut at its ends.
A sentence that introduces the next ("… he continued:") is never quoted without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from knowledge.models import Hit
from knowledge.passages import introduces
from knowledge.query import Query
from knowledge.scoring import answers_nothing, is_question, sentence_texts
from knowledge.text import stems

MAX_QUOTE_WORDS = 45  # a single sentence longer than this is trimmed around the question
SPAN_WORDS = 60  # a span of whole sentences may be this long
MAX_SPAN_SENTENCES = 3
NEIGHBOUR_SHARE = 0.15  # what follows the best sentence usually elaborates it
PRECEDING_SHARE = 0.5  # what precedes it is quoted only when it is itself about the question
SECOND_SHARE = 0.6
SHORT_SENTENCE_WORDS = 12  # a best sentence shorter than this always takes its next sentence


def quotes_of(hit: Hit, query: Query, *, second: bool = True) -> list[tuple[str, float]]:
    """The hit's quotes with their weights: its best span, and perhaps a second one.

    Questions are never quoted: a host's question carries the asker's words, not an answer.
    """
    if not hit.sentence:
        return []
    sentences = sentence_texts(hit.passage.text)
    if hit.sentence not in sentences:
        return (
            []
            if answers_nothing(hit.sentence, query)
            else [(trim(hit.sentence, query), hit.sentence_score)]
        )
    best = sentences.index(hit.sentence)
    scores = list(hit.sentence_scores)
    if len(scores) != len(sentences):  # not scored sentence by sentence: the best one only
        scores = [hit.sentence_score if i == best else 0.0 for i in range(len(sentences))]
    scores = [
        0.0 if answers_nothing(text, query) else score
        for text, score in zip(sentences, scores, strict=True)
    ]
    if scores[best] <= 0:  # the best sentence was a question: the best statement instead
        best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
        if scores[best] <= 0:
            return []
    first = span(sentences, scores, best)
    found = [(_text(sentences, first, query), scores[best])]
    if second:
        taken = set(range(first[0] - 1, first[1] + 1))
        rest = [i for i in range(len(sentences)) if i not in taken and scores[i] > 0]
        if rest:
            other = max(rest, key=lambda i: (scores[i], -i))
            if scores[other] >= SECOND_SHARE * scores[best]:
                extra = span(sentences, scores, other, avoid=taken)
                # an introduction whose quote is already the first bullet adds nothing
                if not introduces(sentences[extra[1] - 1]):
                    found.append((_text(sentences, extra, query), scores[other]))
    return found


TURN_WEIGHT = 1.0  # a turn's quote when the question named only its speaker: rank order rules


def turn_quotes(hit: Hit) -> list[tuple[str, float]]:
    """The most substantial statement of a speaker's turn (and what it needs around it), for
    "what did X say?", whose only words are X's name, which the turn itself never contains."""
    sentences = list(sentence_texts(hit.passage.text))
    scores = [0.0 if is_question(t) else float(min(_words(t), SPAN_WORDS)) for t in sentences]
    if not any(scores):
        return []
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    start, end = span(sentences, scores, best)
    text = " ".join(sentences[start:end])
    if end - start == 1 and _words(text) > MAX_QUOTE_WORDS:
        words = text.split()
        text = " ".join(words[:MAX_QUOTE_WORDS]) + "…"
    return [(text, TURN_WEIGHT)]


def span(
    sentences: Sequence[str], scores: list[float], best: int, avoid: set[int] | None = None
) -> tuple[int, int]:
    """[start, end) of the sentences quoted around `best`."""
    avoid = avoid or set()
    start, end = best, best + 1
    size = _words(sentences[best])
    fragment = size < SHORT_SENTENCE_WORDS and end < len(sentences)
    if fragment and not is_question(sentences[end]):  # a fragment needs what follows
        size += _words(sentences[end])
        end += 1
    if end < len(sentences) and end not in avoid and introduces(sentences[end - 1]):
        size += _words(sentences[end])  # "… he continued:" is quoted with what it introduces
        end += 1
    floors = {-1: PRECEDING_SHARE * scores[best], 1: NEIGHBOUR_SHARE * scores[best]}
    while end - start < MAX_SPAN_SENTENCES:
        options = [
            i
            for i, side in ((start - 1, -1), (end, 1))
            if 0 <= i < len(sentences)
            and i not in avoid
            and scores[i] > 0
            and scores[i] >= floors[side]
            and not is_question(sentences[i])
            and size + _words(sentences[i]) <= SPAN_WORDS
        ]
        if not options:
            break
        pick = max(options, key=lambda i: (scores[i], -i))
        size += _words(sentences[pick])
        start, end = min(start, pick), max(end, pick + 1)
    return start, end


@lru_cache(maxsize=65536)
def _word_stems(word: str) -> tuple[str, ...]:
    """A whitespace-separated word's stems ("Pyongyang’s" -> pyongyang, s), cached."""
    return tuple(stems(word))


@lru_cache(maxsize=16384)
def _words(sentence: str) -> int:
    """A sentence's length in words (cached: the same sentences are quoted again and again)."""
    return len(sentence.split())


def _text(sentences: Sequence[str], bounds: tuple[int, int], query: Query) -> str:
    start, end = bounds
    if end - start == 1:
        return trim(sentences[start], query)
    return " ".join(sentences[start:end])


def trim(sentence: str, query: Query, max_words: int = MAX_QUOTE_WORDS) -> str:
    """Cut a long sentence to the window that holds the question's words, marking cuts with …"""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    firsts = {phrase[0] for g in query.groups for phrase in g.stemmed}
    hits = [i for i, word in enumerate(words) if not firsts.isdisjoint(_word_stems(word))]
    centre = hits[len(hits) // 2] if hits else 0
    start = max(0, min(centre - max_words // 2, len(words) - max_words))
    end = start + max_words
    text = " ".join(words[start:end])
    return ("…" if start > 0 else "") + text + ("…" if end < len(words) else "")
