"""Embedding a large ingest must not hold questions up: they are answered while it embeds
(BM25 sees the new passages at once, vectors when their batch is done). It once took 377 s."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

pytest.importorskip("numpy")

import numpy as np

from bot.migrations import open_store
from knowledge.embeddings import BATCH_SIZE, HashingEmbedder
from knowledge.library import Library
from knowledge.query import QueryParser

BOUND = 30.0  # seconds any one await may take on a loaded machine before the test fails


class GatedEmbedder(HashingEmbedder):
    """The hashing embedder whose passage batches wait for `release` while `gated`; a
    one-text encode (a question) always goes through."""

    def __init__(self) -> None:
        super().__init__()
        self.gated = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.largest = 0

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.gated and len(texts) > 1:
            self.largest = max(self.largest, len(texts))
            self.entered.set()
            await self.release.wait()
        return await super().encode(texts)


@pytest.fixture
async def gated(tmp_path: Path) -> AsyncIterator[tuple[Library, GatedEmbedder]]:
    embedder = GatedEmbedder()
    async with await open_store(tmp_path / "g.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=embedder)
        await library.sync_bundled()
        yield library, embedder
        embedder.release.set()
        await library.aclose()


async def test_a_question_is_answered_while_a_big_ingest_is_embedding(gated, tmp_path: Path):
    library, embedder = gated
    before = library.vectors.size
    big = tmp_path / "harvest-ledger.txt"
    paragraphs = [
        f"Ledger entry {n}: the quartermaster counted zorbleberry crates at depot {n}, "
        "and the tally was sent north by the morning train as every week. " * 3
        for n in range(400)
    ]
    big.write_text("Harvest ledger\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    embedder.gated = True
    ingest = asyncio.create_task(library.ingest([big]))
    await asyncio.wait_for(embedder.entered.wait(), BOUND)  # saved; now embedding

    answer, _ = await asyncio.wait_for(library.answer("What does Kim want?"), 5.0)
    assert not answer.abstained
    fresh = await asyncio.wait_for(library.search("zorbleberry crates quartermaster"), 5.0)
    assert fresh.hits  # BM25 sees the new passages at once
    assert fresh.hits[0].source.id == "harvest-ledger"
    assert not ingest.done()

    embedder.release.set()
    [report] = await asyncio.wait_for(ingest, BOUND)
    assert report.status == "added"
    assert library.vectors.size == before + report.passages  # embedded once the batches ran
    assert embedder.largest <= BATCH_SIZE
