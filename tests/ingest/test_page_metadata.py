"""Web pages and feed entries: the date and author a page states are used, an e-mail address is
never shown as an author, and navigation or cookie text never becomes a passage."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.readers.feed import parse_feed
from knowledge.readers.html import html_document

PARAGRAPH = (
    "<p>The harbour board voted on Tuesday to rebuild the old pier before the winter storms, "
    "after a long meeting in which fishermen, ferry operators and the mayor all spoke.</p>"
)


def page(head: str = "", before: str = "") -> bytes:
    return f"""<!DOCTYPE html><html><head><title>Pier vote</title>{head}</head><body>
<div class="nav"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a>
 | <a href="/login">Sign in</a></div>
<div id="consent"><p>This site uses cookies. By continuing to browse the site you agree to our
use of cookies.</p><p>Accept and close</p></div>
<div class="story"><h1>Pier vote</h1>{before}{PARAGRAPH * 3}<p>Skip to next story</p>
<p>Most popular</p></div>
<div class="footer">About us | Contact | Terms of use</div></body></html>""".encode()


@pytest.mark.parametrize(
    ("head", "before"),
    [
        ('<meta property="article:published_time" content="2024-03-12T08:00:00Z">', ""),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
            '[{"@type": "NewsArticle", "datePublished": "2024-03-12T09:30:00+01:00"}]}</script>',
            "",
        ),
        ("", '<p><time datetime="2024-03-12">Tuesday</time></p>'),
    ],
)
@pytest.mark.parametrize("fast", [False, True])
def test_the_date_a_page_states_is_its_date(head: str, before: str, fast: bool) -> None:
    from knowledge.readers.html import extract_html

    _, front = extract_html(page(head, before), name="pier", url="https://x.test/p", fast=fast)
    assert front.date == "2024-03-12"


def test_the_author_comes_from_metadata_and_an_email_is_not_an_author() -> None:
    doc = html_document(page('<meta name="author" content="Dana Mills">'), name="pier")
    assert doc.meta.authors == ("Dana Mills",)
    doc = html_document(page('<meta name="author" content="dana@x.test">'), name="pier")
    assert doc.meta.authors == ()


def test_no_navigation_or_cookie_text_reaches_a_passage() -> None:
    doc = html_document(page(), name="pier", url="https://x.test/p")
    text = " ".join(p.text for p in doc.passages)
    for chrome in ("cookies", "Sign in", "Skip to next story", "Most popular", "Terms of use"):
        assert chrome not in text
    assert "rebuild the old pier" in text
    assert {p.section for p in doc.passages} == {""}


def test_rss_authors_given_as_email_show_the_name_or_nothing() -> None:
    items = "".join(
        f"<item><guid>g{n}</guid><title>Pier {n}</title><link>http://x.test/{n}</link>"
        f"<author>{author}</author><description>{PARAGRAPH}</description></item>"
        for n, author in enumerate(["dana@x.test (Dana Mills)", "lee@x.test"])
    )
    raw = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pier news</title>{items}'
    feed = parse_feed((raw + "</channel></rss>").encode(), name="pier.rss")
    authors = [e.document.meta.authors for e in feed.entries]
    assert authors == [("Dana Mills",), ()]


async def test_an_html_file_ingested_shows_its_date_in_the_attribution(app, tmp_path: Path):
    from helpers import console

    from bot.render.text import render_text

    path = tmp_path / "pier.html"
    path.write_bytes(page('<meta property="article:published_time" content="2024-03-12">'))
    await app.library.ingest([path])
    reply, _ = await app.core.ask(
        console(""), "when did the harbour board vote to rebuild the pier?"
    )
    assert "12 March 2024" in render_text(reply)
    assert "undated" not in render_text(reply)
