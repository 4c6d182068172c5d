"""What a user sees when they ask: quotes that are verbatim, attributed and on different points."""

from __future__ import annotations

import re

import pytest
from helpers import console

from bot.core.model import ReplyKind

SPONSOR_AND_CHROME = (
    "This message comes from",
    "Support for NPR",
    "Kauffman",
    "Indiana University",
    "iu.edu",
    "WISE",
    "Pushkin",
    "Gladwell",
    "podcastchoices",
    "Privacy Policy",
    "Discussion (0)",
    "Getty Images",
    "Deja una respuesta",
    "correo electrónico",
)


def normalise(text: str) -> str:
    return " ".join(text.replace("…", " ").split())


async def all_passages(app) -> list[str]:
    hits = (await app.library.search("north korea russia kim putin war")).hits
    return [h.passage.text for h in hits]


async def test_what_does_kim_want_quotes_both_sources_on_different_wants(app):
    reply, answer = await app.core.ask(console(""), "what does Kim want?")
    assert reply.kind is ReplyKind.ANSWER
    assert len(reply.bullets) >= 3
    assert {c.source_id for c in reply.citations} == {
        "npr-consider-this-2023-09-11",
        "carnegie-panda-2023-09",
    }
    texts = [b.text for b in reply.bullets]
    assert len(set(texts)) == len(texts)
    for quote in answer.quotes:
        # every bullet is a verbatim span of its passage
        for piece in quote.text.split("…"):
            assert normalise(piece) in normalise(quote.hit.passage.text)


async def test_transcript_quotes_carry_the_right_speaker(app):
    reply, _ = await app.core.ask(console(""), "what does Kim Jong-un need, a platform?")
    stage = [b for b in reply.bullets if "platform, a stage" in b.text]
    assert stage
    assert stage[0].speaker == "Jean Lee"
    reply, _ = await app.core.ask(console(""), "what does Putin need immediately from Kim?")
    weapons = [b for b in reply.bullets if "needs immediately" in b.text]
    assert weapons
    assert weapons[0].speaker == "Angela Stent"


async def test_what_does_putin_want_names_ammunition(app):
    reply, _ = await app.core.ask(console(""), "what does Putin want?")
    text = " ".join(b.text for b in reply.bullets).lower()
    assert "ammunition" in text or "artillery" in text


@pytest.mark.parametrize(
    "question",
    [
        "who won the 2018 World Cup?",
        "what does the Kauffman Foundation fund?",
        "what time is it in seoul right now",
        "what's on the agenda for tomorrow's team standup",
    ],
)
async def test_out_of_scope_questions_are_declined_plainly(app, question):
    reply, _ = await app.core.ask(console(""), question)
    assert reply.kind is ReplyKind.ABSTAIN
    assert not reply.bullets
    assert "don't cover" in reply.body[0]
    assert "/sources" in reply.body[0]


@pytest.mark.parametrize(
    "question",
    [
        "Indiana University",
        "what is the WISE app exchange rate",
        "Kauffman Foundation financial stability",
        "Malcolm Gladwell Revenge of the Tipping Point",
        "NPR privacy policy sponsor message choices",
        "Getty Images photo Mikhail Metzel",
        "Deja una respuesta correo electrónico",
        "email us considerthis",
    ],
)
async def test_no_sponsor_text_header_or_footer_is_ever_returned(app, question):
    reply, answer = await app.core.ask(console(""), question)
    shown = [b.text for b in reply.bullets]
    if answer is not None:
        shown += [h.passage.text for h in answer.result.hits]
    for text in shown:
        for marker in SPONSOR_AND_CHROME:
            assert marker not in text


async def test_the_index_holds_no_boilerplate_at_all(app):
    rows = await app.store._reader.execute_fetchall("SELECT text FROM passages")
    assert rows
    for (text,) in rows:
        for marker in SPONSOR_AND_CHROME:
            assert marker not in text


async def test_more_continues_with_new_passages(app):
    first = await app.core.handle(console("what does Kim want?", chat="m"))
    more = await app.core.handle(console("/more", chat="m"))
    assert more.kind in {ReplyKind.ANSWER, ReplyKind.ABSTAIN}
    assert not {b.text for b in first.bullets} & {b.text for b in more.bullets}
    assert re.match(r"More on: ", more.title) or "No more" in " ".join(more.body)
