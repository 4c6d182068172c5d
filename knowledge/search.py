"""BM25 retrieval with the evidence needed to trust it: term coverage, diversity, abstention.

FTS5 ranks candidates; then each candidate is checked in Python for which of the question's
ideas it actually contains (weighted by how rare each idea is), so the bot can say "not
covered" when the best passage only shares common words with the question, and so the top
results cover different facets instead of repeating the best one.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from knowledge.abstention import MIN_COVERAGE, Evidence, Rule, evidence_of, verdict
from knowledge.analysed import Analysed, analyse, holds
from knowledge.diversify import MMR_LAMBDA, diversify, facet_words
from knowledge.models import Hit, Passage, SourceMeta
from knowledge.names import Correction, NameVocabulary
from knowledge.query import Query, QueryParser
from knowledge.ranking import DEFAULT_WEIGHTS, RankingWeights
from knowledge.scoring import (
    answer_type,
    is_question,
    sentence_scores,
    sentence_texts,
)
from knowledge.store import ScopeIds, Store
from knowledge.text import fold, specificity
from knowledge.understanding import Cast, Focus

if TYPE_CHECKING:
    from knowledge.hybrid import VectorEvidence
    from knowledge.vectors import VectorIndex

CANDIDATES = 30
# An idea no passage holds counts double in the refusal's coverage: about the ratio corpus idf
# gives an absent word over a typical present one in the bundled index. Fixed, not tuned: it
# trades refusing questions with an unknown word against answering paraphrases.
ABSENT = 2.0
SENTENCE_POOL = 15  # passages whose sentences are scored; the rest rank on BM25 + coverage
# The final score blends FTS5's BM25 (normalised to the best candidate), the weighted share of
# the question's ideas the passage holds, and its best sentence's sequential-dependence score.
BM25_WEIGHT = 1.0
SENTENCE_WEIGHT = 0.5
_STEM_CACHE_SIZE = 20_000
FOCUS_WIDEN = 4  # a speaker or source restriction filters BM25's list, so fetch more first
PERSON_BONUS = 0.5  # "who is X": a passage naming X, spoken by someone else
TYPE_BONUS = 0.3  # "when ...": a passage that states a date (or a time, for "what time")


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: Query
    hits: tuple[Hit, ...]
    weights: dict[str, float]
    abstained: bool
    reason: str = ""
    semantic: bool = False  # whether vector similarity took part
    focus: Focus = field(default_factory=Focus)
    read_as: tuple[Correction, ...] = ()  # misspelt names read as the sources' ("stant")
    evidence: Evidence = ()  # what the abstention rule weighed (`briefbot eval --folds`)

    @property
    def best_coverage(self) -> float:
        return max((h.coverage for h in self.hits), default=0.0)


class SearchEngine(Protocol):
    """Where BM25 candidates come from: the store's FTS5 (default) or `TantivyEngine`."""

    async def fts_search(
        self, match: str, limit: int, scope: ScopeIds = None
    ) -> list[tuple[Passage, str, float]]: ...

    async def term_document_counts(
        self, terms: Iterable[str], scope: ScopeIds = None
    ) -> tuple[int, dict[str, int]]: ...


