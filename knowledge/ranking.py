"""The weights of hybrid ranking, as one immutable value passed down to the searcher.

Hybrid ranking blends lexical features (BM25, idea coverage, the best sentence's words) with
meaning (the passage's and its sentences' cosine to the question). How much each counts is
data, not code: a `RankingWeights` is handed to `Searcher` (the bot uses the defaults) or to
one `search()` call, so `bench/ranking_loo.py` can score many configurations on one open index
without touching module state. BM25-only search keeps `knowledge.search`'s own weights.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """Hybrid ranking weights; the defaults are the ones `bench/ranking_loo.py` chose.

    The five weights were chosen together on a small grid by leave-one-out over the dev
    questions (see the README for the figures); they are not tuned to any one question.
    """

    bm25: float = 0.25  # BM25, scaled to the best candidate's
    sentence: float = 0.5  # the best sentence's score, in units of the question's total idf
    sentence_vector: float = 1.0  # a sentence's meaning next to its words, choosing that sentence
    rrf_k: float = 20.0
    rrf: float = 5.0  # RRF of rank 1 in both lists = 2/(rrf_k+1) ~ 0.1, x5 ~ 0.5
    cosine: float = 1.0  # the passage cosine on the question's own scale (best 1, edge 0)
    # What the embedder sees: the question as asked (""), with entity aliases replaced by the
    # entity's name ("replace": "nk" -> "north korea"), or followed by it ("append").
    canonical: str = ""
    mmr: float = 0.75  # MMR's lambda: relevance against novelty when ordering the leaders
    # How a passage's meaning counts: its own vector ("passage"), or the closer of that and
    # its best sentence ("max": one answering sentence in a passage about something else).
    passage_vector: str = "max"
    # "features": lexical features + RRF(BM25, passage cosine) + rescaled cosine; "rrf3" adds
    # a third list to the RRF: the candidates ranked by their best sentence's cosine.
    fusion: str = "features"

    @property
    def sentences_first(self) -> bool:
        """Whether every candidate's sentence meaning is needed before the first pass."""
        return self.passage_vector != "passage" or self.fusion != "features"

    def label(self) -> str:
        """A short name for tables: the non-default weights, or "default"."""
        default = RankingWeights()
        changed = [
            f"{f.name}={_short(getattr(self, f.name))}"
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        ]
        return " ".join(changed) or "default"


DEFAULT_WEIGHTS = RankingWeights()


def _short(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
