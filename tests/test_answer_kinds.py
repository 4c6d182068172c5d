"""Questions that ask for an amount, or for a year after the sources, are refused unless a quoted
sentence supplies it: naming the right people is not an answer. A small invented story keeps the
bundled sources and the eval questions out of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.config import load_settings

STORY = """---
title: Harbour talks
outlet: Example Gazette
date: 2021-05-04
---

The mayor of Lindqvist met the harbour union on Tuesday to discuss the new container terminal.
The union wants guarantees that no dock jobs will be cut when the terminal opens.

The mayor said the terminal would bring trade to the city and promised to consult the workers.
Union leaders called the meeting constructive but warned that strikes remain possible.

The terminal will employ 340 people and cost 12 million euros, the harbour board said.
Construction is expected to take two years.
"""


@pytest.fixture
async def harbour(tmp_path: Path) -> AsyncIterator[App]:
    source = tmp_path / "harbour.md"
    source.write_text(STORY, encoding="utf-8")
    settings = load_settings(None, store={"bundled_sources": False})
    async with open_app(settings, db_path=tmp_path / "h.sqlite3") as app:
        await app.library.ingest([source])
        yield app


async def test_how_many_is_answered_by_a_sentence_with_a_number(harbour):
    result = await harbour.library.search("how many people will the terminal employ?")
    assert not result.abstained
    assert "340" in result.hits[0].sentence


async def test_how_many_without_any_number_in_reach_is_refused(harbour):
    result = await harbour.library.search("how many strikes did the union leaders call?")
    assert result.abstained
    assert "a number" in result.reason


async def test_how_much_about_money_needs_an_amount_but_how_much_else_does_not(harbour):
    parser = harbour.library.searcher.parser
    assert parser.parse("how much did the terminal cost?").wants == "amount"
    assert parser.parse("ok so how much money went to the union").wants == "amount"
    assert parser.parse("how much does the union trust the mayor?").wants == ""
    assert parser.parse("how long ago did they meet?").wants == "date"


async def test_a_year_after_every_source_that_no_passage_mentions_is_refused(harbour):
    result = await harbour.library.search("did the union strike in 2024?")
    assert result.abstained
    assert "2024" in result.reason
    answered = await harbour.library.search("did the union leaders warn of strikes?")
    assert not answered.abstained


async def test_a_length_of_time_answers_how_long_but_is_not_a_count(harbour):
    parser = harbour.library.searcher.parser
    assert parser.parse("how long will construction take?").wants == "duration"
    assert parser.parse("how many years will construction take?").wants == "duration"
    assert parser.parse("how many cranes will construction need?").wants == "amount"
    how_long = await harbour.library.search("how long will construction take?")
    assert not how_long.abstained
    assert "two years" in how_long.hits[0].sentence
    # "two years" is the only number near the question: a duration does not count cranes
    count = await harbour.library.search("how many cranes will construction need?")
    assert count.abstained
    assert "a number" in count.reason


SHOW = """---
title: The harbour hour
outlet: Example Radio
speakers:
  - name: Ada Moss
    role: Host
  - name: Ben Carter
    role: Union secretary
date: 2021-05-05
kind: transcript
---
ADA MOSS: This is Example Radio, and you are listening to the harbour hour on Example Radio.

ADA MOSS: Ben, will the new ferry terminal cost dock jobs?

BEN CARTER: The union has been promised that no dock jobs will be cut at the terminal.

ADA MOSS: And what about the night shifts on the quay?
"""


async def test_what_someone_asked_is_answered_by_their_question(tmp_path: Path) -> None:
    """A host's question is no answer to "will the terminal cost jobs?", but it is the answer
    to "did Ada ask about the terminal?"; the words that named the show only chose it."""
    source = tmp_path / "show.md"
    source.write_text(SHOW, encoding="utf-8")
    settings = load_settings(None, store={"bundled_sources": False})
    async with open_app(settings, db_path=tmp_path / "s.sqlite3") as app:
        await app.library.ingest([source])
        asked = await app.library.search("did ada ask about the ferry terminal on example radio")
        assert not asked.abstained
        assert asked.focus.speaker == "Ada Moss"
        assert asked.hits[0].sentence == "Ben, will the new ferry terminal cost dock jobs?"
        answer, _ = await app.library.answer("will the ferry terminal cost dock jobs?")
        assert not answer.result.query.asking
        assert answer.quotes
        assert not any(q.text.endswith("?") for q in answer.quotes)
