"""`briefbot run`: both adapters in one process on one core, stopped by a real SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession
from fakes.discord_api import FakeDiscord, discord_base_url
from fakes.telegram_api import running_fake_telegram
from pydantic import SecretStr

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.platform import Capabilities, Platform
from bot.adapters.platforms import PLATFORMS
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.cli import main
from bot.config import HttpSettings, Settings
from bot.core.core import Core
from bot.digest.store import Subscription
from bot.runner import RunError, build_adapters, run, serve

TIMEOUT = 5.0


class Lines:
    """What `serve` says, awaitable line by line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._queue: asyncio.Queue[str] = asyncio.Queue()

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self._queue.put_nowait(line)

    async def until(self, wanted: str) -> None:
        async with asyncio.timeout(TIMEOUT):
            while await self._queue.get() != wanted:
                pass


async def test_both_bots_run_in_one_process_until_sigterm(app: App) -> None:
    said = Lines()
    async with running_fake_telegram() as tg, FakeDiscord() as dc:
        with discord_base_url(dc.base_url):
            adapters = [
                ("telegram", TelegramAdapter(app.core, tg.TOKEN, tg.base_url, tg.base_file_url)),
                ("discord", DiscordAdapter(app.core, dc.TOKEN, guild_ready_timeout=0.01)),
            ]
            run = asyncio.create_task(serve(adapters, say=said))
            await said.until("Running; Ctrl-C to stop.")
            tg.send_text(5, "what does Kim want?")
            dc.user_message("what does Kim want?", guild=False)
            [on_telegram] = await tg.wait_for_sent(chat_id=5, timeout=TIMEOUT)
            [on_discord] = await dc.wait_for_message(timeout=TIMEOUT)

            os.kill(os.getpid(), signal.SIGTERM)
            code = await asyncio.wait_for(run, TIMEOUT * 2)

    assert code == 0
    assert "“" in on_telegram["text"]
    assert "“" in on_discord["embeds"][0]["description"]
    assert said.lines[-2:] == ["The discord bot stopped.", "The telegram bot stopped."]
    assert not dc.gateway.connected


async def test_a_bot_that_cannot_start_stops_the_run_and_the_others_close(app: App) -> None:
    said = Lines()
    async with running_fake_telegram() as tg, FakeDiscord() as dc:
        with discord_base_url(dc.base_url):
            adapters = [
                ("telegram", TelegramAdapter(app.core, tg.TOKEN, tg.base_url, tg.base_file_url)),
                ("discord", DiscordAdapter(app.core, "not-the-token", guild_ready_timeout=0.01)),
            ]
            code = await asyncio.wait_for(serve(adapters, say=said), TIMEOUT * 2)

    assert code == 1
    assert "The discord bot could not start (LoginFailure); stopping." in said.lines
    assert said.lines[-2:] == ["The discord bot stopped.", "The telegram bot stopped."]


def test_adapters_are_built_for_the_tokens_that_are_set(app: App) -> None:
    settings = app.settings.model_copy(update={"tokens": {"discord": SecretStr("x")}})

    [(name, adapter)] = build_adapters(app.core, settings)

    assert name == "discord"
    assert isinstance(adapter, DiscordAdapter)
    with pytest.raises(RunError, match="TELEGRAM_BOT_TOKEN is not set"):
        build_adapters(app.core, settings, "telegram")
    with pytest.raises(RunError, match="unknown platform: slack"):
        build_adapters(app.core, settings, "slack")


@dataclass
class Echo:
    """The smallest chat adapter: connected between `start()` and `aclose()`."""

    token: str
    connected: bool = False

    async def start(self) -> None:
        self.connected = True

    async def aclose(self) -> None:
        self.connected = False


def echo_row(extra_missing: bool = False) -> Platform:
    def build(core: Core, settings: Settings, token: str) -> Echo:
        if extra_missing:
            raise ModuleNotFoundError("No module named 'echo_sdk'")
        return Echo(token)

    return Platform(
        name="echo",
        title="Echo",
        token_variable="ECHO_BOT_TOKEN",
        build=build,
        capabilities=Capabilities(markup="plain"),
        extra="echo",
    )


