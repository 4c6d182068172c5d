"""Maximal marginal relevance: the first results should say different things.

The best passages for a question often repeat one point in other words, or all come from one
source. A user reading five bullets is better served by the second-best view than by the best
one twice, so the leading picks trade a little relevance for new words (overlap with what is
already chosen) and for the other source's view (the chosen share of the same source).
"""

from __future__ import annotations

from collections.abc import Callable

from knowledge.models import Hit
from knowledge.query import Query

MMR_LAMBDA = 0.75
DIVERSIFY = 12  # how many leading picks are reordered
MMR_POOL = 15  # how many of the best hits they are chosen from; the rest keep their order
SOURCE_PENALTY = 0.3


def diversify(
    hits: list[Hit], words_of: Callable[[Hit], frozenset[str]], *, mmr: float = MMR_LAMBDA
) -> list[Hit]:
    """`hits` reordered by MMR over the first MMR_POOL; `words_of` gives a hit's content words;
    `mmr` is lambda (1: relevance only)."""
    if len(hits) < 3:
        return hits
    top = max(h.relevance for h in hits) or 1.0
    pool = [(h, h.relevance / top, words_of(h)) for h in hits[:MMR_POOL]]
    overlap = [0.0] * len(pool)
    per_source: dict[str, int] = {}
    chosen: list[Hit] = []
    alive = list(range(len(pool)))
    while alive and len(chosen) < DIVERSIFY:

        def value(i: int) -> float:
            hit, rel, _ = pool[i]
            share = per_source.get(hit.source.id, 0) / (len(chosen) or 1)
            return mmr * rel - (1 - mmr) * (overlap[i] + SOURCE_PENALTY * share)

        pick = max(alive, key=value)
        alive.remove(pick)
        hit, _, words = pool[pick]
        chosen.append(hit)
        per_source[hit.source.id] = per_source.get(hit.source.id, 0) + 1
        for i in alive:
            overlap[i] = max(overlap[i], jaccard(words, pool[i][2]))
    return chosen + [pool[i][0] for i in alive] + hits[MMR_POOL:]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)  # |a ∪ b| = |a| + |b| - |a ∩ b|, without building the union
    return shared / ((len(a) + len(b) - shared) or 1)


def facet_words(content: frozenset[str], query: Query) -> frozenset[str]:
    """What a passage says beyond the question: its content words less the question's own.

    Every good answer to "what does Kim want" shares "Kim" and "want"; counting them as
    overlap makes different wants look alike, and the same want in other words look new."""
    asked = {word for group in query.groups for phrase in group.stemmed for word in phrase}
    return content - asked
