"""Follow-ups, misspelt names and answer kinds, on a small story of our own (not the bundled one).

The follow-up is shown to the user as a whole question ("Reading this as: …"), a misspelt name
is read as the one the sources use and said so, and "why?" brings reasons not yet shown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from helpers import console

from bot.app import App, open_app
from bot.config import load_settings
from bot.core.model import ReplyKind
from knowledge.followup import resolve
from knowledge.kinds import carries, kind_of

ARTICLE = """---
title: The harbour vote
outlet: Coast Ledger
date: 2031-04-02
---

Mayor Petra Lindqvist wants a new ferry terminal on the north quay before the summer season.

The old pier is sinking a little more every winter, which is why a new terminal cannot wait.

Councillor Tomas Brandt wants lower harbour fees for the fishing fleet of Saltmere.

Brandt asks for the lower fees so that the trawlers keep landing their catch in Saltmere.

The council meets in the old customs house on the first Monday of every month.
"""


@pytest.fixture
async def harbour(tmp_path: Path) -> AsyncIterator[App]:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    settings = load_settings(None, store={"bundled_sources": False, "source_dirs": [folder]})
    async with open_app(settings, db_path=tmp_path / "h.sqlite3") as opened:
        yield opened


def test_a_follow_up_swaps_the_subject_even_in_a_lowercase_question():
    assert resolve("and Putin?", "what does kim want").question == "what does Putin want"
    swapped = resolve("what about the US?", "What does China want?")
    assert swapped.question == "What does the US want?"
    assert swapped.rewritten


def test_a_lowercase_follow_up_name_is_swapped_when_the_corpus_knows_it():
    known = {"china", "kim"}.__contains__
    assert resolve("and china?", "what does kim want", is_name=known).question == (
        "what does china want"
    )


def test_a_follow_up_on_a_topic_narrows_the_question_instead():
    resolved = resolve("what about sanctions?", "what does kim want")
    assert resolved.question == "what does kim want, regarding sanctions?"


def test_a_whole_question_is_never_rewritten():
    question = "and the fees, are they going up this year?"
    assert resolve(question, "what does Brandt want?").question == question
    assert not resolve("what does Brandt want?", None).rewritten


def test_why_asks_for_the_reasons_behind_the_previous_question():
    resolved = resolve("why?", "what does the mayor want")
    assert resolved.reasons
    assert resolved.question == "why does the mayor want that?"
    assert resolve("why is that", "is the pier sinking").question == "why is the pier sinking?"


async def test_the_rewritten_follow_up_is_shown_and_answered(harbour: App):
    await harbour.core.ask(console("", chat="f"), "what does lindqvist want")
    reply, _ = await harbour.core.ask(console("", chat="f"), "and Brandt?")

    assert reply.kind is ReplyKind.ANSWER
    assert reply.body[0] == "Reading this as: what does Brandt want"
    assert "Brandt" in reply.bullets[0].text


async def test_why_gives_reasons_not_the_same_quotes_again(harbour: App):
    first, _ = await harbour.core.ask(console("", chat="w"), "what does lindqvist want")
    shown = {b.text for b in first.bullets}
    why, _ = await harbour.core.ask(console("", chat="w"), "why?")

    assert why.kind is ReplyKind.ANSWER
    assert why.body[0] == "Reading this as: why does lindqvist want that?"
    assert "which is why a new terminal cannot wait" in why.bullets[0].text
    assert not shown & {b.text for b in why.bullets}


async def test_a_misspelt_name_is_read_as_the_sources_name(harbour: App):
    reply, _ = await harbour.core.ask(console(""), "what does petra lindkvist want")

    assert reply.kind is ReplyKind.ANSWER
    assert "(read as: Petra Lindqvist)" in reply.body
    assert "ferry terminal" in " ".join(b.text for b in reply.bullets)


async def test_a_common_word_is_never_read_as_a_name(harbour: App):
    names = await harbour.library.names()
    question = "what is the best bread in town"
    assert names.correct(question) == (question, ())
    assert names.is_name("saltmere")
    assert not names.is_name("fees")


def test_question_words_say_what_kind_of_answer_is_wanted():
    assert kind_of("when did the council meet") == "date"
    assert kind_of("ok so where does the council meet?") == "place"
    assert kind_of("who is the mayor") == "person"
    assert kind_of("petra lindqvist who is she") == "person"
    assert kind_of("why is the pier sinking") == "reason"
    assert kind_of("how many trawlers land there") == "number"
    assert kind_of("did the council vote?") == "yes/no"
    assert kind_of("what does the mayor want") == "list"
    assert kind_of("what is a quay") == "other"


def test_a_sentence_carries_the_kind_it_states():
    assert carries("place", "The council meets in Saltmere every month.")
    assert not carries("place", "The council meets every month.")
    assert carries("person", "It was decided by Petra Lindqvist last week.")
    assert carries("reason", "She wants it because the pier is sinking.")
    assert carries("reason", "The pier is sinking, which is why a terminal cannot wait.")
    assert not carries("reason", "She wants a terminal.")


def test_a_yes_no_question_is_matched_by_meaning_as_its_proposition():
    from knowledge.query import QueryParser

    parser = QueryParser.from_files()
    assert parser.parse("did the council vote on the fees?").statement == (
        "the council vote on the fees"
    )
    assert parser.parse("why did the council vote?").statement == "why did the council vote?"


async def test_chat_fillers_do_not_veto_an_answer(harbour: App):
    plain, _ = await harbour.core.ask(console("", chat="p"), "is the old pier sinking?")
    chatty, _ = await harbour.core.ask(
        console("", chat="q"), "ok so is the old pier actually still sinking rn tbh?"
    )

    assert plain.kind is ReplyKind.ANSWER
    assert chatty.kind is ReplyKind.ANSWER
    assert chatty.bullets[0].text == plain.bullets[0].text


SHOW = """---
title: Harbour Hour
outlet: Coast Radio
date: 2031-04-03
authors: [Mira Holt]
speakers:
  - name: Mira Holt
    role: Host
  - name: Olaf Renner
    role: Harbour engineer
  - name: Dana Okafor
    role: Fisheries economist
