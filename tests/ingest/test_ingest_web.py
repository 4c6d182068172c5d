"""Adding sources from the web: pages, PDFs, text, feeds, and everything that can go wrong.

Every fixture is served by a local aiohttp server (tests/web_sources.py); each failure must
come back as one clear line and leave the index exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.core.model import Message
from tests.web_sources import ARTICLE, text_pdf


async def snapshot(app: App) -> tuple[list[str], int]:
    sources = await app.library.sources()
    return sorted(s.meta.id for s in sources), await app.store.passage_count()


async def test_a_served_article_becomes_a_source_with_its_metadata(web_app, server):
    [report] = await web_app.library.ingest_url(server.url("article.html"))
    assert report.status == "added", report.detail
    source = next(s for s in await web_app.library.sources() if s.meta.id == report.source_id)
    assert source.meta.title == "Kim Goes Shopping in the Russian Far East"
    assert source.meta.authors == ("Mira Castellano",)
    assert source.meta.date == "2023-09-15"
    assert source.meta.outlet == "The Harbour Review"
    assert source.meta.url == server.url("article.html")
    result = await web_app.library.search("Komsomolsk aircraft factory")
    texts = " ".join(h.passage.text for h in result.hits)
    assert "Komsomolsk-on-Amur" in texts
    assert "Subscribe" not in texts
    assert "Leave a Reply" not in texts


async def test_same_url_is_unchanged_and_same_text_elsewhere_is_a_duplicate(web_app, server):
    [first] = await web_app.library.ingest_url(server.url("article.html"))
    before = await snapshot(web_app)
    [again] = await web_app.library.ingest_url(server.url("article.html"))
    [mirror] = await web_app.library.ingest_url(server.url("mirror/article.html"))
    assert again.status == "unchanged"
    assert (mirror.status, mirror.source_id) == ("duplicate", first.source_id)
    assert await snapshot(web_app) == before


async def test_acceptance_third_source_is_listed_and_quoted_beside_the_founding_two(
    web_app, server
):
    await web_app.library.ingest_url(server.url("article.html"))
    listing = await web_app.core.handle(_console("/sources", user="anyone"))
    assert len(listing.body) == 3
    assert all("id: " in line for line in listing.body)
    reply = await web_app.core.handle(_console("What does Kim want?", user="anyone"))
    titles = {c.title for c in reply.citations}
    assert "Kim Goes Shopping in the Russian Far East" in titles
    assert len(titles) == 3, titles


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("big.html", "larger than the"),
        ("loop", "more than 3 redirects"),
        ("slow", "could not fetch that address"),  # no port-scanner hints: one message
        ("to-file", "could not fetch that address"),
        ("image-only.html", "no readable text"),
        ("blank.pdf", "no text layer"),
        ("picture.png", "image/png, not a web page"),
        ("file:///etc/passwd", "only http:// and https:// addresses can be ingested, not file://"),
        ("ftp://example.test/notes.txt", "not ftp://"),
    ],
)
async def test_a_bad_url_is_refused_clearly_and_nothing_is_written(
    web_app, server, target, message
):
    url = target if "://" in target else server.url(target)
    before = await snapshot(web_app)
    [report] = await web_app.library.ingest_url(url)
    assert report.failed
    assert message in report.detail
    assert url in report.detail
    assert await snapshot(web_app) == before


async def test_malformed_html_still_yields_its_text(web_app, server):
    [report] = await web_app.library.ingest_url(server.url("malformed.html"))
    assert report.status == "added", report.detail
    result = await web_app.library.search("briefed reporters hotel Vladivostok")
    assert any("briefed reporters" in h.passage.text for h in result.hits)


@pytest.mark.parametrize(
    ("target", "words"),
    [("latin1.txt", "Gérard Araud, a former French ambassador"), ("cp1252.txt", "governor’s")],
)
async def test_non_utf8_text_is_decoded(web_app, server, target, words):
    [report] = await web_app.library.ingest_url(server.url(target))
    assert report.status == "added", report.detail
    result = await web_app.library.search(words)
    assert any(words in h.passage.text for h in result.hits)


async def test_a_pdf_is_read_with_its_title_and_author(web_app, server):
    [report] = await web_app.library.ingest_url(server.url("paper.pdf"))
    assert report.status == "added", report.detail
    source = next(s for s in await web_app.library.sources() if s.meta.id == report.source_id)
    assert (source.meta.title, source.meta.authors) == ("Briefing Paper", ("Ada Brennan",))
    result = await web_app.library.search("sanctions monitors oil deliveries")
    assert "to North Korea exceeded the cap" in result.hits[0].passage.text


async def test_an_atom_feed_gives_one_source_per_entry(web_app, server):
    reports = await web_app.library.ingest_url(server.url("atom.xml"))
    assert [r.status for r in reports] == ["added", "added"]
    metas = {s.meta.title: s.meta for s in await web_app.library.sources()}
    assert metas["Rail link talks"].authors == ("Olek Varga",)
    assert metas["Rail link talks"].outlet == "Far East Notes"
    assert metas["Fishing rights"].date == "2023-09-16"


GRAIN = "Russia agreed to ship grain to North Korea through the port of Rajin this winter."
PORT = "A Russian naval delegation visited Wonsan and toured the shipyard with local officials."


async def test_a_feed_with_duplicate_and_updated_entries(web_app, server):
    ingestor = web_app.library.ingestor
    server.rss_entries = [("a1", "Grain deal", GRAIN), ("a1", "Grain deal", GRAIN)]
    server.rss_entries.append(("b2", "Port visit", PORT))
    server.rss_entries.append(("c3", "Port visit (copy)", PORT))
    new, reports = await ingestor.add_feed(server.url("feed.rss"))
    assert new
    assert [r.status for r in reports] == ["added", "added", "added"]
    grain_id = reports[0].source_id

    server.rss_entries[0] = ("a1", "Grain deal", GRAIN.replace("this winter", "by December"))
    server.rss_entries.append(("d4", "Port visit", PORT))  # same title and text, new guid
    reports = await ingestor.poll_feeds()
    assert [(r.status, r.source_id == grain_id) for r in reports][:1] == [("updated", True)]
    assert [r.status for r in reports][1:] == ["unchanged", "unchanged", "duplicate"]
    result = await web_app.library.search("grain Rajin")
    texts = [h.passage.text for h in result.hits if h.source.id == grain_id]
    assert texts == [GRAIN.replace("this winter", "by December")]
    again, _ = await ingestor.add_feed(server.url("feed.rss"))
    assert not again
    [feed] = await ingestor.feeds()
    assert (feed.title, feed.entries, feed.last_error) == ("Summit Wire", 4, "")


async def test_a_feed_url_that_is_not_a_feed_is_not_remembered(web_app, server):
    new, [report] = await web_app.library.ingestor.add_feed(server.url("article.html"))
    assert not new
    assert "not an RSS or Atom feed" in report.detail
    assert await web_app.library.ingestor.feeds() == []


async def test_a_failing_write_rolls_back_the_source_and_its_url(web_app, server):
    async with web_app.store.transaction() as db:
        await db.execute(
            "CREATE TRIGGER poison BEFORE INSERT ON passages WHEN new.text LIKE '%Pacific Fleet%'"
            " BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
        )
    before = await snapshot(web_app)
    with pytest.raises(Exception, match="disk trouble"):
        await web_app.library.ingest_url(server.url("article.html"))
    assert await snapshot(web_app) == before
    rows = await web_app.store.reader.execute_fetchall(
        "SELECT count(*) FROM source_urls WHERE url LIKE 'http%'"
    )
    assert next(iter(rows))[0] == 0


async def test_local_html_and_pdf_files_are_ingested(web_app, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "harbour.html").write_text(ARTICLE, encoding="utf-8")
    (folder / "paper.pdf").write_bytes(text_pdf(["One line of text about tractors and grain."]))
    (folder / "ignored.png").write_bytes(b"\x89PNG")
    reports = await web_app.library.ingest([folder])
    assert [(Path(r.path).name, r.status) for r in reports] == [
        ("harbour.html", "added"),
        ("paper.pdf", "added"),
    ]


def _console(text: str, *, user: str) -> Message:
    return Message(platform="console", chat_id="c1", user_id=user, text=text)
