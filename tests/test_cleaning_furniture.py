"""Bylines, copyright lines, outros, reading lists and link runs are never quoted as content."""

from __future__ import annotations

import pytest

from knowledge.cleaning import clean_text
from knowledge.documents import parse_text

PROSE = (
    "The two leaders met on Tuesday at a remote spaceport and talked for several hours about "
    "rockets, trains and the harvest, officials from both sides said afterwards."
)


@pytest.mark.parametrize(
    "furniture",
    [
        "By Dana Mills and Lee Park, Coastal Courier | March 12, 2024",
        "By DANA MILLS",
        "© 2024 Coastal Courier. All rights reserved.",
        "Copyright 2024 The Coastal Courier",
        "(Reporting by Dana Mills; Editing by Lee Park)",
        "This article was originally published by The Coastal Courier.",
        "Follow us on Twitter for updates.",
        "https://courier.example/harbour",
        "- [The harbour, explained](https://courier.example/explained)",
    ],
)
def test_furniture_lines_are_removed(furniture: str) -> None:
    result = clean_text(f"{PROSE}\n\n{furniture}\n\n{PROSE} Again.")
    assert furniture.strip("- ") not in result.text
    assert result.text.count("The two leaders") == 2


def test_a_reading_list_goes_with_its_heading_and_the_text_after_it_stays() -> None:
    text = (
        f"{PROSE}\n\nFurther reading\n\n- The harbour, explained\n- Why the pier matters\n"
        f"Ten things about lighthouses - https://courier.example/ten\n\n{PROSE} Again."
    )
    result = clean_text(text)
    assert "Further reading" not in result.text
    assert "explained" not in result.text
    assert "lighthouses" not in result.text
    assert result.text.endswith("afterwards. Again.")


@pytest.mark.parametrize(
    "content",
    [
        "By the end of the day, nothing had been signed and both delegations went home.",
        "Related talks are expected next month, a spokesman said on Friday.",
        "Copyright law was not discussed at the summit.",
        "Follow the money, the minister told reporters, and you will see who gains.",
    ],
)
def test_content_that_starts_like_furniture_survives(content: str) -> None:
    assert content in clean_text(f"{PROSE}\n\n{content}").text


def test_a_byline_is_neither_a_passage_nor_a_heading() -> None:
    doc = parse_text(
        f"Harbour deal\n\nBy Dana Mills\n\n{PROSE} {PROSE}\n\nRead more\n\n- Pier plans\n",
        name="harbour",
    )
    assert [p.section for p in doc.passages] == [""]
    assert all("Dana Mills" not in p.text and "Pier plans" not in p.text for p in doc.passages)


@pytest.mark.parametrize(
    "chrome",
    [
        "Skip to next story",
        "Home | World | Sport | Sign in",
        "This site uses cookies. By continuing to browse the site you agree to our use of cookies.",
        "Menu",
        "Back to top",
    ],
)
def test_navigation_and_cookie_lines_are_removed(chrome: str) -> None:
    result = clean_text(f"{PROSE}\n\n{chrome}\n\n{PROSE} Again.")
    assert chrome not in result.text


def test_a_reading_list_heading_at_the_very_end_goes_too() -> None:
    assert clean_text(f"{PROSE}\n\nMost popular").text == PROSE


@pytest.mark.parametrize(
    "dateline", ["March 12, 2024", "Updated: 12 March 2024 10:42 GMT", "Published 2024-03-12"]
)
def test_a_dateline_is_neither_content_nor_a_heading(dateline: str) -> None:
    result = clean_text(f"{dateline}\n\n{PROSE}")
    assert result.text == PROSE


def test_a_sentence_with_a_date_survives() -> None:
    content = "On March 12, 2024 the board voted to rebuild the pier."
    assert content in clean_text(f"{PROSE}\n\n{content}").text
