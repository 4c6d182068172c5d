"""Discord rendering: limits, splitting at bullet boundaries, escaping, buttons."""

from __future__ import annotations

from dataclasses import replace

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.embed import (
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_FOOTER,
    MAX_TITLE,
    action_of,
    buttons,
    render_pages,
    units,
)
from bot.core.model import Bullet, Button, Citation, Reply, ReplyKind


def within_limits(reply: Reply) -> list[discord.Embed]:
    """Every page as the discord.Embed the adapter sends, checked against Discord's limits."""
    embeds = []
    for page in render_pages(reply):
        data = page.embed_dict()
        if data is None:
            assert page.content is not None
            assert 0 < units(page.content) <= MAX_CONTENT
            continue
        card = discord.Embed.from_dict(data)
        assert len(card) <= MAX_EMBED_TOTAL
        assert units(card.title or "") <= MAX_TITLE
        assert units(card.description or "") <= MAX_DESCRIPTION
        assert len(card.fields) <= MAX_FIELDS
        assert all(units(f.value or "") <= MAX_FIELD_VALUE for f in card.fields)
        assert units(card.footer.text or "") <= MAX_FOOTER
        embeds.append(card)
    return embeds


def test_a_long_answer_splits_between_bullets_within_every_limit() -> None:
    quote = "Kim wants a stage; Putin wants shells. " * 12
    citations = tuple(
        Citation(n, f"s{n}", f"Title {n} " * 20, "Outlet", "2023", ("A. Author",))
        for n in range(1, 61)
    )
    bullets = tuple(Bullet(f"{n}: {quote}", n % 60 + 1, "Jean Lee") for n in range(60))
    reply = Reply(
        ReplyKind.ANSWER, "what now?", bullets=bullets, citations=citations, footer=("x" * 3000,)
    )

    embeds = within_limits(reply)

    assert len(embeds) > 2
    assert embeds[0].title == "what now?"
    assert all(e.title is None for e in embeds[1:])
    text = "\n".join(e.description or "" for e in embeds)
    assert [f"• “{n}:" in text for n in range(60)] == [True] * 60
    for card in embeds:  # a bullet never straddles two messages
        description = card.description or ""
        assert description.count("• “") == description.count("*— Jean Lee")
    lines = [line for e in embeds for f in e.fields for line in (f.value or "").splitlines()]
    assert [line.split("]")[0] for line in lines] == [f"[{n}" for n in range(1, 61)]
    assert embeds[-1].footer.text is not None
    assert embeds[-1].footer.text.endswith("…")


def test_oversized_blocks_are_cut_at_words_and_stay_escaped() -> None:
    reply = Reply(
        ReplyKind.ANSWER,
        title="**" * 400,
        body=("word *and* `more` " * 600, "_" * 9000),
        bullets=(Bullet("||x|| " * 2000, 1, "S"),),
        citations=(Citation(1, "s", "T*" * 900, "O", "2023"),),
    )

    embeds = within_limits(reply)

    assert embeds[0].title is not None
    assert embeds[0].title.endswith("…")
    text = " ".join(e.description or "" for e in embeds)  # pages break between words
    assert text.count(r"word \*and\* \`more\`") == 600
    assert text.count(r"\_") == 9000  # never a backslash cut off from its character
    assert text.count(r"\|\|x\|\|") == 2000


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("> quoted", r"\> quoted"),  # mid-line (in a bullet) it is no quote: left as is
        ("**bold** `code` ||spoiler||", r"\*\*bold\*\* \`code\` \|\|spoiler\|\|"),
        ("~~gone~~ __under__", r"\~\~gone\~\~ \_\_under\_\_"),
        ("# heading", r"\# heading"),
        ("[click](https://evil.example)", r"\[click\]\(https://evil.example\)"),
        ("[[x](https://evil.example)", r"\[[x\]\(https://evil.example\)"),
        ("<https://evil.example>", r"\<https://evil.example>"),
        ("see [1] (p. 4)", r"see [1] \(p. 4\)"),
        ("@everyone @here", "@\u200beveryone @\u200bhere"),
        ("<@900000000000000005>", "<@\u200b900000000000000005>"),
        ("<@&900000000000000006>", "<@\u200b&900000000000000006>"),
        ("see https://x.org/a_b_c", "see https://x.org/a_b_c"),
    ],
)  # fmt: skip
def test_user_and_source_text_is_shown_literally(text: str, shown: str) -> None:
    [hint] = render_pages(Reply(body=(text,)))
    [card] = within_limits(Reply(ReplyKind.ANSWER, title="t", bullets=(Bullet(text, 1, "S"),)))

    assert hint.content == shown
    mid_line = text if text[0] in ">#" else shown
    assert card.description == f"• “{mid_line}”\n*— S [1]*"


def test_hints_are_plain_content_and_answers_are_embeds() -> None:
    [hint] = render_pages(Reply(body=("Ask me something.",), footer=("Try: /help",)))
    [error] = render_pages(Reply(ReplyKind.ERROR, body=("Sorry.",)))
    [abstain] = render_pages(Reply(ReplyKind.ABSTAIN, title="q", body=("Not covered.",)))
    [empty] = render_pages(Reply())

    assert hint.content == "Ask me something.\nTry: /help"
    assert error.content == "Sorry."
    assert abstain.content is None
    assert abstain.embed_dict() == {
        "type": "rich", "title": "q", "description": "Not covered.", "color": 0x99AAB5,
    }  # fmt: skip
    assert empty.content == "…"


def test_buttons_carry_only_what_discord_accepts() -> None:
    reply = Reply(
        buttons=(
            Button("More", "more"),
            Button("👍", "vote:up:12"),
            Button("", "blank"),
            Button("Long", "x" * 100),
            *(Button(str(n), f"n{n}") for n in range(30)),
        )
    )

    kept = buttons(reply)

    assert [b.action for b in kept[:2]] == ["more", "vote:up:12"]
    assert len(kept) == 25
    assert action_of("briefbot:vote:up:12") == "vote:up:12"
    assert action_of("other:more") is None
    assert action_of("briefbot:") is None


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=400),
    quotes=st.lists(st.text(min_size=1, max_size=1500), max_size=12),
    lines=st.lists(st.text(min_size=1, max_size=1200), max_size=30),
)
def test_any_reply_fits_discord(title: str, quotes: list[str], lines: list[str]) -> None:
    citations = tuple(Citation(n, "s", t, "O", "2023") for n, t in enumerate(lines, 1))
    bullets = tuple(Bullet(q, 1, "S") for q in quotes)
    reply = Reply(ReplyKind.ANSWER, title, bullets=bullets, citations=citations, footer=(title,))

    within_limits(reply)


def test_a_source_title_or_author_cannot_become_a_masked_link_in_the_sources_field() -> None:
    evil = "[click](https://evil.example/x)"
    citation = Citation(1, "s1", evil, f"[[Outlet]({'https://evil.example'})", "2023", (evil,))
    reply = Reply(ReplyKind.ANSWER, title=evil, bullets=(Bullet(evil, 1, evil),))
    [card] = within_limits(replace(reply, citations=(citation,)))
    shown = " ".join(
        [card.title or "", card.description or "", *(f.value or "" for f in card.fields)]
    )
    assert "](" not in shown.replace("\\]\\(", "")  # every `](` is escaped
    assert "\\]\\(https://evil.example/x\\)" in " ".join(f.value or "" for f in card.fields)
