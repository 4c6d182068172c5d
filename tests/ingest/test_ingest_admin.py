"""Admins add and remove sources from a chat; remembered feeds are polled; the CLI does both."""

from __future__ import annotations

import asyncio

from bot.app import App
from bot.cli import main
from bot.core.model import Message, ReplyKind
from bot.feed_poller import FeedPoller
from knowledge.ingest import IngestReport
from tests.web_sources import SourceServer


def say(text: str, user: str = "boss") -> Message:
    return Message(platform="console", chat_id="room", user_id=user, text=text)


async def test_non_admins_get_a_polite_refusal_and_nothing_changes(web_app: App, server):
    before = len(await web_app.library.sources())
    for text in (f"/ingest {server.url('article.html')}", "/forget carnegie-panda-2023-09"):
        reply = await web_app.core.handle(say(text, user="someone-else"))
        assert reply.kind is ReplyKind.REFUSAL
        assert "only the bot's admins" in reply.body[0]
    assert len(await web_app.library.sources()) == before


async def test_admin_ingests_a_url_and_forgets_it_by_the_id_sources_shows(web_app: App, server):
    reply = await web_app.core.handle(say(f"/ingest {server.url('article.html')}"))
    assert reply.body[0].startswith("Added kim-goes-shopping-in-the-russian-far-")
    listing = await web_app.core.handle(say("/sources"))
    line = next(b for b in listing.body if "Kim Goes Shopping" in b)
    source_id = line.rsplit("id: ", 1)[1]
    reply = await web_app.core.handle(say(f"/forget {source_id}"))
    assert reply.body == (f"Forgot {source_id}: its passages are no longer quoted.",)
    listing = await web_app.core.handle(say("/sources"))
    assert not any("Kim Goes Shopping" in b for b in listing.body)
    reply = await web_app.core.handle(say(f"/forget {source_id}"))
    assert "There is no source with id" in reply.body[0]


async def test_admin_commands_explain_their_usage_and_failures(web_app: App, server):
    assert "Usage: /ingest URL" in (await web_app.core.handle(say("/ingest"))).body[0]
    assert "Usage: /ingest URL" in (await web_app.core.handle(say("/ingest notes.txt"))).body[0]
    assert "Usage: /forget SOURCE_ID" in (await web_app.core.handle(say("/forget"))).body[0]
    reply = await web_app.core.handle(say("/ingest ftp://example.test/x"))
    assert reply.kind is ReplyKind.ERROR
    assert "only http:// and https://" in reply.body[0]


async def test_the_poller_ingests_new_entries_of_remembered_feeds(web_app: App, server):
    server.rss_entries = [("p1", "Grain deal", "Russia will ship grain to Rajin this winter.")]
    await web_app.library.ingestor.add_feed(server.url("feed.rss"))
    server.rss_entries.append(("p2", "Port visit", "A naval delegation toured Wonsan shipyard."))
    polled: asyncio.Queue[list[IngestReport]] = asyncio.Queue()
    poller = FeedPoller(web_app.library, 3600.0, on_poll=polled.put_nowait)
    await poller.start()
    try:
        reports = await asyncio.wait_for(polled.get(), timeout=5)
    finally:
        await poller.aclose()
    assert [r.status for r in reports] == ["unchanged", "added"]
    titles = {s.meta.title for s in await web_app.library.sources()}
    assert "Port visit" in titles


def run_cli(*args: str) -> int:
    return main(list(args))


async def test_cli_ingests_urls_and_remembers_feeds(
    tmp_path, server: SourceServer, capsys, monkeypatch
):
    monkeypatch.setenv("BRIEFBOT_INGEST__ALLOW_PRIVATE_NETWORKS", "true")  # server: 127.0.0.1
    db = ["--db", str(tmp_path / "cli.sqlite3")]
    server.rss_entries = [("c1", "Grain deal", "Russia will ship grain to Rajin this winter.")]
    assert await asyncio.to_thread(run_cli, "ingest", *db, server.url("article.html")) == 0
    assert await asyncio.to_thread(run_cli, "feeds", "add", *db, server.url("feed.rss")) == 0
    assert await asyncio.to_thread(run_cli, "feeds", "list", *db) == 0
    assert await asyncio.to_thread(run_cli, "ingest", *db, "file:///etc/passwd") == 1
    out = capsys.readouterr().out
    assert "added" in out
    assert "remembered: " + server.url("feed.rss") in out
    assert "Summit Wire" in out
    assert "only http:// and https://" in out
