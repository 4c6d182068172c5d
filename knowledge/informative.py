"""Which passages of a source say the most, for "what's new": no question to rank them against.

A passage is informative when its sentences are dense in words that are (1) rare in the whole
index, by the full-text index's own statistics (how many passages hold each stem, read from
`passages_vocab`), (2) specific in everyday English (`text.specificity`, so "said" or "going"
weigh little even in a small index), and (3) recurrent in this source (a word the source keeps
returning to is what it is about; a word used once is a detail). A sentence scores the sum of
its distinct words' weights over the square root of its length, so a long sentence does not win
by length alone; questions score nothing (they ask, they do not inform). A passage scores its
best sentence, and is quoted the way answers are: that sentence, grown into a short span of its
neighbours (`quotes.span`), trimmed with "…" when over-long.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence

from knowledge.answer import Quote
from knowledge.models import Hit, Passage, SourceMeta
from knowledge.query import Query
from knowledge.quotes import quotes_of
from knowledge.scoring import is_question, sentence_texts
from knowledge.storage import SearchStatistics
from knowledge.text import specificity, stem, tokens

MIN_WORD = 3  # shorter tokens (other than numbers) carry no topic
LENGTH_FLOOR = 8  # a sentence shorter than this many content words is scored as if this long
_NO_QUERY = Query("", ())


def content_words(text: str, stopwords: Collection[str]) -> list[tuple[str, str]]:
    """(stem, word) for each word that can carry a topic: not a stopword, not a short token."""
    return [
        (stem(word), word)
        for word in tokens(text)
        if word not in stopwords and (len(word) >= MIN_WORD or word.isdigit())
    ]


async def document_frequencies(
    store: SearchStatistics, terms: Collection[str]
) -> tuple[int, dict[str, int]]:
    """How many passages of the whole index hold each stem, and how many passages there are."""
    return await store.passage_count(), await store.stem_document_counts(terms)


def word_weights(
    passages: Sequence[Passage],
    stopwords: Collection[str],
    total: int,
    frequencies: dict[str, int],
) -> dict[str, float]:
    """Each stem's weight in this source: rarity in the index × everyday specificity ×
    how often the source returns to it."""
    recurrence: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for passage in passages:
        words = content_words(passage.text, stopwords)
        recurrence.update({term for term, _ in words})
        for term, word in words:
            surface.setdefault(term, word)
    weights = {}
    for term, count in recurrence.items():
        rarity = math.log((total + 1) / (frequencies.get(term, 0) + 0.5))
        weights[term] = max(0.0, rarity) * specificity(surface[term]) * math.log2(1 + count)
    return weights


def sentence_score(sentence: str, weights: dict[str, float], stopwords: Collection[str]) -> float:
    if is_question(sentence):
        return 0.0
    words = content_words(sentence, stopwords)
    distinct = {term for term, _ in words}
    total = sum(weights.get(term, 0.0) for term in distinct)
    return total / math.sqrt(max(len(words), LENGTH_FLOOR))


def best_quote(
    passage: Passage, meta: SourceMeta, weights: dict[str, float], stopwords: Collection[str]
) -> Quote | None:
    """The passage's most informative span, as a quote an answer would show; None when it
    has no statement (only questions)."""
    sentences = sentence_texts(passage.text)
    scores = tuple(sentence_score(s, weights, stopwords) for s in sentences)
    if not sentences or max(scores) <= 0:
        return None
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    hit = Hit(
        passage,
        meta,
        bm25=0.0,
        bm25_rank=0,
        sentence=sentences[best],
        sentence_score=scores[best],
        sentence_scores=scores,
        relevance=scores[best],
    )
    found = quotes_of(hit, _NO_QUERY, second=False)
    return Quote(found[0][0], hit) if found else None


async def most_informative(
    store: SearchStatistics,
    meta: SourceMeta,
    passages: Sequence[Passage],
    candidates: Sequence[Passage],
    stopwords: Collection[str],
    limit: int,
) -> tuple[Quote, ...]:
    """Up to `limit` quotes from `candidates` (all of a new source's passages, or the ones an
    update added), the most informative first; words are weighed over the whole source
    (`passages`), so an added passage is judged by what the source is about."""
    if not candidates or limit <= 0:
        return ()
    terms = {term for p in passages for term, _ in content_words(p.text, stopwords)}
    total, frequencies = await document_frequencies(store, terms)
    weights = word_weights(passages, stopwords, total, frequencies)
    quotes = [q for p in candidates if (q := best_quote(p, meta, weights, stopwords)) is not None]
    quotes.sort(key=lambda q: (-q.hit.sentence_score, q.hit.passage.position))
    return tuple(quotes[:limit])
