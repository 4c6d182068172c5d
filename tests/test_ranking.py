"""Hybrid ranking weights as a value: per-call overrides, the methods the bench compares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from knowledge.query import QueryParser
from knowledge.ranking import RankingWeights


def test_weights_name_only_what_differs_from_the_defaults():
    assert RankingWeights().label() == "default"
    assert RankingWeights(bm25=1.0, fusion="rrf3").label() == "bm25=1 fusion=rrf3"


def test_canonical_question_names_entities_and_leaves_concepts_alone():
    parser = QueryParser.from_files()
    assert parser.canonical("is Pyongyang backing Moscow's war?") == (
        "is north korea backing russia's war?"
    )
    assert (
        parser.canonical("how bad is this for the U.S.?")
        == "how bad is this for the united states?"
    )
    assert parser.canonical("did nk want nukes", keep=True) == "did nk north korea want nukes"
    assert parser.canonical("which countries benefit from the war") == (
        "which countries benefit from the war"  # "benefit" is in the concept group "want"
    )


@pytest.fixture
async def hybrid(tmp_path: Path) -> AsyncIterator[object]:
    pytest.importorskip("numpy")
    from knowledge.embeddings import HashingEmbedder
    from knowledge.library import Library
    from knowledge.store import Store

    async with await Store.open(tmp_path / "r.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=HashingEmbedder())
        await library.sync_bundled()
        yield library


def order(result) -> list[int]:
    return [h.passage.id for h in result.hits]


async def test_weights_given_to_one_search_apply_to_that_search_only(hybrid):
    question = "what does Kim want from Putin?"
    before = await hybrid.searcher.search(question)
    lexical = RankingWeights(rrf=0.0, cosine=0.0, sentence_vector=0.0, passage_vector="passage")
    other = await hybrid.searcher.search(question, ranking=lexical)
    after = await hybrid.searcher.search(question)
    assert order(before) == order(after)
    assert order(other) != order(before)
    assert set(order(other)) == set(order(before))  # same candidates, ranked differently
    for method in (RankingWeights(fusion="rrf3"), RankingWeights(passage_vector="passage")):
        result = await hybrid.searcher.search(question, ranking=method)
        assert result.semantic
        assert not result.abstained


@pytest.fixture
async def harbour(tmp_path: Path) -> AsyncIterator[object]:
    pytest.importorskip("numpy")
    from knowledge.embeddings import HashingEmbedder
    from knowledge.library import Library
    from knowledge.store import Store

    folder = tmp_path / "sources"
    folder.mkdir()
    filler = " ".join(f"word{i}" for i in range(40))
    (folder / "asked.txt").write_text(
        "Harbour hour\n\nWhat does the minister want from the harbour deal? We will come back"
        f" to that after the weather and the tide tables. {filler}\n",
        encoding="utf-8",
    )
    (folder / "answered.txt").write_text(
        "Harbour notes\n\nFrom the harbour deal the minister wants ships, jobs and a new port"
        f" tax. {filler}\n",
        encoding="utf-8",
    )
    async with await Store.open(tmp_path / "h.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=HashingEmbedder())
        await library.ingest([folder])
        yield library


async def test_a_question_in_a_source_never_outranks_an_answer_by_its_meaning(harbour):
    result = await harbour.searcher.search("what does the minister want from the harbour deal?")

    assert result.semantic
    assert "ships, jobs and a new port tax" in result.hits[0].passage.text
