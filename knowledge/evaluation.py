"""Score the bot against an eval set in the format of shared/eval (JSON Lines).

The hit rule is the eval set's own: a text hits an evidence string when the longest common
subsequence of their lowercase alphanumeric tokens is at least 0.6 x the evidence's length.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.answer import Answer

_WORD = re.compile(r"[a-z0-9]+")
HIT_RATIO = 0.6


class EvalFormatError(ValueError):
    """The eval file is not in the expected format; the message names the line."""


@dataclass(frozen=True, slots=True)
class EvalItem:
    id: str
    question: str
    answerable: bool
    evidence: tuple[str, ...]
    kind: str = ""  # the `[kind]` its notes start with, for figures per kind


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: EvalItem
    abstained: bool
    first_hit_ranks: tuple[int | None, ...]  # per evidence string, 1-based rank or None
    bullet_hits: tuple[bool, ...]
    latency_ms: float

    @property
    def success(self) -> bool:
        if not self.item.answerable:
            return self.abstained
        return not self.abstained and all(r is not None and r <= 5 for r in self.first_hit_ranks)


@dataclass(slots=True)
class EvalReport:
    results: list[ItemResult] = field(default_factory=list)

    def recall_at(self, k: int) -> float:
        ranks = [r for res in self._answerable() for r in res.first_hit_ranks]
        return sum(1 for r in ranks if r is not None and r <= k) / (len(ranks) or 1)

    @property
    def mrr(self) -> float:
        answerable = self._answerable()
        total = 0.0
        for res in answerable:
            found = [r for r in res.first_hit_ranks if r is not None]
            total += 1 / min(found) if found else 0.0
        return total / (len(answerable) or 1)

    @property
    def bullet_coverage(self) -> float:
        hits = [h for res in self._answerable() for h in res.bullet_hits]
        return sum(hits) / (len(hits) or 1)

    @property
    def success(self) -> tuple[int, int]:
        answerable = self._answerable()
        return sum(r.success for r in answerable), len(answerable)

    @property
    def abstention(self) -> tuple[float, float]:
        """(precision, recall) of abstaining, with out-of-scope questions as the positives."""
        abstained = [r for r in self.results if r.abstained]
        out_of_scope = [r for r in self.results if not r.item.answerable]
        correct = sum(1 for r in abstained if not r.item.answerable)
        precision = correct / len(abstained) if abstained else 1.0
        recall = correct / len(out_of_scope) if out_of_scope else 1.0
        return precision, recall

    def latency(self, quantile: float) -> float:
        values = sorted(r.latency_ms for r in self.results)
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[round(quantile * 100) - 1]

    def _answerable(self) -> list[ItemResult]:
        return [r for r in self.results if r.item.answerable]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def hits(evidence: str, text: str) -> bool:
    wanted = words(evidence)
    return bool(wanted) and lcs_length(wanted, words(text)) >= HIT_RATIO * len(wanted)


def load_items(path: Path) -> list[EvalItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            items.append(
                EvalItem(
                    id=str(data.get("id", number)),
                    question=str(data["question"]),
                    answerable=bool(data["answerable"]),
                    evidence=tuple(str(e) for e in data.get("evidence") or ()),
                    kind=_kind(str(data.get("notes") or ""), bool(data["answerable"])),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EvalFormatError(f"{path}:{number}: not an eval item ({exc})") from None
    return items


_KIND = re.compile(r"^\s*\[([^\]]+)\]")


def _kind(notes: str, answerable: bool) -> str:
    """The first `[kind]` of the notes ("[list, follow-up]" is a list question)."""
    found = _KIND.match(notes)
    if found:
        return found.group(1).split(",")[0].strip().lower()
    return "" if answerable else "out of scope"


async def evaluate(
    items: Iterable[EvalItem],
    answer: Callable[[str], Awaitable[Answer]],
    *,
    k: int = 5,
    answers: list[Answer] | None = None,
) -> EvalReport:
    """Score every item; `answers` (if given) collects the answers, for held-out figures."""
    report = EvalReport()
    for item in items:
        started = time.perf_counter()
        result = await answer(item.question)
        latency = (time.perf_counter() - started) * 1000
        if answers is not None:
            answers.append(result)
        ranks = evidence_ranks(item, result, k)
        bullet_hits = bullets_hit(item, result)
        report.results.append(ItemResult(item, result.abstained, ranks, bullet_hits, latency))
    return report


def evidence_ranks(item: EvalItem, answer: Answer, k: int = 5) -> tuple[int | None, ...]:
    """Per evidence string, the 1-based rank of the first of the top `k` passages that hits it."""
    passages = [h.passage.text for h in answer.result.hits[:k]]
    return tuple(
        next((rank for rank, text in enumerate(passages, 1) if hits(e, text)), None)
        for e in item.evidence
    )


def bullets_hit(item: EvalItem, answer: Answer) -> tuple[bool, ...]:
    bullets = " ".join(q.text for q in answer.quotes)
    return tuple(hits(e, bullets) for e in item.evidence)
