"""Whatever a document's shape (lists that open it, introductions before huge quotes, headings
anywhere), splitting never fails and never makes a passage over MAX_CHARS. Hypothesis builds
the shapes; a list item opening a document once raised IndexError during an ingest."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.passages import MAX_CHARS, split_passages

WORDS = st.sampled_from(["the", "envoy", "said", "grain", "rail", "talks", "Mr.", "A.", "x" * 40])
SENTENCE = st.lists(WORDS, min_size=1, max_size=60).map(lambda ws: " ".join(ws) + ".")
PLAIN = st.lists(SENTENCE, min_size=1, max_size=40).map(" ".join)
PARAGRAPH = st.one_of(
    PLAIN,
    PLAIN.map(lambda p: "- " + p),  # a list item
    PLAIN.map(lambda p: "1. " + p),
    PLAIN.map(lambda p: p.rstrip(".") + ":"),  # an introduction
    st.just("# A heading"),
    st.just("Hi."),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(PARAGRAPH, min_size=1, max_size=12))
def test_any_shape_of_document_splits_into_bounded_passages(paragraphs: list[str]) -> None:
    passages = split_passages("\n\n".join(paragraphs))
    assert all(len(p.text) <= MAX_CHARS for p in passages)


def test_a_document_that_opens_with_a_list_item_is_split() -> None:
    passages = split_passages("- first point of the list\n\n- second point of the list")
    assert passages
    assert "first point" in passages[0].text
