"""Hybrid search: vectors stored at ingest and updated incrementally, fused ranking, /why.

Most tests use the hashing embedder (no model, deterministic); one uses the real model, run by
the bundled numpy encoder and by sentence-transformers (skipped when the extra is missing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("numpy")

from helpers import console

from bot.core.core import Core
from bot.core.model import ReplyKind
from bot.migrations import open_store
from knowledge.embeddings import (
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    sentence_transformers_available,
)
from knowledge.library import Library
from knowledge.query import QueryParser


@pytest.fixture
async def hybrid(tmp_path: Path) -> AsyncIterator[Library]:
    async with await open_store(tmp_path / "h.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=HashingEmbedder())
        await library.sync_bundled()
        yield library


async def count_vectors(library: Library) -> int:
    rows = await library.store.reader.execute_fetchall(
        "SELECT count(*) FROM embeddings WHERE model = ?", (library.vectors.embedder.name,)
    )
    return int(next(iter(rows))[0])


async def test_vectors_are_computed_at_ingest_and_only_for_new_text(hybrid, tmp_path):
    assert await count_vectors(hybrid) == await hybrid.store.passage_count()
    assert await hybrid.vectors.sync() == 0  # nothing new: nothing encoded
    note = tmp_path / "note.md"
    note.write_text(
        "---\nid: note\ntitle: A note\n---\n\nThe Vostochny launch pad hosted the summit "
        "between the two leaders, who toured the rocket assembly hall together.\n",
        encoding="utf-8",
    )
    await hybrid.ingest([note])
    assert await count_vectors(hybrid) == await hybrid.store.passage_count()
    assert await hybrid.forget("note")
    assert await hybrid.vectors.sync() == 0
    assert await count_vectors(hybrid) == await hybrid.store.passage_count()


async def test_hybrid_hits_carry_both_scores_and_why_shows_them(hybrid):
    core = Core(hybrid)
    reply, answer = await core.ask(console(""), "what does Kim want?")
    assert reply.kind is ReplyKind.ANSWER
    assert answer.result.semantic
    assert all(h.vector is not None and h.vector_rank for h in answer.result.hits)
    why = await core.handle(console("/why"))
    text = "\n".join(why.body)
    assert "BM25 + vector similarity" in text
    assert "vector 0." in text
    assert "fused #1" in text
    assert "→ bullet 1" in text
    assert "north korea" in text  # the alias expansion of "Kim"


async def test_bm25_only_on_request_even_with_vectors(hybrid):
    result = await hybrid.search("what does Kim want?", hybrid=False)
    assert not result.semantic
    assert all(h.vector is None for h in result.hits)


def numpy_minilm() -> Embedder:
    from knowledge.minilm import NumpyMiniLMEmbedder

    return NumpyMiniLMEmbedder()


@pytest.mark.parametrize(
    "make_embedder",
    [
        pytest.param(
            SentenceTransformerEmbedder,
            marks=pytest.mark.skipif(
                not sentence_transformers_available(), reason="semantic extra not installed"
            ),
            id="sentence-transformers",
        ),
        pytest.param(numpy_minilm, id="numpy"),
    ],
)
async def test_the_model_bridges_a_lexical_gap_and_still_declines_near_misses(
    tmp_path, make_embedder
):
    async with await open_store(tmp_path / "m.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=make_embedder())
        await library.sync_bundled()
        answer, _ = await library.answer("was putin friendly with kim when they met?")
        assert not answer.abstained
        assert any("familiarity" in q.text for q in answer.quotes)
        for question in (
            "who is japan's prime minister",
            "what does the Kauffman Foundation fund?",
        ):
            assert (await library.answer(question))[0].abstained


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.encoded: list[str] = []

    async def encode(self, texts):  # type: ignore[no-untyped-def]
        self.encoded.extend(texts)
        return await super().encode(texts)


async def test_sentence_vectors_are_stored_once_per_sentence_and_choose_the_quote(tmp_path):
    embedder = CountingEmbedder()
    async with await open_store(tmp_path / "s.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=embedder)
        await library.sync_bundled()
        rows = await store.reader.execute_fetchall(
            "SELECT count(*) FROM embeddings WHERE model = ?", (library.vectors.sentences.model,)
        )
        assert int(next(iter(rows))[0]) > await store.passage_count()  # several per passage
        assert await library.vectors.sync() == 0  # nothing new: nothing encoded again
        embedder.encoded.clear()
        answer, _ = await library.answer("what does Kim want?")
        again, _ = await library.answer("what does Kim want?")
        assert embedder.encoded == ["what does Kim want?"]  # one encode for two asks
        assert answer.quotes
        assert [q.text for q in again.quotes] == [q.text for q in answer.quotes]
        sentences = {h.passage.id: h.sentence for h in answer.result.hits if h.sentence}
        assert all(
            s in h.passage.text for h in answer.result.hits if (s := sentences.get(h.passage.id))
        )