async def test_a_platform_row_is_all_the_runner_needs(app: App) -> None:
    table = (*PLATFORMS, echo_row())
    with pytest.raises(RunError) as no_token:
        build_adapters(app.core, app.settings, platforms=table)
    settings = app.settings.model_copy(update={"tokens": {"echo": SecretStr("e-1")}})

    [(name, echo)] = build_adapters(app.core, settings, platforms=table)
    assert isinstance(echo, Echo)
    said = Lines()
    task = asyncio.create_task(serve([(name, echo)], say=said))
    await said.until("Running; Ctrl-C to stop.")
    running = echo.connected
    os.kill(os.getpid(), signal.SIGTERM)
    code = await asyncio.wait_for(task, TIMEOUT)

    assert "ECHO_BOT_TOKEN (pip install 'briefbot[echo]') to run the Echo bot" in str(
        no_token.value
    )
    assert "TELEGRAM_BOT_TOKEN" in str(no_token.value)  # the real rows are still there
    assert (echo.token, running, echo.connected, code) == ("e-1", True, False, 0)
    assert said.lines == [
        "The echo bot is running.",
        "Running; Ctrl-C to stop.",
        "The echo bot stopped.",
    ]


def test_a_missing_extra_is_one_line_naming_it(app: App) -> None:
    settings = app.settings.model_copy(update={"tokens": {"echo": SecretStr("e-1")}})

    with pytest.raises(RunError) as missing:
        build_adapters(app.core, settings, platforms=(echo_row(extra_missing=True),))

    assert str(missing.value) == "The echo extra is not installed: pip install 'briefbot[echo]'"


def test_run_discord_without_its_token_says_what_to_set(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert main(["run", "discord", "--db", str(tmp_path / "r.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_BOT_TOKEN" in err
    assert "briefbot chat" in err


def zone_in_daytime() -> tuple[str, str]:
    """A zone where it is now between 02:00 and 22:59, and a time an hour ago there."""
    for zone in ("UTC", "Asia/Tokyo", "America/New_York"):
        local = datetime.now(ZoneInfo(zone))
        if 2 <= local.hour <= 22:
            return zone, f"{local.hour - 1:02d}:{local.minute:02d}"
    raise AssertionError("unreachable: these zones are never all at night")


async def test_the_run_reports_health_and_delivers_a_missed_digest(app: App) -> None:
    settings = app.settings.model_copy(update={"http": HttpSettings(enabled=True, port=0)})
    app = dataclasses.replace(app, settings=settings)
    zone, an_hour_ago = zone_in_daytime()
    missed = Subscription("telegram", "77", None, an_hour_ago, zone)
    await app.subscriptions.subscribe(missed, datetime.now(UTC))
    said = Lines()
    async with running_fake_telegram() as tg, FakeDiscord() as dc:
        with discord_base_url(dc.base_url):
            adapters = [
                ("telegram", TelegramAdapter(app.core, tg.TOKEN, tg.base_url, tg.base_file_url)),
                ("discord", DiscordAdapter(app.core, dc.TOKEN, guild_ready_timeout=0.01)),
            ]
            task = asyncio.create_task(run(app, adapters, say=said))
            await said.until("Running; Ctrl-C to stop.")
            url = next(line for line in said.lines if line.startswith("Health and metrics on "))
            healthz = url.removeprefix("Health and metrics on ").split(" and ")[0]
            async with ClientSession() as http, http.get(healthz) as response:
                status, body = response.status, await response.json()
            [digest] = await tg.wait_for_sent(chat_id=77, timeout=TIMEOUT)  # caught up at start
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(task, TIMEOUT * 2) == 0

    assert status == 200
    assert body["checks"] == {
        "database": "ok",
        "telegram": "ok",
        "discord": "ok",
        "digest scheduler": "ok",
        "feed poller": "ok",
        "feeds": "ok",
    }
    assert digest["text"].startswith("Briefing — ")
    assert said.lines[-4:] == [  # closed in reverse: the bots last
        "The feed poller stopped.",
        "The digest scheduler stopped.",
        "The discord bot stopped.",
        "The telegram bot stopped.",
    ]
