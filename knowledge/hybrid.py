"""The semantic half of hybrid search: vector candidates, the fused score, the abstention rule.

BM25 finds passages that share the question's words; the embedding finds passages that say the
same thing in other words ("keep building nukes during the covid lockdown" -> "isolation ...
nuclear program"). Candidates are the union of both lists. Each is scored by the searcher's
lexical features plus reciprocal-rank fusion of the two rankings and its cosine to the question
(relative to the best cosine, so the scale is the same for every question).

Abstention uses both signals: BM25's idea coverage alone abstains on paraphrases, cosine alone
answers near-misses ("Japan's prime minister" is close to passages about Japan). An answer
needs either enough coverage, or a high cosine together with some coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.models import Passage
from knowledge.understanding import Focus

if TYPE_CHECKING:  # numpy (via vectors) is only there with the semantic extra
    from knowledge.vectors import Neighbours, VectorIndex

VECTOR_CANDIDATES = 20
RRF_K = 20
RRF_WEIGHT = 10.0  # RRF of rank 1 in both lists = 2/(RRF_K+1) ~ 0.1, x10 ~ 1.0
COSINE_WEIGHT = 1.0
# Abstention: coverage alone (the BM25 rule) or cosine >= COSINE_FLOOR with coverage >= LOW.
COSINE_FLOOR = 0.5
LOW_COVERAGE = 0.3


@dataclass(frozen=True, slots=True)
class VectorEvidence:
    neighbours: Neighbours
    top: float  # the best cosine among the allowed passages

    def cosine(self, pid: int) -> float | None:
        return self.neighbours.scores.get(pid)

    def rank(self, pid: int) -> int | None:
        return self.neighbours.ranks.get(pid)


async def vector_candidates(
    index: VectorIndex, text: str, focus: Focus, known: set[int]
) -> tuple[VectorEvidence, list[tuple[Passage, str, float]]]:
    """Cosine to every passage, and the top ones BM25 did not find (with BM25 score 0)."""
    await index.ensure()
    vector = await index.query_vector(text)
    neighbours = index.neighbours(vector, source_id=focus.source_id, speaker=focus.speaker)
    extra = [pid for pid in neighbours.order[:VECTOR_CANDIDATES] if pid not in known]
    rows = [(passage, keywords, 0.0) for passage, keywords in await index.passages(extra)]
    top = neighbours.scores[neighbours.order[0]] if neighbours.order else 0.0
    return VectorEvidence(neighbours, top), rows


def fused_score(bm25_rank: int, evidence: VectorEvidence, pid: int) -> float:
    """RRF of the two rankings plus the cosine relative to the question's best passage."""
    rank = evidence.rank(pid)
    rrf = (1 / (RRF_K + bm25_rank) if bm25_rank else 0.0) + (1 / (RRF_K + rank) if rank else 0.0)
    cosine = max(evidence.cosine(pid) or 0.0, 0.0)
    return RRF_WEIGHT * rrf + COSINE_WEIGHT * cosine / (evidence.top or 1.0)


def confident(coverage: float, cosine: float | None, min_coverage: float) -> bool:
    """Whether one answering passage is evidence enough to answer rather than abstain."""
    if coverage >= min_coverage:
        return True
    return cosine is not None and cosine >= COSINE_FLOOR and coverage >= LOW_COVERAGE
