"""A huge paragraph cannot become a huge passage, and a huge document keeps a bounded number
of passages: one 9 MB passage made every question 20-50x slower."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import load_settings
from knowledge.documents import parse_text
from knowledge.passages import MAX_CHARS

ONE_MB = 1_000_000


@pytest.mark.parametrize(
    "paragraph",
    [
        "the envoy spoke at length about rail freight and grain " * 18_200,  # no sentence end
        "The envoy spoke. " * 58_900,  # many short sentences
        "Mr. A. B. c. " * 77_000,  # abbreviations everywhere (no quadratic rescans)
        "x" * 900 + " " + "y" * 5_000 + " tail words here " * 60_000,  # over-long "words"
    ],
    ids=["no-sentence-ends", "short-sentences", "abbreviations", "long-words"],
)
def test_a_one_megabyte_paragraph_becomes_passages_of_at_most_2000_characters(paragraph: str):
    text = paragraph[:ONE_MB]
    doc = parse_text(f"Title\n\n{text}", name="big")
    sizes = [len(p.text) for p in doc.passages]
    assert max(sizes) <= MAX_CHARS
    assert len(doc.passages) <= 4 * ONE_MB // 1000  # bounded, yet nothing of substance lost
    assert sum(sizes) >= 0.9 * len(" ".join(text.split()))


async def test_a_document_keeps_at_most_max_passages_and_the_report_says_so(tmp_path: Path):
    big = tmp_path / "big.txt"
    big.write_text("Big file\n\n" + "The envoy spoke about rail freight. " * 20_000)
    settings = load_settings(None, store={"bundled_sources": False}, ingest={"max_passages": 50})
    async with open_app(settings, db_path=tmp_path / "cap.sqlite3") as app:
        [report] = await app.library.ingest([big])
        stored = await app.store.reader.execute_fetchall("SELECT COUNT(*) FROM passages")
    assert report.status == "added"
    assert report.passages == 50
    assert stored == [(50,)]
    assert "kept the first 50" in report.detail
