"""Answer or say "not covered": the decision, and the reason /why shows for it.

BM25-only: the best passage that states what is asked (a date for "when", a time for "what
time") must hold at least `min_coverage` of the question's ideas, weighted by rarity.

Hybrid adds meaning, because coverage alone abstains on paraphrases ("keep building nukes during
the covid lockdown" shares few words with "isolation ... build their nuclear program"), while
cosine alone answers near-misses (a question about Japan's prime minister is close to every
passage about Japan). A passage is evidence enough when its coverage plus MEANING_WEIGHT times
its closest sentence's cosine to the question reaches CONFIDENCE: both signals in one number,
so a little of one makes up for a little less of the other. The weight and the threshold were
chosen by leave-one-out over the dev questions (answerable and out-of-scope alike); see
bench/abstention_loo.py and the README.
"""

from __future__ import annotations

from knowledge.models import Hit
from knowledge.query import Query
from knowledge.scoring import states

MEANING_WEIGHT = 2.0
CONFIDENCE = 1.16


def closeness(hit: Hit) -> float | None:
    """How close in meaning the passage is: its closest sentence, or the passage as a whole."""
    return hit.meaning if hit.meaning is not None else hit.vector


def confidence(hit: Hit, weight: float = MEANING_WEIGHT) -> float:
    """Coverage plus weighted meaning: the hybrid evidence score of one passage."""
    return hit.coverage + weight * max(0.0, closeness(hit) or 0.0)


def verdict(
    query: Query,
    hits: list[Hit],
    weights: dict[str, float],
    *,
    min_coverage: float,
    semantic: bool,
) -> tuple[bool, str]:
    """(abstain?, why) for ranked `hits`; `semantic` when vector similarity took part."""
    if not hits:
        return True, "no passage shares a word with it"
    answering = answering_hits(query, hits)
    if not answering:
        return (
            True,
            f"the question asks for a {query.wants or 'fact'}; no matching passage states one",
        )
    best = max(h.coverage for h in answering)
    if best >= min_coverage:
        return False, ""
    missing = _missing_labels(query, hits[0], weights)
    reason = f"best passage covers {best:.0%} of the question" + (
        f"; nothing on {', '.join(missing)}" if missing else ""
    )
    if semantic:
        strongest = max(answering, key=confidence)
        if confidence(strongest) >= CONFIDENCE:
            return False, ""
        reason += (
            f"; closest in meaning {max(0.0, closeness(strongest) or 0.0):.2f},"
            f" evidence {confidence(strongest):.2f} < {CONFIDENCE:.2f}"
        )
    return True, reason


def answering_hits(query: Query, hits: list[Hit]) -> list[Hit]:
    """Hits whose best sentence states the kind of answer asked for (any, for most questions)."""
    return [h for h in hits if h.sentence and states(query.wants, h.sentence)]


def _missing_labels(query: Query, hit: Hit, weights: dict[str, float]) -> list[str]:
    missing = [g.label for g in query.groups if g.label not in hit.matched]
    return sorted(missing, key=lambda label: -weights[label])[:3]
