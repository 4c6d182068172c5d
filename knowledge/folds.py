"""Held-out figures: choose the abstention rule on some questions, judge it on the others.

A threshold tuned and reported on the same 104 questions says little about the next question a
user types (the last round met every dev-set target in-sample and answered 26 of 45 unseen
questions in full). So the questions are split into K folds; for each fold the rule's settings
are chosen on the other folds (most questions decided right, then the widest margin) and only
that fold's questions are judged with them. Retrieval itself has no per-fold settings: its
figures are held-out already as long as nothing in the ranking was tuned on these items.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from knowledge.abstention import Evidence, Rule
from knowledge.answer import Answer, compose
from knowledge.evaluation import EvalReport, bullets_hit

COVERAGES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
WEIGHTS = (1.0, 1.5, 2.0, 3.0, 4.0)
UNSAIDS = (0.0, 2.0, 4.0, 8.0, 12.0)  # how much what the passages do not say counts (hybrid)


@dataclass(frozen=True, slots=True)
class Case:
    """One question as the rule sees it: whether it should be answered, and its evidence."""

    answerable: bool
    evidence: Evidence
    pull: float = 0.0  # what the question asks that the passages do not say (`Unsaid.pull`)

    def answered(self, rule: Rule, *, semantic: bool) -> bool:
        return rule.answers(self.evidence, semantic=semantic, pull=self.pull)


def split(count: int, folds: int, seed: int = 0) -> list[list[int]]:
    """Indices 0..count-1 in `folds` groups of near-equal size, shuffled reproducibly."""
    order = list(range(count))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not a secret
    return [order[i::folds] for i in range(folds)]


def choose(cases: Sequence[Case], *, semantic: bool) -> Rule:
    """The rule that decides most `cases` right, then with the widest margin.

    BM25 alone has one setting (the coverage a passage needs); hybrid keeps that at its
    default and chooses how much meaning counts, how much what the passages do not say counts
    against them, and how much evidence is enough."""
    best: tuple[int, float, Rule] = (-1, 0.0, Rule())
    for rule in _candidates(cases, semantic=semantic):
        correct = sum(c.answered(rule, semantic=semantic) == c.answerable for c in cases)
        margin = _margin(cases, rule, semantic=semantic)
        if (correct, margin) > best[:2]:
            best = (correct, margin, rule)
    return best[2]


def held_out(
    cases: Sequence[Case], folds: int, *, semantic: bool, seed: int = 0
) -> tuple[list[bool], list[Rule]]:
    """(answered?, per case) with each fold judged by the rule chosen on the others, and the
    rules chosen (one per fold)."""
    answered = [False] * len(cases)
    rules = []
    for fold in split(len(cases), folds, seed):
        inside = set(fold)
        rule = choose([c for i, c in enumerate(cases) if i not in inside], semantic=semantic)
        rules.append(rule)
        for i in fold:
            answered[i] = cases[i].answered(rule, semantic=semantic)
    return answered, rules


def _candidates(cases: Sequence[Case], *, semantic: bool) -> list[Rule]:
    if not semantic:
        return [Rule(min_coverage=c) for c in COVERAGES]
    rules = []
    for weight in WEIGHTS:
        for unsaid in UNSAIDS:
            probe = Rule(weight=weight, unsaid=unsaid)
            values = sorted({probe.strength(c.evidence, c.pull) for c in cases if c.evidence})
            rules += [
                Rule(weight=weight, confidence=(a + b) / 2, unsaid=unsaid)
                for a, b in pairwise(values)
            ]
    return rules


def _margin(cases: Sequence[Case], rule: Rule, *, semantic: bool) -> float:
    """How far the nearest question sits from the line, in the rule's own units."""
    if not semantic:
        values = [max(c for c, _ in case.evidence) for case in cases if case.evidence]
        return min((abs(v - rule.min_coverage) for v in values), default=0.0)
    values = [rule.strength(case.evidence, case.pull) for case in cases if case.evidence]
    spread = min((abs(v - rule.confidence) for v in values), default=0.0)
    return spread / (1 + rule.weight)


def held_out_report(
    report: EvalReport,
    answers: Sequence[Answer],
    folds: int,
    *,
    semantic: bool,
    max_bullets: int,
    seed: int = 0,
) -> tuple[EvalReport, list[Rule]]:
    """`report` with every answer-or-refuse decision replaced by the held-out one.

    A question the tuned rule refused but its fold's rule answers gets the bullets the bot
    would then have shown (composed again without the refusal)."""
    cases = [
        Case(r.item.answerable, a.result.evidence, a.result.unsaid.pull)
        for r, a in zip(report.results, answers, strict=True)
    ]
    answered, rules = held_out(cases, folds, semantic=semantic, seed=seed)
    judged = EvalReport()
    for result, answer, says in zip(report.results, answers, answered, strict=True):
        shown = compose(replace(answer.result, abstained=False), max_bullets=max_bullets)
        bullets = bullets_hit(result.item, shown) if says else (False,) * len(result.bullet_hits)
        judged.results.append(replace(result, abstained=not says, bullet_hits=bullets))
    return judged, rules
