"""The command router as a chat user meets it: every input gets a well-formed reply."""

from __future__ import annotations

import pytest
from helpers import console
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import Message, Reply, ReplyKind
from bot.render.text import render_text


def well_formed(reply: Reply) -> None:
    assert isinstance(reply.kind, ReplyKind)
    numbers = {c.number for c in reply.citations}
    assert all(b.citation in numbers for b in reply.bullets)
    assert 0 <= len(reply.bullets) <= 5
    assert render_text(reply).strip()
    assert "Traceback" not in render_text(reply)


async def test_help_lists_sources_and_three_example_questions(app):
    for command in ("/start", "/help"):
        reply = await app.core.handle(console(command))
        text = render_text(reply)
        assert "What Putin And Kim Jong Un Stand To Gain By Meeting" in text
        assert "What Putin and Kim Want From Each Other" in text
        assert len([line for line in reply.footer if line.startswith("Try:")]) == 3


async def test_sources_lists_each_source_with_its_metadata(app):
    text = render_text(await app.core.handle(console("/sources")))
    assert "NPR, Consider This" in text
    assert "Angela Stent" in text
    assert "transcript" in text
    assert "Carnegie Endowment for International Peace" in text
    assert "Ankit Panda" in text
    assert "passages indexed" in text
    assert "id: carnegie-panda-2023-09" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ask", "Ask me something"),
        ("/frobnicate", "I don't know /frobnicate"),
        ("/more", "no earlier question"),
        ("/subscribe 25:99", "not a time"),
        ("/subscribe 08:00 Mars/Olympus", "not a time zone I know"),
        ("/settings", "no daily digest"),
    ],
)
async def test_malformed_or_unknown_input_gets_a_friendly_hint(app, text, expected):
    reply = await app.core.handle(console(text, chat="fresh"))
    assert expected.lower() in render_text(reply).lower()


async def test_ask_with_botname_suffix_is_a_command(app):
    reply = await app.core.handle(console("/ask@briefbot what does Kim want?"))
    assert reply.kind is ReplyKind.ANSWER


async def test_long_message_is_read_up_to_the_limit_and_says_so(app):
    reply = await app.core.handle(console("what does Kim want? " + "x" * 5000))
    well_formed(reply)
    assert any("first 1,000 characters" in line for line in reply.footer)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=6000),
        st.sampled_from(
            [
                "",
                " ",
                "\x00",
                "\ud800",
                "/",
                "/ask \x00",
                '"',
                "NEAR(",
                "AND OR NOT",
                "-putin",
                "title:kim",
                "*",
                "\u200d\u200d",
                "\u202e\u202b",
                "the of and",
                "😀😀",
            ]
        ),
        st.builds(
            lambda c, t: f"/{c} {t}",
            st.sampled_from(["ask", "more", "help", "x"]),
            st.text(max_size=50),
        ),
    )
)
async def test_any_text_gets_a_well_formed_reply(app, text):
    well_formed(await app.core.handle(console(text, chat="prop")))


async def test_help_lists_every_command_with_one_line_each(app):
    group = Message("telegram", "-100", "u1", "/help", is_private=False)
    text = render_text(await app.core.handle(group))
    answered = {c.name for c in app.core.catalogue if c.handler is not None and c.in_help}
    for name in answered:
        lines = [line for line in text.splitlines() if line.startswith(f"/{name}")]
        assert len(lines) == 1, name
        assert " — " in lines[0]
    assert "In a group" in text
    assert "private chat" in text


async def test_start_in_the_console_describes_the_console(app):
    text = render_text(await app.core.handle(console("/start")))
    assert "private chat" not in text
    assert "Type a question and press Enter" in text
    assert "/quit" in text
    assert "  /why " in text
    assert "/subscribe" not in text  # delivered on chat platforms; the console says so
    assert "briefbot ingest" in text
