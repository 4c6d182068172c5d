"""Fetching cannot stall ingest: one URL has a total deadline however slowly its server
trickles or redirects, feeds are polled a few at a time, and /healthz says "stuck" when a poll
round overruns. All against slow local servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import App, open_app
from bot.config import load_settings
from bot.feed_poller import FeedPoller
from tests.fakes.clock import FakeClock
from tests.web_sources import rss

BOUND = 30.0  # seconds any one await may take on a loaded machine before the test fails


class SlowServer:
    """Trickles a page, redirects slowly, and serves feeds that wait for `release`."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.requested = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.all_in = asyncio.Event()  # `expected` feed requests in flight together
        self.expected = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/trickle.html", self._trickle)
        app.router.add_get("/hop/{n}", self._hop)
        app.router.add_get("/feed/{n}.rss", self._feed)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def aclose(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        for _ in range(2_000):  # bounded: ~100 s of one byte every 50 ms (read timeout: 1 s)
            await response.write(b" ")
            await asyncio.sleep(0.05)
        return response

    async def _hop(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.2)  # each redirect well inside the timeouts, the chain is not
        raise web.HTTPFound(f"/hop/{int(request.match_info['n']) + 1}")

    async def _feed(self, request: web.Request) -> web.Response:
        n = request.match_info["n"]
        self.requested.set()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.in_flight >= self.expected:
            self.all_in.set()
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        body = rss([(f"entry-{n}", f"Entry {n}", f"Notes number {n} about grain by rail. " * 8)])
        return web.Response(body=body.encode(), content_type="application/rss+xml")


@pytest.fixture
async def slow() -> AsyncIterator[SlowServer]:
    served = SlowServer()
    await served.start()
    yield served
    await served.aclose()


def settings(**ingest: object):
    ingest.setdefault("allow_private_networks", True)  # the slow server is on 127.0.0.1
    return load_settings(None, store={"bundled_sources": False}, ingest=ingest)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """Fetches that must end within 1 s in all."""
    hasty = settings(read_timeout=1.0, fetch_deadline=1.0, max_redirects=100)
    async with open_app(hasty, db_path=tmp_path / "stalls.sqlite3") as opened:
        yield opened


@pytest.fixture
async def patient(tmp_path: Path) -> AsyncIterator[App]:
    """Feeds polled two at a time, with time enough for the slow server's feeds."""
    relaxed = settings(read_timeout=BOUND, fetch_deadline=BOUND, feed_concurrency=2)
    async with open_app(relaxed, db_path=tmp_path / "feeds.sqlite3") as opened:
        yield opened


@pytest.mark.parametrize("path", ["trickle.html", "hop/0"], ids=["trickles", "redirects"])
async def test_a_url_has_a_total_deadline(app: App, slow: SlowServer, path: str):
    [report] = await asyncio.wait_for(app.library.ingest_url(f"{slow.url}/{path}"), BOUND)
    assert report.failed
    assert "longer than 1 s in all" in report.detail


async def test_feeds_are_polled_concurrently_up_to_the_limit(patient: App, slow: SlowServer):
    app = patient
    for n in range(5):
        await app.library.ingestor.registry.add_feed(f"{slow.url}/feed/{n}.rss", f"Feed {n}")
    slow.expected = 2
    poll = asyncio.create_task(app.library.poll_feeds())
    await asyncio.wait_for(slow.all_in.wait(), BOUND)  # two at once, not one after another
    slow.release.set()
    reports = await asyncio.wait_for(poll, BOUND)
    assert sorted(r.status for r in reports) == ["added"] * 5
    assert slow.most_in_flight == 2  # never more than ingest.feed_concurrency


async def test_healthz_says_feeds_stuck_while_a_poll_round_overruns(patient: App, slow: SlowServer):
    app = patient
    await app.library.ingestor.registry.add_feed(f"{slow.url}/feed/0.rss", "Feed 0")
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    polled = asyncio.Event()
    poller = FeedPoller(app.library, 60.0, on_poll=lambda _: polled.set(), clock=clock)
    app.health.register("feeds", poller.health)
    await poller.start()
    try:
        await asyncio.wait_for(slow.requested.wait(), BOUND)
        assert (await app.health.run()).checks["feeds"] == "ok"  # within its interval
        clock.advance(seconds=61)
        report = await app.health.run()
        assert report.checks["feeds"] == "stuck"
        assert not report.healthy
        slow.release.set()
        await asyncio.wait_for(polled.wait(), BOUND)
        assert (await app.health.run()).checks["feeds"] == "ok"
    finally:
        await poller.aclose()
