"""Ingestion: files with or without front matter become passages of a readable size."""

from __future__ import annotations

import pytest

from knowledge.documents import DocumentError, parse_document, parse_text
from knowledge.library import bundled_sources_dir


def test_bundled_sources_split_into_passages_of_40_to_150_words_along_turns():
    for path in sorted(bundled_sources_dir().glob("*.md")):
        doc = parse_document(path)
        assert doc.passages
        for passage in doc.passages:
            assert passage.words <= 190, passage.text[:80]
        assert doc.removed == ()  # curated files need no cleaning
        words = sorted(p.words for p in doc.passages)
        assert words[len(words) // 2] >= 40


def test_transcript_passages_never_span_two_speakers_and_know_their_speaker():
    path = bundled_sources_dir() / "npr-consider-this-2023-09-11.md"
    doc = parse_document(path)
    speakers = {p.speaker for p in doc.passages}
    assert {"Ari Shapiro", "Angela Stent", "Jean Lee", "Jake Sullivan"} <= speakers
    for passage in doc.passages:
        assert "ANGELA STENT:" not in passage.text
        assert "JEAN LEE:" not in passage.text
    stage = next(p for p in doc.passages if "a platform, a stage" in p.text)
    assert stage.speaker == "Jean Lee"
    assert [p.position for p in doc.passages] == list(range(len(doc.passages)))


def test_a_plain_file_gets_defaults_from_its_name_and_first_line():
    text = "Summit notes\n\nThis message comes from Acme. Buy now at acme.com.\n\n" + (
        "Kim and Putin met at the cosmodrome. " * 12
    )
    doc = parse_text(text, name="summit_notes")
    assert doc.meta.id == "summit-notes"
    assert doc.meta.title == "Summit notes"
    assert doc.meta.kind == "article"
    assert all("Acme" not in p.text for p in doc.passages)


def test_labelled_turns_in_a_plain_file_make_a_transcript():
    text = "Interview\n\nHOST: Welcome. What happened?\n\nGUEST: " + "A long answer. " * 30
    doc = parse_text(text, name="interview")
    assert doc.meta.kind == "transcript"
    assert [p.speaker for p in doc.passages] == ["Host", "Guest"]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("---\ndate: yesterday\n---\ntext", "date"),
        ("---\nkind: poem\n---\ntext", "kind"),
        ("---\n[unclosed\n---\ntext", "YAML"),
    ],
)
def test_bad_front_matter_names_the_problem(front, message):
    with pytest.raises(DocumentError, match=message):
        parse_text(front, name="bad")


def test_wrong_file_type_is_refused(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(DocumentError, match=r"\.txt and \.md"):
        parse_document(path)
