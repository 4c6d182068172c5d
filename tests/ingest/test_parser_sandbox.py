"""Parsing untrusted files happens in a limited worker process: a parser that hangs, eats
memory or dies gives a clean "could not read that file", and the bot keeps answering."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import open_app
from bot.config import load_settings
from knowledge.documents import DocumentError
from knowledge.readers.sandbox import ParseLimits, ParserPool
from tests import hostile_parsers as hostile

BOUND = 60.0  # seconds any one await may take on a loaded machine before the test fails


class Signals:
    """A local server whose /started request sets an event (the worker calls it)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/started", self._started)
        app.router.add_get("/page.html", self._page)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _started(self, request: web.Request) -> web.Response:
        self.started.set()
        return web.Response(text="ok")

    async def _page(self, request: web.Request) -> web.Response:
        body = "<html><body><p>" + "A page about a summit and its guests. " * 20 + "</p>"
        return web.Response(text=body, content_type="text/html")


@pytest.fixture
async def signals() -> AsyncIterator[Signals]:
    served = Signals()
    await served.start()
    yield served
    await served.aclose()


@pytest.fixture
async def pool() -> AsyncIterator[ParserPool]:
    parser = ParserPool(ParseLimits(timeout=3.0, memory_megabytes=512))
    yield parser
    await parser.aclose()


@pytest.mark.parametrize(
    ("parse", "why"),
    [
        (hostile.sleeps, "longer than 3 s"),
        (functools.partial(hostile.allocates, megabytes=2048), "more than 512 MB"),
        (hostile.dies, "the parser stopped on it"),
    ],
    ids=["hangs", "eats-memory", "dies"],
)
async def test_a_hostile_parser_gives_a_clean_error_and_the_next_file_is_read(
    pool: ParserPool, parse, why: str
):
    with pytest.raises(DocumentError, match=f"evil.pdf: could not read that file.*{why}"):
        await asyncio.wait_for(pool.run("evil.pdf", parse), BOUND)
    assert await asyncio.wait_for(pool.run("next.txt", hostile.echoes, "fine"), BOUND) == "FINE"


async def test_questions_are_answered_while_a_file_is_being_parsed(
    tmp_path: Path, signals: Signals
):
    settings = load_settings(None, ingest={"parse_timeout": 20.0, "allow_private_networks": True})
    async with open_app(settings, db_path=tmp_path / "sandbox.sqlite3") as app:
        ingestor = app.library.ingestor
        ingestor.reader = functools.partial(hostile.sleeps_reading, f"{signals.url}/started")
        ingest = asyncio.create_task(app.library.ingest_url(f"{signals.url}/page.html"))
        await asyncio.wait_for(signals.started.wait(), BOUND)  # the worker is parsing now
        answer, _ = await asyncio.wait_for(app.library.answer("What does Kim want?"), 5.0)
        assert not answer.abstained  # answered from the bundled sources while the parse hangs
        assert not ingest.done()
        [report] = await asyncio.wait_for(ingest, BOUND)
    assert report.failed
    assert "could not read that file" in report.detail


async def test_a_file_too_slow_to_parse_is_refused_cleanly_and_a_good_one_is_read(
    tmp_path: Path,
):
    slow = tmp_path / "huge.html"
    paragraphs = (
        f"<p>Report {n}: officials at port {n % 17} discussed shipment {n} at length.</p>"
        for n in range(40_000)
    )
    slow.write_text(f"<html><body><article>{''.join(paragraphs)}</article></body></html>")
    good = tmp_path / "notes.html"
    good.write_text(
        "<html><head><title>Port notes</title></head><body><article><p>"
        + "Officials at the port discussed grain shipments by rail at length. " * 12
        + "</p></article></body></html>"
    )
    settings = load_settings(None, store={"bundled_sources": False}, ingest={"parse_timeout": 0.5})
    async with open_app(settings, db_path=tmp_path / "files.sqlite3") as app:
        reports = await asyncio.wait_for(app.library.ingest([slow, good]), BOUND)
    by_name = {Path(r.path).name: r for r in reports}
    assert by_name["huge.html"].failed
    assert (
        "could not read that file (parsing took longer than 0.5 s)" in by_name["huge.html"].detail
    )
    assert by_name["notes.html"].status == "added"


async def test_closing_does_not_wait_for_a_hung_parse(signals: Signals):
    parser = ParserPool(ParseLimits(timeout=600.0))
    hung = asyncio.create_task(parser.run("evil.pdf", hostile.sleeps, f"{signals.url}/started"))
    await asyncio.wait_for(signals.started.wait(), BOUND)
    await asyncio.wait_for(parser.aclose(), 10.0)  # not the 600 s the parse was allowed
    with pytest.raises(DocumentError, match="could not read that file"):
        await asyncio.wait_for(hung, BOUND)
