"""Logs: human or JSON lines, and no token or secret in them, whoever logged it and however.

The end-to-end test runs the real Telegram adapter against the fake Bot API server with the
token in the environment, at DEBUG (httpx, PTB, aiosqlite and aiohttp all log), and greps both
pytest's capture and a JSON log file for the token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession
from fakes.telegram_api import running_fake_telegram

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import open_app
from bot.cli import main
from bot.config import HttpSettings, LoggingSettings, load_settings
from bot.observability.http import open_http
from bot.observability.logging import REDACTED, Redactor, configure_logging, secrets_of

DISCORD_SHAPED = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
TELEGRAM_SHAPED = "7345678901:AAHkq9xZ-yQ_abcdefghijklmnopqrstuvw"


@pytest.fixture
def restore_root() -> Iterator[None]:
    """configure_logging changes the root logger; put it back for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, message, args, exc_info)


def test_redactor_removes_configured_secrets_and_token_shapes() -> None:
    redactor = Redactor(["hook-secret-42"])
    cases = [
        f"POST https://api.telegram.org/bot{TELEGRAM_SHAPED}/getMe",
        f"Authorization: Bot {DISCORD_SHAPED}",
        "webhook secret_token=hook-secret-42 refused",
    ]
    for text in cases:
        out = record("%s", text)
        redactor.filter(out)
        assert REDACTED in out.getMessage()
        for secret in (TELEGRAM_SHAPED, DISCORD_SHAPED, "hook-secret-42"):
            assert secret not in out.getMessage()
    plain = record("answered chat %s in %d ms at 12:30", "-1001", 12)
    redactor.filter(plain)
    assert plain.getMessage() == "answered chat -1001 in 12 ms at 12:30"


def test_redactor_cleans_tracebacks_too() -> None:
    try:
        raise RuntimeError(f"could not reach /bot{TELEGRAM_SHAPED}/getUpdates")
    except RuntimeError as err:
        failed = record("polling failed", exc=err)
    Redactor().filter(failed)
    text = logging.Formatter().format(failed)
    assert "RuntimeError" in text
    assert TELEGRAM_SHAPED not in text


def test_secrets_of_finds_every_secret_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "tg-secret")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "dc-secret")
    assert set(secrets_of(load_settings(None))) >= {"tg-secret", "dc-secret"}


@pytest.mark.usefixtures("restore_root")
def test_json_format_is_one_object_a_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    setup = configure_logging(LoggingSettings(level="INFO", format="json", file=path))
    try:
        logging.getLogger("briefbot.test").info("hello %s", "world")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("briefbot.test").exception("it broke")
    finally:
        setup.restore()
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert first["message"] == "hello world"
    assert first["level"] == "INFO"
    assert first["logger"] == "briefbot.test"
    assert first["time"].endswith("+00:00")
    assert first["exc"] is None
    assert "ValueError: boom" in second["exc"]


@pytest.mark.usefixtures("restore_root")
async def test_a_full_run_never_logs_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "run.jsonl"
    async with running_fake_telegram() as fake:
        token = fake.TOKEN
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
        monkeypatch.setenv("DISCORD_BOT_TOKEN", DISCORD_SHAPED)
        monkeypatch.setenv("BRIEFBOT_LOGGING__LEVEL", "DEBUG")
        monkeypatch.setenv("BRIEFBOT_LOGGING__FORMAT", "json")
        monkeypatch.setenv("BRIEFBOT_LOGGING__FILE", str(path))
        settings = load_settings(None)
        setup = configure_logging(settings.logging, secrets_of(settings))
        caplog.set_level(logging.DEBUG)
        try:
            await _chat_once(settings, fake, tmp_path / "run.sqlite3")
        finally:
            setup.restore()

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    loggers = {line["logger"] for line in lines}
    assert {"telegram.ext.ExtBot", "aiohttp.access", "bot.observability.http"} <= loggers
    assert any(REDACTED in line["message"] for line in lines)
    assert any(line["exc"] and REDACTED in line["exc"] for line in lines)
    for secret in (token, token.split(":")[1], DISCORD_SHAPED):
        assert secret not in path.read_text()
        assert secret not in caplog.text
        assert all(secret not in r.getMessage() for r in caplog.records)


async def _chat_once(settings, fake, db: Path) -> None:  # type: ignore[no-untyped-def]
    token = settings.tokens["telegram"].get_secret_value()
    async with open_app(settings, db_path=db) as app:
        adapter = TelegramAdapter(app.core, token, fake.base_url, fake.base_file_url)
        await adapter.start()
        app.health.register("telegram", lambda: adapter.connected)
        http = HttpSettings(enabled=True, port=0)
        try:
            async with open_http(http, app.health, app.metrics) as server:
                assert server is not None
                fake.send_text(5, "what does Kim want?")
                await fake.wait_for_call("sendMessage")
                async with ClientSession() as client, client.get(server.url + "/healthz") as r:
                    assert r.status == 200
                log = logging.getLogger("briefbot.test")
                log.warning("a careless line with the token %s in it", token)
                try:
                    raise ConnectionError(f"POST {fake.base_url}{token}/getUpdates failed")
                except ConnectionError:
                    log.exception("and a careless traceback")
        finally:
            await adapter.aclose()
        assert not adapter.connected
        assert not (await app.health.run()).healthy


@pytest.mark.usefixtures("restore_root")
def test_the_cli_logs_json_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.jsonl"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_SHAPED)
    monkeypatch.setenv("BRIEFBOT_LOGGING__LEVEL", "DEBUG")
    monkeypatch.setenv("BRIEFBOT_LOGGING__FORMAT", "json")
    monkeypatch.setenv("BRIEFBOT_LOGGING__FILE", str(path))
    handlers = list(logging.getLogger().handlers)

    assert main(["ask", "--db", str(tmp_path / "c.sqlite3"), "what does Kim want?"]) == 0

    lines = path.read_text().splitlines()
    assert lines  # aiosqlite and asyncio log at DEBUG
    assert all(json.loads(line)["level"] for line in lines)
    assert TELEGRAM_SHAPED not in path.read_text() + capsys.readouterr().err
    assert logging.getLogger().handlers == handlers  # main() put logging back
