"""Health and metrics: the real core counts questions, the real aiohttp server reports them,
and /healthz turns 503 naming the part that failed (a closed database, a stopped adapter)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.app import App
from bot.config import HttpSettings
from bot.core.model import Message
from bot.migrations import open_store
from bot.observability.health import HealthRegistry
from bot.observability.http import HttpServer, open_http
from bot.observability.metrics import Metrics

LOCAL = HttpSettings(enabled=True, host="127.0.0.1", port=0)


def said(text: str, platform: str = "telegram") -> Message:
    return Message(platform=platform, chat_id="7", user_id="7", text=text)


async def get(url: str, accept: str = "*/*") -> tuple[int, str, str]:
    async with ClientSession() as http, http.get(url, headers={"Accept": accept}) as response:
        return response.status, response.headers["Content-Type"], await response.text()


@pytest.fixture
async def server(app: App) -> AsyncIterator[HttpServer]:
    async with open_http(LOCAL, app.health, app.metrics) as running:
        assert running is not None
        yield running


async def test_the_core_counts_questions_abstentions_and_latency(app: App) -> None:
    await app.core.handle(said("what does Kim want?"))
    await app.core.handle(said("/ask what does Putin want?", platform="discord"))
    await app.core.handle(said("who won the 2018 World Cup?"))
    await app.core.handle(said("/help"))  # not a question

    m = app.metrics
    assert m.value("briefbot_questions_total", {"platform": "telegram"}) == 2
    assert m.value("briefbot_questions_total", {"platform": "discord"}) == 1
    assert m.value("briefbot_abstentions_total", {"platform": "telegram"}) == 1
    assert m.value("briefbot_abstentions_total", {"platform": "discord"}) == 0
    assert m.value("briefbot_answer_latency_seconds_count", {"platform": "telegram"}) == 2
    assert m.value("briefbot_answer_latency_seconds_sum", {"platform": "telegram"}) > 0


async def test_metrics_endpoint_serves_prometheus_text(app: App, server: HttpServer) -> None:
    await app.core.handle(said("what does Kim want?"))
    app.metrics.digest_sent()
    app.metrics.digest_failed()
    app.metrics.platform_error("telegram", "NetworkError")

    status, content_type, body = await get(server.url + "/metrics")

    assert status == 200
    assert content_type.startswith("text/plain")
    assert 'briefbot_questions_total{platform="telegram"} 1.0' in body
    assert 'briefbot_answer_latency_seconds_bucket{le="+Inf",platform="telegram"} 1.0' in body
    assert "briefbot_digests_sent_total 1.0" in body
    assert "briefbot_digests_failed_total 1.0" in body
    assert 'briefbot_platform_errors_total{kind="NetworkError",platform="telegram"} 1.0' in body


async def test_metrics_speaks_openmetrics_when_asked(app: App, server: HttpServer) -> None:
    await app.core.handle(said("what does Kim want?"))

    status, content_type, body = await get(
        server.url + "/metrics", accept="application/openmetrics-text; version=1.0.0"
    )

    assert status == 200
    assert content_type.startswith("application/openmetrics-text")
    assert 'briefbot_questions_total{platform="telegram"} 1.0' in body
    assert body.endswith("# EOF\n")


def test_each_metrics_object_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.question("telegram", 0.01, abstained=False)
    assert first.value("briefbot_questions_total", {"platform": "telegram"}) == 1
    assert second.value("briefbot_questions_total", {"platform": "telegram"}) == 0


async def test_healthz_is_200_when_every_part_is_healthy(app: App, server: HttpServer) -> None:
    app.health.register("telegram", lambda: True)

    status, content_type, body = await get(server.url + "/healthz")

    assert status == 200
    assert content_type.startswith("application/json")
    assert '"status": "ok"' in body
    assert '"database": "ok"' in body
    assert '"telegram": "ok"' in body


async def test_healthz_is_503_naming_a_stopped_scheduler(app: App, server: HttpServer) -> None:
    app.health.register("scheduler", lambda: False)

    status, _, body = await get(server.url + "/healthz")

    assert status == 503
    assert '"scheduler": "not ready"' in body
    assert '"database": "ok"' in body


async def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    store = await open_store(tmp_path / "h.sqlite3")
    health = HealthRegistry()
    health.register("database", store.ping)
    async with open_http(LOCAL, health, Metrics()) as server:
        assert server is not None
        assert (await get(server.url + "/healthz"))[0] == 200
        await store.aclose()

        status, _, body = await get(server.url + "/healthz")

    assert status == 503
    assert '"database": "error: ' in body


async def test_a_hanging_check_fails_within_its_timeout() -> None:
    never = asyncio.Event()

    async def hangs() -> bool:
        await never.wait()
        return True

    health = HealthRegistry(timeout=0.05)
    health.register("discord", hangs)
    report = await health.run()
    assert not report.healthy
    assert report.checks == {"discord": "no answer within 0.05s"}


async def test_http_is_off_by_default(app: App) -> None:
    assert app.settings.http.enabled is False
    async with open_http(app.settings.http, app.health, app.metrics) as server:
        assert server is None
