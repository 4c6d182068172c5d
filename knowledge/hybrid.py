"""The semantic half of hybrid search: vector candidates, the fused score, sentence meaning.

BM25 finds passages that share the question's words; the embedding finds passages that say the
same thing in other words ("keep building nukes during the covid lockdown" -> "isolation ...
nuclear program"). Candidates are the union of both lists. Each is scored by the searcher's
lexical features plus reciprocal-rank fusion of the two rankings and its cosine to the question
(relative to the best cosine, so the scale is the same for every question). A passage whose
one sentence answers the question counts as close as that sentence (`sentence_fusion`).

Abstention on both signals lives in `knowledge.abstention`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.models import Passage
from knowledge.ranking import RankingWeights
from knowledge.store import ScopeIds
from knowledge.understanding import Focus

if TYPE_CHECKING:
    import numpy as np

    # numpy (via vectors) is only there with the semantic extra
    from knowledge.vectors import Neighbours, VectorIndex

VECTOR_CANDIDATES = 20
SPREAD_CAP = 1.5  # a sentence can be closer than the closest passage, but not unboundedly
# The weights of the fusion live in `knowledge.ranking.RankingWeights`.


@dataclass(frozen=True, slots=True)
class VectorEvidence:
    neighbours: Neighbours
    top: float  # the best cosine among the allowed passages
    low: float = 0.0  # the cosine at the edge of the vector candidates (rank VECTOR_CANDIDATES)
    vector: np.ndarray | None = None  # the question's, for sentence-level similarity

    def cosine(self, pid: int) -> float | None:
        return self.neighbours.score(pid)

    def rank(self, pid: int) -> int | None:
        return self.neighbours.rank(pid)

    def scaled(self, cosine: float) -> float:
        """A cosine on the question's own scale: 1 for the best passage, 0 at the edge of the
        vector candidates (and below it), at most SPREAD_CAP.

        Cosines of one question sit in a narrow band (0.45-0.7, say) whose position varies by
        question, so the raw or top-relative cosine barely separates candidates; rescaled, it
        carries as much weight as the lexical features do. A sentence can be closer than the
        closest passage, but not unboundedly (no passage is closer than the best one)."""
        width = max(self.top - self.low, 1e-6)
        return min(SPREAD_CAP, max(0.0, (cosine - self.low) / width))


async def vector_candidates(
    index: VectorIndex, text: str, focus: Focus, known: set[int], scope: ScopeIds = None
) -> tuple[VectorEvidence, list[tuple[Passage, str, float]]]:
    """Cosine to every passage (of the collections `scope`), and the top ones BM25 did not
    find (with BM25 score 0)."""
    await index.ensure()
    vector = await index.query_vector(text)
    neighbours = index.neighbours(
        vector,
        source_id=focus.source_id,
        speaker=focus.speaker,
        rows=await index.scope_mask(scope),
    )
    extra = [pid for pid in neighbours.order[:VECTOR_CANDIDATES] if pid not in known]
    rows = [(passage, keywords, 0.0) for passage, keywords in await index.passages(extra)]
    top = neighbours.score(neighbours.order[0]) or 0.0 if neighbours.order else 0.0
    edge = neighbours.order[:VECTOR_CANDIDATES][-1:]
    low = neighbours.score(edge[0]) or 0.0 if edge else 0.0
    return VectorEvidence(neighbours, top, min(low, top), vector), rows


async def sentence_cosines(
    index: VectorIndex, evidence: VectorEvidence, passages: list[tuple[int, str]]
) -> dict[int, list[float]]:
    """Each sentence's cosine to the question, per passage id, in sentence order."""
    if evidence.vector is None:
        return {}
    return await index.sentences.cosines(evidence.vector, passages)


def spreads(evidence: VectorEvidence, cosines: list[float]) -> list[float]:
    """Sentence cosines on the question's scale (`VectorEvidence.scaled`)."""
    return [evidence.scaled(c) for c in cosines]


def fused_score(
    bm25_rank: int, evidence: VectorEvidence, pid: int, weights: RankingWeights
) -> float:
    """RRF of the two rankings plus the cosine on the question's own scale (`spread`)."""
    rank, k = evidence.rank(pid), weights.rrf_k
    rrf = (1 / (k + bm25_rank) if bm25_rank else 0.0) + (1 / (k + rank) if rank else 0.0)
    return weights.rrf * rrf + weights.cosine * spread(evidence, pid)


def spread(evidence: VectorEvidence, pid: int) -> float:
    """The passage's cosine on the question's scale (`VectorEvidence.scaled`); when every
    candidate is as close as the best one, 1."""
    cosine = evidence.cosine(pid)
    if cosine is None:
        return 0.0
    return evidence.scaled(cosine) if evidence.top - evidence.low > 1e-6 else 1.0


def sentence_fusion(
    evidence: VectorEvidence, meaning: dict[int, list[float]], weights: RankingWeights
) -> dict[int, float]:
    """What each candidate's best sentence adds to the fused score, by `weights`' method.

    "max": the passage counts as close as its closest sentence when that is closer (the
    difference, in the cosine's rescaled units). "rrf3": the candidates ranked by their best
    sentence's cosine form a third list of the reciprocal-rank fusion.
    """
    best = {pid: max(cosines) for pid, cosines in meaning.items() if cosines}
    extra = dict.fromkeys(best, 0.0)
    if weights.passage_vector == "max":
        for pid, cosine in best.items():
            closer = evidence.scaled(cosine)
            extra[pid] += weights.cosine * max(0.0, closer - spread(evidence, pid))
    if weights.fusion == "rrf3":
        order = sorted(best, key=lambda pid: -best[pid])
        for rank, pid in enumerate(order, 1):
            extra[pid] += weights.rrf / (weights.rrf_k + rank)
    return extra