keywords: [episode, radio show]
---

"""
TURNS = (
    "MIRA HOLT: Welcome to Harbour Hour. With me today are Olaf Renner, a harbour engineer,"
    " and Dana Okafor, who studies the fishing economy of the coast.",
    "OLAF RENNER: The pilings under the old pier have rotted through, and the repairs only buy"
    " a winter or two at a time.",
    "MIRA HOLT: And the fishing fleet?",
    "DANA OKAFOR: The trawlers land a third less catch than a decade ago, and the fees decide"
    " where they land it.",
)


@pytest.fixture
async def radio(tmp_path: Path) -> AsyncIterator[App]:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "show.md").write_text(SHOW + "\n\n".join(TURNS) + "\n", encoding="utf-8")
    settings = load_settings(None, store={"bundled_sources": False, "source_dirs": [folder]})
    async with open_app(settings, db_path=tmp_path / "r.sqlite3") as opened:
        yield opened


async def test_what_did_a_speaker_say_quotes_their_turns(radio: App):
    reply, _ = await radio.core.ask(console(""), "What did Olaf Renner say?")

    assert reply.kind is ReplyKind.ANSWER
    assert {b.speaker for b in reply.bullets} == {"Olaf Renner"}
    assert "pilings under the old pier" in reply.bullets[0].text


@pytest.mark.parametrize("question", ["Who were the guests?", "who was on the show"])
async def test_who_took_part_is_answered_by_the_introductions(radio: App, question: str):
    reply, _ = await radio.core.ask(console(""), question)

    assert reply.kind is ReplyKind.ANSWER
    first = reply.bullets[0]
    assert first.speaker == "Mira Holt"
    assert "Olaf Renner" in first.text
    assert "Dana Okafor" in first.text


def test_facets_are_what_a_passage_says_beyond_the_question():
    from knowledge.analysed import analyse
    from knowledge.diversify import facet_words
    from knowledge.query import QueryParser

    query = QueryParser.from_files().parse("what does the mayor want")
    terminal = facet_words(analyse("The mayor wants a ferry terminal", "").content, query)
    parking = facet_words(analyse("The mayor wants cheaper parking", "").content, query)

    assert not terminal & parking  # two different wants share nothing once the question is out
    assert "ferri" in terminal


def test_a_sentence_inside_a_shown_quote_counts_as_shown():
    from knowledge.library import _shown

    seen = {"The pier is sinking. It is old.", "…every winter, so the mayor wants a terminal…"}
    assert _shown("It sinks a little more every winter, so the mayor wants a terminal.", seen)
    assert _shown("The pier is sinking.", seen)
    assert not _shown("The fees pay for the dredging because the channel silts up.", seen)


async def test_where_prefers_the_passage_that_names_a_place(tmp_path: Path):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "council.md").write_text(
        "---\ntitle: Council notes\noutlet: Coast Ledger\ndate: 2031-04-04\n---\n\n"
        "The council meets and meets again: the council meets whenever the harbour fees"
        " change, and the council meets when the ferry is late.\n\n"
        "Since the flood the council meets in Saltmere, upstairs in the old customs house.\n",
        encoding="utf-8",
    )
    settings = load_settings(None, store={"bundled_sources": False, "source_dirs": [folder]})
    async with open_app(settings, db_path=tmp_path / "c.sqlite3") as app:
        result = await app.library.search("where does the council meet?")

    assert result.query.kind == "place"
    assert "customs house" in result.hits[0].passage.text
