"""Boilerplate removal: the two raw seeds, one synthetic case per rule, and properties."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.cleaning import CleanResult, clean_text

RAW = Path(__file__).parent / "fixtures" / "raw"
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(token in it for token in needle)


@pytest.fixture(scope="module")
def npr() -> CleanResult:
    return clean_text((RAW / "npr_consider_this_raw.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def carnegie() -> CleanResult:
    return clean_text((RAW / "carnegie_panda_raw.txt").read_text(encoding="utf-8"))


# --- NPR machine transcript ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sponsor",
    [
        "This message comes from",
        "Support for NPR",
        "Kauffman",
        "iu.edu",
        "Indiana University",
        "WISE",
        "Pushkin",
        "Gladwell",
        "audiobooks",
        "Discussion (0)",
        "podcastchoices",
        "Email us at",
        "Privacy Policy",
        "Thank you.",
    ],
)
def test_npr_sponsor_text_and_chrome_removed(npr: CleanResult, sponsor: str) -> None:
    assert sponsor not in npr.text


def test_npr_transcript_header_line_removed(npr: CleanResult) -> None:
    assert "Transcript" not in npr.text.splitlines()


@pytest.mark.parametrize(
    "content",
    [
        "Consider This from NPR - What Putin And Kim Jong Un Stand To Gain By Meeting",
        "and what North Korea might get out of it.",
        "The last time Kim Jong-un and Vladimir Putin met, it was a very different world.",
        "Now, North Korea is one of the few countries to openly support Russia since its",
        "I think what Putin needs immediately from Kim Jong-un is weapons.",
        "It's Consider This from NPR.",
        "From NPR, I'm Ari Shapiro. It's Monday, September 11th.",
        "This week, a dark green train with yellow trim rolled slowly down a track",
        "a message to his foes about the role that he can still play as a disruptor.",
        "Angela Stent is director of the Center for Eurasian, Russian and East European Studies",
        "she hosts a podcast called The Lazarus Heist about North Korea's cyber theft.",
        "It's Consider This from NPR. I'm Ari Shapiro.",
    ],
)
def test_npr_content_kept(npr: CleanResult, content: str) -> None:
    assert content in npr.text


def test_npr_ads_end_where_the_content_resumes(npr: CleanResult) -> None:
    lines = npr.text.splitlines()
    first_content = (
        "The last time Kim Jong-un and Vladimir Putin met, it was a very different world."
    )
    # The page header's description survives, the chrome and first ad do not.
    assert lines[2] == first_content
    # The ad break between the cold open and the ident is gone, nothing else.
    after_open = lines.index("From NPR, I'm Ari Shapiro. It's Monday, September 11th.")
    assert lines[after_open + 1] == "It's Consider This from NPR."
    assert lines[-1] == "It's Consider This from NPR. I'm Ari Shapiro."


def test_npr_removed_spans_are_verbatim(npr: CleanResult) -> None:
    raw = (RAW / "npr_consider_this_raw.txt").read_text(encoding="utf-8")
    assert npr.removed
    for span in npr.removed:
        assert span in raw
    assert any(span.startswith("This message comes from WISE") for span in npr.removed)
    assert any(span.endswith("T's and C's apply.") for span in npr.removed)


# --- Carnegie scraped article ----------------------------------------------------------------

CAPTION = (
    "Russian President Vladimir Putin shakes hands with North Korean leader Kim Jong Un during "
    "their meeting at the Vostochny Cosmodrome in Russia's Amur region on Sept. 13. Mikhail "
    "Metzel/Pool/AFP via Getty Images"
)


def test_carnegie_both_caption_copies_removed(carnegie: CleanResult) -> None:
    assert "Vostochny Cosmodrome in Russia's Amur region" not in carnegie.text
    assert "via Getty Images" not in carnegie.text
    assert carnegie.removed.count(CAPTION) == 2


def test_carnegie_spanish_footer_removed(carnegie: CleanResult) -> None:
    assert "Deja una respuesta" not in carnegie.text
    assert "correo electrónico" not in carnegie.text
    assert "marcados con *" not in carnegie.text


def test_carnegie_first_and_last_paragraphs_kept(carnegie: CleanResult) -> None:
    paragraphs = carnegie.text.split("\n\n")
    assert paragraphs[0] == "What Putin and Kim Want From Each Other"
    assert paragraphs[1].startswith(
        "After more than three years of intense, self-imposed isolationism amid the COVID-19"
    )
    assert paragraphs[-1].startswith(
        "Ankit Panda is the Stanton senior fellow in the Nuclear Policy Program at the Carnegie"
    )
    assert paragraphs[-1].endswith("Survival and Deterrence in North Korea.")
    assert len(paragraphs) == 24


# --- One synthetic case per rule -------------------------------------------------------------

ARTICLE = (
    "The summit produced no joint statement, which analysts read as a sign of caution.\n\n"
    "Both sides left the details of any arms transfer deliberately vague."
)


def test_english_comment_footer_removed() -> None:
    text = (
        ARTICLE + "\n\nLeave a Reply\n\n"
        "Your email address will not be published. Required fields are marked *\n\n"
        "Comment *\n\nName *\n\nEmail *\n\nWebsite\n\n"
        "Save my name, email, and website in this browser for the next time I comment.\n\n"
        "Post Comment"
    )
    result = clean_text(text)
    assert result.text == ARTICLE
    assert result.removed[0].startswith("Leave a Reply")


def test_comment_section_with_count_removed_to_the_end() -> None:
    text = ARTICLE + "\n\nComments (2)\n\nGreat piece!\n\nI disagree."
    assert clean_text(text).text == ARTICLE


def test_footer_heading_early_in_text_only_drops_the_form() -> None:
    text = (
        "Leave a comment\nName *\nEmail *\n\n" + ARTICLE + "\n\n" + ARTICLE.replace("vague", "open")
    )
    result = clean_text(text)
    assert result.text.startswith("The summit produced no joint statement")
    assert "Leave a comment" not in result.text
    assert "Name *" not in result.text


def test_cookie_banner_removed() -> None:
    text = (
        "We use cookies to improve your experience on our site. By continuing you agree to "
        "our use of cookies.\nAccept all cookies\nManage cookies\n\n" + ARTICLE
    )
    assert clean_text(text).text == ARTICLE


def test_sentence_starting_we_use_cookies_in_content_survives() -> None:
    text = "We use cookies, the company admitted, and sold the data to brokers."
    assert clean_text(text).text == text


@pytest.mark.parametrize(
    "chrome",
    [
        "Skip to main content",
        "Share this article",
        "Sign up for our newsletter",
        "Read more: Kim's armored train, explained",
        "Advertisement",
        "Transcript",
        "Discussion (3)",
        "Email us at tips@example.org",
        "NPR Privacy Policy",
        "Learn more about sponsor message choices: podcastchoices.com/adchoices",
    ],
)
def test_chrome_lines_removed(chrome: str) -> None:
    result = clean_text(f"{chrome}\n\n{ARTICLE}\n{chrome}")
    assert result.text == ARTICLE
    assert result.removed == (chrome, chrome)


def test_support_for_this_podcast_read_removed() -> None:
    text = (
        "So what does Pyongyang want in return?\n"
        "Support for this podcast comes from Acme Cloud. Acme Cloud keeps your files safe.\n"
        "Try it free at acme.example.com.\n"
        "You're listening to The Briefing. Our guest today is Jean Lee."
    )
    result = clean_text(text)
    assert result.text == (
        "So what does Pyongyang want in return?\n"
        "You're listening to The Briefing. Our guest today is Jean Lee."
    )
    assert result.removed == (
        "Support for this podcast comes from Acme Cloud. Acme Cloud keeps your files safe.\n"
        "Try it free at acme.example.com.",
    )


def test_sponsor_read_without_clear_end_removes_only_its_sentence() -> None:
    text = (
        "This episode is brought to you by Acme.\n"
        "Kim arrived in Vladivostok on Tuesday morning.\n"
        "He was greeted by a military band."
    )
    result = clean_text(text)
    assert result.text == (
        "Kim arrived in Vladivostok on Tuesday morning.\nHe was greeted by a military band."
    )
    assert result.removed == ("This episode is brought to you by Acme.",)


def test_sponsor_read_ended_by_a_lowercase_continuation() -> None:
    text = (
        "The talks turned to the question of\n"
        "This message comes from Acme. Acme makes widgets.\n"
        "artillery shells and their delivery."
    )
    assert clean_text(text).text == (
        "The talks turned to the question of\nartillery shells and their delivery."
    )


def test_standalone_thank_you_turn_does_not_close_a_read() -> None:
    text = (
        "This message comes from Acme.\n"
        "Jean Lee, welcome to the show.\n"
        "Thank you.\n"
        "So, Jean, what does Kim want?"
    )
    result = clean_text(text)
    assert result.text == text.removeprefix("This message comes from Acme.\n")
    assert result.removed == ("This message comes from Acme.",)


def test_sentence_initial_sponsor_read_mid_line_removed() -> None:
    text = "We'll be right back. This message comes from WISE. Visit wise.com. Now, to Moscow."
    result = clean_text(text)
    assert result.text == "We'll be right back. Now, to Moscow."
    assert result.removed == ("This message comes from WISE. Visit wise.com.",)


@pytest.mark.parametrize(
    "content",
    [
        "Officials in Kyiv said the message comes from the Kremlin and should be read as a threat.",
        "He insisted that this message comes from the top, not from the ministry.",
        "Analysts argue support for NPR and public radio comes from listeners.",
        "Sponsored by the Defense Ministry, the exhibition showed off new missiles.",
        "Support for Ukraine comes from dozens of countries.",
    ],
)
def test_sponsor_phrase_inside_content_survives(content: str) -> None:
    text = f"{content}\nThe statement was released on Monday."
    result = clean_text(text)
    assert result.text == text
    assert result.removed == ()


def test_repeated_paragraph_keeps_one_copy() -> None:
    paragraph = "Kim arrived in Vladivostok aboard his armored train on Tuesday."
    text = f"{paragraph}\n\n{paragraph}\n\nThe talks lasted four hours."
    result = clean_text(text)
    assert result.text == f"{paragraph}\n\nThe talks lasted four hours."
    assert result.removed == (paragraph,)


def test_repeated_caption_paragraph_loses_both_copies() -> None:
    caption = "Kim Jong Un steps off his train in Khasan. Vladimir Smirnov/AFP"
    text = f"{caption}\n\n{caption}\n\n{ARTICLE}"
    assert clean_text(text).text == ARTICLE


def test_short_repeated_lines_are_two_speakers_and_stay() -> None:
    text = "Welcome to you both.\nThank you.\nThank you.\nLet's begin."
    assert clean_text(text).text == text


def test_text_without_boilerplate_is_unchanged_modulo_paragraphs() -> None:
    text = "\n\n  \nFirst line of the first paragraph,\nits second line.  \n\n\n\nSecond.\n\n"
    result = clean_text(text)
    assert result.text == "First line of the first paragraph,\nits second line.  \n\nSecond."
    assert result.removed == ()


def test_empty_string() -> None:
    assert clean_text("") == CleanResult(text="", removed=())


# --- Properties ------------------------------------------------------------------------------

_FRAGMENTS = [
    "This message comes from WISE, the app for doing things in other currencies.",
    "Download the WISE app today, or visit WISE.com. T's and C's apply.",
    "Support for NPR and the following message come from the Kauffman Foundation,",
    "Support for this podcast comes from Acme.",
    "This episode is brought to you by Acme. More at acme.com",
    "Sponsored by Acme.",
    "It's Consider This from NPR.",
    "the message comes from the Kremlin",
    "Thank you.",
    "Transcript",
    "Discussion (0)",
    "It.Email us at x@npr.org.Learn more about sponsor message choices: a.com/adchoicesNPR "
    "Privacy Policy",
    "Leave a Reply",
    "Deja una respuesta",
    "Comments (2)",
    "Name *",
    "We use cookies to improve your experience.",
    "Accept all cookies",
    "A caption of a summit. Mikhail Metzel/Pool/AFP via Getty Images",
    "Kim arrived in Vladivostok aboard his armored train on Tuesday.",
    "and what North Korea might get out of it.",
    "",
    "   ",
]
_LINES = st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=40))
_DOCUMENTS = st.one_of(
    st.text(),
    st.lists(_LINES, max_size=14).map("\n".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_clean_only_removes_and_is_idempotent(text: str) -> None:
    result = clean_text(text)
    assert isinstance(result.text, str)
    assert _is_subsequence(_words(result.text), _words(text))
    again = clean_text(result.text)
    assert again.text == result.text
    assert again.removed == ()
