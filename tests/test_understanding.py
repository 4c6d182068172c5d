"""Question understanding: speakers, sources, people, actors, follow-ups and /why (BM25 path)."""

from __future__ import annotations

from helpers import console

from bot.core.model import ReplyKind

NPR = "npr-consider-this-2023-09-11"


async def test_what_did_stent_say_answers_from_her_turns(app):
    reply, _ = await app.core.ask(console(""), "what did Stent say about South Korea?")
    assert reply.kind is ReplyKind.ANSWER
    assert {b.speaker for b in reply.bullets} == {"Angela Stent"}
    assert any("South Korea" in b.text for b in reply.bullets)


async def test_source_questions_stay_in_that_source(app):
    reply, _ = await app.core.ask(console(""), "what does the NPR episode say about weapons?")
    assert reply.kind is ReplyKind.ANSWER
    assert {c.source_id for c in reply.citations} == {NPR}


async def test_who_is_answers_from_introductions_not_her_own_turns(app):
    reply, _ = await app.core.ask(console(""), "who is Jean Lee?")
    assert reply.kind is ReplyKind.ANSWER
    first = reply.bullets[0]
    assert first.speaker != "Jean Lee"
    assert "Pyongyang bureau chief" in first.text


async def test_actor_focus_follows_who_wants_what(app):
    _, kim = await app.core.ask(console("", chat="a"), "what does Kim want from Putin?")
    _, putin = await app.core.ask(console("", chat="b"), "what does Putin want from Kim?")
    assert kim.quotes[0].text != putin.quotes[0].text


async def test_follow_ups_resolve_against_the_chats_last_question(app):
    await app.core.ask(console("", chat="f"), "what does Kim want?")
    reply, _ = await app.core.ask(console("", chat="f"), "and Putin?")
    assert reply.title == "and Putin?"  # the person's words; the note says how they were read
    other_chat, _ = await app.core.ask(console("", chat="g"), "and Putin?")
    assert other_chat.title == "and Putin?"
    assert reply.body[0] == "Reading this as: what does Putin want?"
    why, _ = await app.core.ask(console("", chat="f"), "why?")
    assert why.body[0] == "Reading this as: why does Putin want that?"


async def test_why_explains_an_abstention_and_needs_a_question_first(app):
    hint = await app.core.handle(console("/why", chat="w"))
    assert "no earlier question" in hint.body[0]
    await app.core.handle(console("/ask who is japan's prime minister", chat="w"))
    why = await app.core.handle(console("/why", chat="w"))
    text = "\n".join(why.body)
    assert "Ranking: BM25 only" in text
    assert "Abstained: best passage covers" in text
    assert "not used (abstained)" in text


async def test_why_on_bm25_only_shows_only_the_columns_used(app):
    await app.core.handle(console("/ask what does Kim want?", chat="bm"))
    text = "\n".join((await app.core.handle(console("/why", chat="bm"))).body)
    assert "Ranking: BM25 only" in text
    assert "BM25 " in text
    assert "(#1)" in text
    assert "fused" not in text
    assert "vector" not in text


def test_a_source_is_named_by_its_outlet_and_kind_not_by_an_article_before_them():
    """ "The X Gazette" is not named by "the": "what did they say on the radio" is the source
    whose outlet is a radio station, and "according to the union" names no source at all."""
    from pathlib import Path

    from knowledge.documents import parse_document
    from knowledge.understanding import Cast

    story = Path(__file__).parent / "fixtures" / "second_story"
    cast = Cast(parse_document(path).meta for path in sorted(story.glob("*.md")))
    radio = cast.understand("what did tomas brell say on the radio")
    assert (radio.speaker, radio.source_id) == ("Tomas Brell", "alder-radio-interview")
    assert cast.understand("what did the union say on the radio").source_id == (
        "alder-radio-interview"
    )
    assert cast.understand("how could they end it according to the union").empty
    assert cast.understand("what does the Alder Gazette article say").source_id == (
        "alder-gazette-strike"
    )


def test_whose_view_is_asked_for_in_the_ways_people_ask_it():
    """ "per X", "in X's view", "X's take" and "did X ask" mean X's own turns, like "X said"."""
    from pathlib import Path

    from knowledge.documents import parse_document
    from knowledge.understanding import Cast

    story = Path(__file__).parent / "fixtures" / "second_story"
    cast = Cast(parse_document(path).meta for path in sorted(story.glob("*.md")))
    for question in (
        "per brell, who can end the strike",
        "in tomas brell's view who can end the strike",
        "brell's take on the night shifts?",
        "did brell ask for a vote",
    ):
        assert cast.understand(question).speaker == "Tomas Brell", question
    assert cast.understand("who can end the strike").speaker is None
