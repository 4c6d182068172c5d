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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from knowledge import hybrid
from knowledge.abstention import MIN_COVERAGE, SHOWN, Evidence, Rule, evidence_of, verdict
from knowledge.analysed import Analysed, analyse, holds
from knowledge.diversify import MMR_LAMBDA, diversify, facet_words
from knowledge.models import Hit, Passage, SourceMeta
from knowledge.names import Correction, NameVocabulary
from knowledge.query import Query, QueryParser
from knowledge.ranking import DEFAULT_WEIGHTS, RankingWeights
from knowledge.scoring import (
    answer_type,
    answers_nothing,
    sentence_scores,
    sentence_texts,
)
from knowledge.storage import SearchEngine
from knowledge.store import ScopeIds, Store
from knowledge.text import fold, specificity, tokens
from knowledge.understanding import KIND_WORDS, Cast, Focus
from knowledge.unsaid import NOTHING, Unsaid, unsaid, variants

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
    unsaid: Unsaid = NOTHING  # what it asks that the passages do not say (hybrid; ditto)

    @property
    def best_coverage(self) -> float:
        return max((h.coverage for h in self.hits), default=0.0)


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
        evidence, reduced = None, list[tuple[str, str]]()
        ranking = ranking or self._ranking
        weights = self._without_naming(query, await self._weights(query, scope), focus)
        if self._vectors is not None and hybrid is not False:
            from knowledge.hybrid import vector_candidates

            known = {passage.id for passage, _, _ in rows}
            text = query.statement  # a yes/no question: the proposition it asks about
            if ranking.canonical:
                text = self._parser.canonical(text, keep=ranking.canonical == "append")
            # the question without each idea no passage holds, in the question's own batch
            absent = [g.asked for g in query.groups if not self._df.get((scope, g.fts()))]
            reduced = variants(text, absent)
            await self._vectors.query_vectors([text, *(r for _, r in reduced)])
            evidence, extra = await vector_candidates(self._vectors, text, focus, known, scope)
            rows += extra
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
        abstained, doubt = True, NOTHING
        if support:
            if evidence is not None and evidence.vector is not None and self._vectors is not None:
                quoted = [(h.passage.id, h.passage.text) for h in hits[:SHOWN]]
                doubt = await unsaid(self._vectors, evidence.vector, reduced, quoted)
            abstained, reason = verdict(
                query, hits, weights, support, self._rule, semantic=semantic, unsaid=doubt
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
            doubt,
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
        """Blend BM25, idea coverage, best-sentence score and (hybrid) the fused vector score.

        In stages, because sentences cost the most: a first pass scores every candidate on
        what is cheap to know, then only the leaders' sentences are scored (hybrid: by words
        and by meaning; with `ranking.sentences_first`, every candidate's sentence meaning
        counts from the first pass), then the hits are put in their final order."""
        scoring = _Scoring.of(query, weights, focus, evidence, ranking)
        meaning, closer = await self._meaning_first(query, rows, evidence, ranking)
        first = self._first_pass(scoring, rows, top_bm25, closer)
        leaders = first[:SENTENCE_POOL]
        if evidence is not None and self._vectors is not None and not ranking.sentences_first:
            texts = [(c.passage.id, c.passage.text) for c in leaders]
            meaning = await hybrid.sentence_cosines(self._vectors, evidence, texts)
        best = [self._best_sentence(scoring, c, meaning) for c in leaders]
        return self._final_order(scoring, first, best, meaning)

    async def _meaning_first(
        self,
        query: Query,
        rows: list[tuple[Passage, str, float]],
        evidence: VectorEvidence | None,
        ranking: RankingWeights,
    ) -> tuple[dict[int, list[float]], dict[int, float]]:
        """Every candidate's sentence cosines, and what its closest sentence adds to the first
        pass (`hybrid.sentence_fusion`), when `ranking.sentences_first`: a passage about
        something else whose one sentence answers counts as close as that sentence. Otherwise
        nothing yet: only the leaders' sentences are compared by meaning, after the first pass.
        """
        if evidence is None or self._vectors is None or not ranking.sentences_first:
            return {}, {}
        everyone = [(passage.id, passage.text) for passage, _, _ in rows]
        meaning = await hybrid.sentence_cosines(self._vectors, evidence, everyone)
        answering = {  # a question in a source never answers one (it only sounds like it)
            pid: [
                c
                for c, s in zip(meaning[pid], sentence_texts(text), strict=True)
                if not answers_nothing(s, query)
            ]
            for pid, text in everyone
            if meaning.get(pid)
        }
        return meaning, hybrid.sentence_fusion(evidence, answering, ranking)

    def _first_pass(
        self,
        scoring: _Scoring,
        rows: list[tuple[Passage, str, float]],
        top_bm25: float,
        closer: dict[int, float],
    ) -> list[_Candidate]:
        """Every candidate scored without its sentences, best first (BM25's order on ties):
        the order that decides whose sentences are worth scoring.

        The score: BM25 relative to the best match, the weighted share of the question's ideas
        the passage holds, (hybrid) the fused vector score plus what its closest sentence adds
        (`closer`), and the bonuses for introducing the person asked about and for stating the
        kind of answer asked for."""
        groups, weights, total = scoring.query.groups, scoring.weights, scoring.total
        evidence, ranking, wanted = scoring.evidence, scoring.ranking, scoring.wanted
        bm25_weight, person = scoring.bm25_weight, scoring.focus.person
        candidates = []
        for position, (passage, keywords, bm25) in enumerate(rows, 1):
            rank = position if bm25 > 0 else 0
            analysed = self._analyse(passage.id, passage.text, keywords)
            matched = frozenset(g.label for g in groups if holds(analysed, g))
            coverage = sum(weights[m] for m in matched) / total
            prescore = bm25_weight * bm25 / top_bm25 + coverage
            if evidence is not None:
                prescore += hybrid.fused_score(rank, evidence, passage.id, ranking)
                prescore += closer.get(passage.id, 0.0)
            if person and _introduces(passage, keywords, person):
                prescore += PERSON_BONUS
            if wanted and analysed.states(wanted):
                prescore += TYPE_BONUS
            candidates.append(
                _Candidate(passage, bm25, rank, analysed, coverage, matched, prescore)
            )
        candidates.sort(key=lambda c: (-c.prescore, c.rank))
        return candidates

    def _best_sentence(
        self, scoring: _Scoring, candidate: _Candidate, meaning: dict[int, list[float]]
    ) -> _Sentence:
        """The leader's sentence a quote would start from, and its score (in units of the
        ideas' total weight): sequential dependence on the question's words, plus (hybrid) the
        sentence's meaning on the question's own scale, never for a question in the source
        (its meaning is the asker's, not an answer). The first sentence wins ties."""
        sentences = candidate.analysed.sentences
        if not sentences:
            return _NO_SENTENCE
        scores = sentence_scores(sentences, scoring.query, scoring.weights)
        evidence = scoring.evidence
        near = hybrid.spreads(evidence, meaning.get(candidate.passage.id, [])) if evidence else []
        if len(near) == len(scores):  # words plus meaning, in the same units
            unit = scoring.total * scoring.ranking.sentence_vector
            scores = [
                w + (0.0 if answers_nothing(s.text, scoring.query) else unit * v)
                for w, v, s in zip(scores, near, sentences, strict=True)
            ]
        index = max(range(len(scores)), key=lambda i: (scores[i], -i))
        return _Sentence(sentences[index].text, scores[index], tuple(scores))

    def _final_order(
        self,
        scoring: _Scoring,
        first: list[_Candidate],
        best: list[_Sentence],
        meaning: dict[int, list[float]],
    ) -> list[Hit]:
        """The hits by relevance (first-pass score plus the best sentence's), then passage id
        so equal scores keep one order; `fused_rank` keeps that order for /why, since
        diversification reorders the leaders afterwards."""
        sentences = best + [_NO_SENTENCE] * (len(first) - len(best))
        weight, total = scoring.sentence_weight, scoring.total
        relevance = [
            c.prescore + weight * s.score / total for c, s in zip(first, sentences, strict=True)
        ]
        keys = [(-r, c.passage.id) for r, c in zip(relevance, first, strict=True)]
        evidence, metas = scoring.evidence, self._metas
        hits = []
        for fused_rank, i in enumerate(sorted(range(len(first)), key=keys.__getitem__), 1):
            candidate, sentence = first[i], sentences[i]
            passage = candidate.passage
            pid, source_id = passage.id, passage.source_id
            hits.append(
                Hit(
                    passage,
                    metas.get(source_id) or SourceMeta(source_id, "?"),
                    candidate.bm25,
                    candidate.rank,
                    candidate.coverage,
                    candidate.matched,
                    sentence.text,
                    sentence.score,
                    relevance[i],
                    evidence.cosine(pid) if evidence else None,
                    evidence.rank(pid) if evidence else None,
                    fused_rank,
                    sentence.scores,
                    max(meaning.get(pid) or [], default=None),
                )
            )
        return hits

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

    def _without_naming(
        self, query: Query, weights: dict[str, float], focus: Focus
    ) -> dict[str, float]:
        """`weights` with the words that named the focused speaker or source at 0 ("did X ask
        about Y in the Z episode": X and Z chose the passages, Y ranks them), unless nothing
        else is asked ("what did X say?" is answered by X's turns however they rank)."""
        if not (focus.speaker or focus.source_id):
            return weights
        named = set(tokens(focus.speaker or "")) | KIND_WORDS
        if focus.source_id is not None:
            meta = self._metas.get(focus.source_id)
            if meta is not None:
                named |= set(tokens(" ".join([meta.outlet, *meta.authors, *meta.keywords])))
        naming = {g.label for g in query.groups if set(tokens(g.asked)) <= named}
        if len(naming) == len(query.groups):
            return weights
        return {label: 0.0 if label in naming else w for label, w in weights.items()}

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


def _dated(date: str | None) -> TypeGuard[str]:
    return bool(date) and _YEAR.match(date or "") is not None


def _allowed(passage: Passage, focus: Focus) -> bool:
    return (focus.source_id is None or passage.source_id == focus.source_id) and (
        focus.speaker is None or passage.speaker == focus.speaker
    )


def _introduces(passage: Passage, keywords: str, person: str) -> bool:
    """Whether a passage names `person` (or a mis-hearing of the name) and is not their turn."""
    name = fold(person)
    return passage.speaker != person and (name in fold(passage.text) or name in fold(keywords))


@dataclass(frozen=True, slots=True)
class _Scoring:
    """What every ranking stage reads, fixed for one search: the question, its ideas' weights
    and the blend's weights (hybrid's `RankingWeights`, or this module's own for BM25 only)."""

    query: Query
    weights: dict[str, float]
    total: float  # the ideas' total weight: coverage and sentence scores are in its units
    focus: Focus
    evidence: VectorEvidence | None  # hybrid only
    ranking: RankingWeights
    bm25_weight: float
    sentence_weight: float
    wanted: str  # the kind of answer asked for (`answer_type`), "" for any

    @classmethod
    def of(
        cls,
        query: Query,
        weights: dict[str, float],
        focus: Focus,
        evidence: VectorEvidence | None,
        ranking: RankingWeights,
    ) -> _Scoring:
        bm25_weight, sentence_weight = BM25_WEIGHT, SENTENCE_WEIGHT
        if evidence is not None:
            bm25_weight, sentence_weight = ranking.bm25, ranking.sentence
        total = sum(weights.values()) or 1.0
        wanted = answer_type(query)
        return cls(
            query, weights, total, focus, evidence, ranking, bm25_weight, sentence_weight, wanted
        )


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A passage between the ranking's stages: its lexical evidence and first-pass score."""

    passage: Passage
    bm25: float
    rank: int  # its place in BM25's list; 0 when only the vector search found it
    analysed: Analysed
    coverage: float  # the weighted share of the question's ideas it holds
    matched: frozenset[str]  # those ideas' labels
    prescore: float  # everything but the best sentence


@dataclass(frozen=True, slots=True)
class _Sentence:
    """A leader's best sentence: its text, its score and every sentence's, in passage order."""

    text: str = ""
    score: float = 0.0
    scores: tuple[float, ...] = ()


_NO_SENTENCE = _Sentence()  # a candidate whose sentences were not scored
