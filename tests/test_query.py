"""No user text reaches FTS5 MATCH as syntax, and aliases widen a name to its equivalents."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.migrations import open_store
from knowledge.documents import parse_text
from knowledge.query import QueryParser

HOSTILE = [
    '"',
    "'",
    '""',
    "*",
    "kim*",
    "NEAR(kim putin)",
    "AND OR NOT",
    "NOT putin",
    "-putin",
    "^kim",
    "title:kim",
    "text:kim",
    "(kim",
    "kim)",
    "{kim}",
    "kim + putin",
    "\x00kim",
    "\ud800kim",
    "kim\udfff",
    "😀",
    "\u200d",
    "\u202e",
    "ｋｉｍ",
    "キム",
    "金正恩",
    "",
]


@pytest.fixture(scope="module")
def parser():
    return QueryParser.from_files()


@pytest.fixture
async def store(tmp_path):
    async with await open_store(tmp_path / "q.sqlite3") as store:
        text = "Notes\n\n" + "Kim Jong Un wants rockets and North Korea wants food. " * 8
        await store.upsert_document(parse_text(text, name="notes"))
        yield store


@pytest.mark.parametrize("question", HOSTILE)
async def test_hostile_input_is_quoted_and_matches_safely(parser, store, question):
    query = parser.parse(question)
    if not query.empty:
        await store.fts_search(query.fts(), 5)  # raises on any FTS5 syntax error


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
async def test_any_text_makes_a_valid_match_expression(parser, store, question):
    query = parser.parse(question)
    if not query.empty:
        await store.fts_search(query.fts(), 3)


def test_aliases_expand_names_to_their_equivalents(parser):
    query = parser.parse("what does Pyongyang want from the Kremlin?")
    labels = [g.label for g in query.groups]
    assert labels == ["North Korea", "want", "Russia"]
    fts = query.fts()
    for phrase in ('"kim jong un"', '"north korea"', '"putin"', '"moscow"', '"seek"'):
        assert phrase in fts


def test_stopwords_dropped_and_us_read_as_united_states(parser):
    assert parser.parse("what is the of and").empty
    assert [g.label for g in parser.parse("how bad is this for the US?").groups] == [
        "bad",
        "United States",
    ]


def test_when_questions_ask_for_a_date(parser):
    assert parser.parse("when did the summit start?").wants == "date"
    assert parser.parse("what time is it in Seoul?").wants == "clock"
    assert parser.parse("what does Kim want?").wants == ""
