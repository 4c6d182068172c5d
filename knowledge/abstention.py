"""Answer or say "not covered": the decision, and the reason /why shows for it.

First what no weighing can fix: no passage shares a word; the question asks about a year after
every source that no passage mentions; or it asks for a date, a time or an amount and none of
the passages it would quote states one. Then one `Rule` weighs the evidence.

BM25-only: the best answering passage must hold at least `min_coverage` of the question's
ideas (weighted by how specific each is in English, so the decision does not move with what
else is indexed). Hybrid adds meaning, because coverage alone abstains on paraphrases ("keep
building nukes during the covid lockdown" shares few words with "isolation ... build their
nuclear program"), while cosine alone answers near-misses (a question about Japan's prime
minister is close to every passage about Japan): a passage is evidence enough when its
coverage plus `weight` times its closest sentence's cosine reaches `confidence`, so a little of
one makes up for a little less of the other. Neither tells a near-miss ("what is the town's
population?": every passage about the town is close, and covers most of the question) from a
paraphrase, so the evidence also loses `unsaid` times how much closer the passages come to
the question without an idea no passage holds (`knowledge.unsaid`).

The defaults are what `knowledge.folds.choose` picks on all 104 dev questions (dev + dev2);
`briefbot eval --folds 5` shows what held-out folds choose (the same weights, within 0.03 of
the same confidence) and how well that does on the questions they did not see.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.models import Hit
from knowledge.query import Query
from knowledge.scoring import states
from knowledge.unsaid import NOTHING, Unsaid

SHOWN = 5  # an answer quotes these: for "when"/"how many" one of them must state the kind
# Chosen together by `knowledge.folds.choose` on the 104 dev questions (held-out folds choose
# 1.0 / 0.38-0.41 / 8-12). MEANING_WEIGHT trades coverage for closeness (higher answers more
# paraphrases and more near-misses); CONFIDENCE is the evidence needed (higher refuses more).
MEANING_WEIGHT = 1.0
CONFIDENCE = 0.41
MIN_COVERAGE = 0.5
# How much an idea the passages do not say counts against them (`knowledge.unsaid`): the
# evidence loses this times the pull (cosine gained by dropping the idea from the question).
# 0 trusts the passages whatever the question adds; larger refuses near-misses (on the dev
# questions an asked-for population or weather pulls 0.07-0.1) at the risk of paraphrases
# whose informal word pulls a little (at most 0.055 among the answerable dev questions).
UNSAID_WEIGHT = 8.0

# (coverage, closeness in meaning) of each passage whose best sentence states what is asked
Evidence = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Rule:
    """When evidence is enough: coverage alone reaches `min_coverage`, or (hybrid) coverage
    plus `weight` x closeness reaches `confidence`; either after losing `unsaid` x the pull of
    what the question asks that the passages do not say (hybrid only: it is measured by
    meaning). `briefbot eval --folds` chooses these on some questions and reports the others."""

    min_coverage: float = MIN_COVERAGE
    weight: float = MEANING_WEIGHT
    confidence: float = CONFIDENCE
    unsaid: float = UNSAID_WEIGHT

    def answers(self, evidence: Evidence, *, semantic: bool, pull: float = 0.0) -> bool:
        if not evidence:
            return False
        doubt = self.unsaid * pull if semantic else 0.0
        if max(c for c, _ in evidence) - doubt >= self.min_coverage:
            return True
        return semantic and self.strength(evidence, pull) >= self.confidence

    def strength(self, evidence: Evidence, pull: float = 0.0) -> float:
        best = max((c + self.weight * m for c, m in evidence), default=0.0)
        return best - self.unsaid * pull


def closeness(hit: Hit) -> float | None:
    """How close in meaning the passage is: its closest sentence, or the passage as a whole."""
    return hit.meaning if hit.meaning is not None else hit.vector


_KINDS = {
    "date": "a date",
    "clock": "a time of day",
    "amount": "a number",
    "duration": "a length of time",
}


def evidence_of(
    query: Query, hits: list[Hit], *, after: str = "", stable: dict[str, float] | None = None
) -> tuple[Evidence, str]:
    """The evidence a rule weighs, or why no rule could answer (then the evidence is empty).

    `after` names a year the question asks about that is later than every source and that no
    passage mentions: sources cannot report what happened after they were written. `stable`
    weighs the question's ideas for coverage independently of the corpus's size (see
    `Searcher._stable_weights`); without it, each hit's ranking coverage is used."""
    if not hits:
        return (), "no passage shares a word with it"
    if after:
        return (), f"the question asks about {after}, after the newest source"
    answering = answering_hits(query, hits[:SHOWN] if query.wants else hits)
    if not answering:
        kind = _KINDS.get(query.wants, "a fact")
        return (), f"the question asks for {kind}; no matching passage states one"
    total = sum(stable.values()) if stable else 0.0
    return tuple(
        (
            sum(stable[m] for m in h.matched if m in stable) / total if stable else h.coverage,
            max(0.0, closeness(h) or 0.0),
        )
        for h in answering
    ), ""


def verdict(
    query: Query,
    hits: list[Hit],
    weights: dict[str, float],
    evidence: Evidence,
    rule: Rule,
    *,
    semantic: bool,
    unsaid: Unsaid = NOTHING,
) -> tuple[bool, str]:
    """(abstain?, why) for ranked `hits` with their `evidence_of`; `semantic` when vector
    similarity took part; `unsaid`: what the question asks that the passages do not say."""
    if rule.answers(evidence, semantic=semantic, pull=unsaid.pull):
        return False, ""
    best = max(c for c, _ in evidence)
    missing = _missing_labels(query, hits[0], weights)
    reason = f"best passage covers {best:.0%} of the question" + (
        f"; nothing on {', '.join(missing)}" if missing else ""
    )
    if semantic:
        strongest = max(evidence, key=lambda pair: pair[0] + rule.weight * pair[1])
        reason += (
            f"; closest in meaning {strongest[1]:.2f},"
            f" evidence {rule.strength(evidence, unsaid.pull):.2f} < {rule.confidence:.2f}"
        )
        if unsaid.pull > 0:
            reason += f"; without “{unsaid.idea}” the passages are {unsaid.pull:.2f} closer"
    return True, reason


def answering_hits(query: Query, hits: list[Hit]) -> list[Hit]:
    """Hits whose best sentence states the kind of answer asked for (any, for most questions)."""
    return [h for h in hits if h.sentence and states(query.wants, h.sentence)]


def _missing_labels(query: Query, hit: Hit, weights: dict[str, float]) -> list[str]:
    missing = [g.label for g in query.groups if g.label not in hit.matched]
    return sorted(missing, key=lambda label: -weights[label])[:3]