class Searcher:
    """Answers `search(question)` over a `Store`; caches per index generation."""

    def __init__(
        self,
        store: Store,
        parser: QueryParser,
        *,
        candidates: int = CANDIDATES,
        min_coverage: float = MIN_COVERAGE,
        vectors: VectorIndex | None = None,
        engine: SearchEngine | None = None,
        ranking: RankingWeights = DEFAULT_WEIGHTS,
    ) -> None:
        self._store = store
        self._ranking = ranking  # hybrid weights; BM25-only keeps this module's own
        self._engine: SearchEngine = engine or store  # FTS5 unless a faster engine is given
        self._parser = parser
        self._vectors = vectors
        self._candidates = candidates
        self._rule = Rule(min_coverage=min_coverage)
        self._generation = -1
        self._metas: dict[str, SourceMeta] = {}
        self._cast = Cast(())  # the people and sources questions may name, per generation
        self._casts: dict[frozenset[int], Cast] = {}  # the same, of a scope's sources only
        self._df: dict[tuple[ScopeIds, str], int] = {}  # per scope: see `_weights`
        self._totals: dict[ScopeIds, int] = {}
        self._stems: OrderedDict[int, Analysed] = OrderedDict()
        self._names: NameVocabulary | None = None  # built on first use, per generation
        self._newest_year = 0  # of the dated sources, per generation

    @property
    def parser(self) -> QueryParser:
        return self._parser

    @property
    def semantic(self) -> bool:
        """Whether hybrid (BM25 + vector) search is available."""
        return self._vectors is not None

    async def search(
        self,
        question: str,
        *,
        limit: int | None = None,
        hybrid: bool | None = None,
        ranking: RankingWeights | None = None,
        scope: ScopeIds = None,
    ) -> SearchResult:
        """Rank passages for `question`; `hybrid=False` forces BM25 only (eval compares);
        `ranking` overrides the hybrid weights for this call (benchmarks compare them);
        `scope`: only passages of these collections (ids; None: all), filtered by the engines
        themselves before they rank."""
        await self._refresh()
        question, read_as = (await self.names()).correct(question)
        query = self._parser.parse(question)
        focus = (await self._cast_of(scope)).understand(question)
        if query.empty:
            empty = "the question has no searchable words"
            return SearchResult(query, (), {}, True, empty, focus=focus, read_as=read_as)
        widen = 1 if focus.source_id is None and focus.speaker is None else FOCUS_WIDEN
        fetched = await self._engine.fts_search(
            query.fts(), (limit or self._candidates) * widen, scope
        )
        # BM25 is scaled by the best match before any restriction: filtering to one source or
        # speaker must not rescale it (the best allowed match would become 1.0, and length
        # noise among passages that only match the source's own name would outrank content).
        top_bm25 = max((row[2] for row in fetched), default=1.0) or 1.0
        rows = [r for r in fetched if _allowed(r[0], focus)][: limit or self._candidates]
        evidence = None
        ranking = ranking or self._ranking
        if self._vectors is not None and hybrid is not False:
            from knowledge.hybrid import vector_candidates

            known = {passage.id for passage, _, _ in rows}
            text = query.statement  # a yes/no question: the proposition it asks about
            if ranking.canonical:
                text = self._parser.canonical(text, keep=ranking.canonical == "append")
            evidence, extra = await vector_candidates(self._vectors, text, focus, known, scope)
            rows += extra
        weights = await self._weights(query, scope)
        ranked = await self._rank(query, rows, weights, focus, evidence, top_bm25, ranking)
        hits = diversify(
            ranked,
            lambda hit: facet_words(self._stems[hit.passage.id].content, query),
            mmr=ranking.mmr if evidence is not None else MMR_LAMBDA,
        )
        semantic = evidence is not None
        support, reason = evidence_of(
            query,
            hits,
            after=self._after_sources(query, scope),
            stable=self._stable_weights(query, scope),
        )
        abstained = True
        if support:
            abstained, reason = verdict(
                query, hits, weights, support, self._rule, semantic=semantic
            )
        return SearchResult(
            query,
            tuple(hits),
            weights,
            abstained,
            reason,
            semantic,
            focus,
            read_as,
            support,
        )

    async def names(self) -> NameVocabulary:
        """The names the indexed sources use (read once per index generation)."""
        await self._refresh()
        if self._names is None:
            people = {s.name for m in self._metas.values() for s in m.speakers}
            people |= {a for m in self._metas.values() for a in m.authors}
            self._names = NameVocabulary(await self._store.passage_texts(), sorted(people))
        return self._names

    async def _rank(
        self,
        query: Query,
        rows: list[tuple[Passage, str, float]],
        weights: dict[str, float],
        focus: Focus,
        evidence: VectorEvidence | None,
        top_bm25: float,
        ranking: RankingWeights,
    ) -> list[Hit]:
        """Blend BM25, idea coverage, best-sentence score and (hybrid) the fused vector
        score; sentences only for the leaders (hybrid: scored by words and by meaning; with
        `ranking.sentences_first`, every candidate's sentence meaning counts from the start)."""
        from knowledge import hybrid

        total = sum(weights.values()) or 1.0
        bm25_weight, sentence_weight = BM25_WEIGHT, SENTENCE_WEIGHT
        if evidence is not None:
            bm25_weight, sentence_weight = ranking.bm25, ranking.sentence
        wanted = answer_type(query)
        meaning: dict[int, list[float]] = {}  # raw sentence cosines (all, or the leaders')
        extra: dict[int, float] = {}  # what the closest sentences add (`hybrid.sentence_fusion`)
        early = evidence is not None and self._vectors is not None and ranking.sentences_first
        if early:
            everyone = [(passage.id, passage.text) for passage, _, _ in rows]
            meaning = await hybrid.sentence_cosines(self._vectors, evidence, everyone)
            answering = {  # a question in a source never answers one (it only sounds like it)
                pid: [
                    c
                    for c, s in zip(meaning[pid], sentence_texts(text), strict=True)
                    if not is_question(s)
                ]
                for pid, text in everyone
                if meaning.get(pid)
            }
            extra = hybrid.sentence_fusion(evidence, answering, ranking)
        first_pass = []
        for position, (passage, keywords, bm25) in enumerate(rows, 1):
            rank = position if bm25 > 0 else 0
            analysed = self._analyse(passage.id, passage.text, keywords)
            matched = frozenset(g.label for g in query.groups if holds(analysed, g))
            coverage = sum(weights[m] for m in matched) / total
            prescore = bm25_weight * bm25 / top_bm25 + coverage
            if evidence is not None:
                prescore += hybrid.fused_score(rank, evidence, passage.id, ranking)
                prescore += extra.get(passage.id, 0.0)
            if focus.person and _introduces(passage, keywords, focus.person):
                prescore += PERSON_BONUS
            if wanted and analysed.states(wanted):
                prescore += TYPE_BONUS
            first_pass.append((prescore, rank, passage, bm25, coverage, matched, analysed))
        first_pass.sort(key=lambda item: (-item[0], item[1]))
        if evidence is not None and self._vectors is not None and not early:
            leaders = [(item[2].id, item[2].text) for item in first_pass[:SENTENCE_POOL]]
            meaning = await hybrid.sentence_cosines(self._vectors, evidence, leaders)
        hits: list[tuple[Any, ...]] = []
        for position, (prescore, rank, passage, bm25, coverage, matched, analysed) in enumerate(
            first_pass
        ):
            sentence, score, scores = "", 0.0, []
            if position < SENTENCE_POOL and analysed.sentences:
                scores = sentence_scores(analysed.sentences, query, weights)
                near = hybrid.spreads(evidence, meaning.get(passage.id, [])) if evidence else []
                if len(near) == len(scores):  # words plus meaning, in the same units
                    scores = [  # a question's meaning is the asker's, not an answer
                        w + (0.0 if is_question(s.text) else total * ranking.sentence_vector * v)
                        for w, v, s in zip(scores, near, analysed.sentences, strict=True)
                    ]
                index = max(range(len(scores)), key=lambda i: (scores[i], -i))
                sentence, score = analysed.sentences[index].text, scores[index]
            relevance = prescore + sentence_weight * score / total
            found = (passage, bm25, rank, coverage, matched, sentence, score, relevance, scores)
            hits.append(found)
        hits.sort(key=lambda found: (-found[7], found[0].id))  # by relevance, then passage id
        return [
            Hit(
                passage,
                self._metas.get(passage.source_id) or SourceMeta(passage.source_id, "?"),
                bm25,
                rank,
                coverage,
                matched,
                sentence,
                score,
                relevance,
                evidence.cosine(passage.id) if evidence else None,
                evidence.rank(passage.id) if evidence else None,
                fused_rank,
                tuple(scores),
                max(meaning.get(passage.id) or [], default=None),
            )
            for fused_rank, (
                passage, bm25, rank, coverage, matched, sentence, score, relevance, scores
            ) in enumerate(hits, 1)
        ]  # fmt: skip

    async def _refresh(self) -> None:
        if self._generation == self._store.generation and self._metas:
            return
        self._metas = await self._store.source_metas()
        self._newest_year = max(
            (int(m.date[:4]) for m in self._metas.values() if _dated(m.date)), default=0
        )
        self._cast = Cast(self._metas.values())
        self._casts.clear()
        self._df.clear()
        self._totals.clear()
        self._stems.clear()
        self._names = None
        self._generation = self._store.generation

    async def _cast_of(self, scope: ScopeIds) -> Cast:
        """The sources and people a question in `scope` may name: only the scope's (a source
        of another collection is never searched, and matching every source's name costs time
        in proportion to all of them)."""
        if scope is None:
            return self._cast
        cast = self._casts.get(scope)
        if cast is None:
            ids = await self._store.source_ids_in(scope)
            cast = self._casts[scope] = Cast(m for sid, m in self._metas.items() if sid in ids)
        return cast

    async def _weights(self, query: Query, scope: ScopeIds = None) -> dict[str, float]:
        """BM25-style idf per idea, scaled by how specific the asked words are in English.

        An idea absent from the index gets the highest idf. Counted in the scope searched:
        an answer in one collection weighs the question's ideas as if only that collection
        were indexed (bench/collections.py measures why: with counts over every collection,
        a word common in another story looked common in this one too).
        """
        keys = [(g, g.fts()) for g in query.groups]
        missing = [key for _, key in keys if (scope, key) not in self._df]
        if missing or scope not in self._totals:
            total, counts = await self._engine.term_document_counts(missing, scope)
            self._totals[scope] = total
            self._df.update({(scope, key): n for key, n in counts.items()})
        n = max(self._totals[scope], 1)
        return {
            g.label: math.log(1 + (n - self._df[scope, key] + 0.5) / (self._df[scope, key] + 0.5))
            * specificity(g.asked)
            for g, key in keys
        }

    def _stable_weights(self, query: Query, scope: ScopeIds = None) -> dict[str, float]:
        """The refusal's weights for the question's ideas: how specific each is in everyday
        English, doubled for an idea no passage holds. Ranking keeps corpus idf, but the refusal
        must not depend on what else is indexed: with idf, ingesting an unrelated story made
        every word of the first one rarer, so its near-misses got answered (dev2, hybrid: 9/22
        refused -> 6/22 with four licence texts ingested; with these weights 8/22 -> 7/22)."""
        return {
            g.label: specificity(g.asked) * (ABSENT if not self._df.get((scope, g.fts())) else 1.0)
            for g in query.groups
        }

    def _after_sources(self, query: Query, scope: ScopeIds = None) -> str:
        """A year the question names that is later than every dated source and in no passage."""
        newest = self._newest_year
        for group in query.groups:
            year = _YEAR.fullmatch(group.label)
            if year and int(group.label) > newest > 0 and not self._df.get((scope, group.fts())):
                return group.label
        return ""

    def _analyse(self, pid: int, text: str, keywords: str) -> Analysed:
        cached = self._stems.get(pid)
        if cached is None:
            cached = self._stems[pid] = analyse(text, keywords)
            if len(self._stems) > _STEM_CACHE_SIZE:
                self._stems.popitem(last=False)
        return cached


_YEAR = re.compile(r"(19|20)\d\d")


def _dated(date: str | None) -> bool:
    return bool(date) and _YEAR.match(date or "") is not None


def _allowed(passage: Passage, focus: Focus) -> bool:
    return (focus.source_id is None or passage.source_id == focus.source_id) and (
        focus.speaker is None or passage.speaker == focus.speaker
    )


def _introduces(passage: Passage, keywords: str, person: str) -> bool:
    """Whether a passage names `person` (or a mis-hearing of the name) and is not their turn."""
    name = fold(person)
    return passage.speaker != person and (name in fold(passage.text) or name in fold(keywords))
