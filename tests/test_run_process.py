"""`briefbot run` as an operator starts it: a real process, its health endpoint, a question
through Telegram, SIGTERM, a clean exit, and no token in anything it logged."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiohttp import ClientSession
from fakes.telegram_api import running_fake_telegram

TIMEOUT = 20.0


async def read_until(stream: asyncio.StreamReader, wanted: str, seen: list[str]) -> str:
    async with asyncio.timeout(TIMEOUT):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"process ended before {wanted!r}: {seen[-5:]}")
            seen.append(line)
            if wanted in line:
                return line


async def test_briefbot_run_serves_health_answers_and_stops_cleanly(tmp_path) -> None:
    async with running_fake_telegram() as fake:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": fake.TOKEN,
            "BRIEFBOT_TELEGRAM__API_SERVER": fake.base_url.removesuffix("/bot"),
            "BRIEFBOT_HTTP__ENABLED": "true",
            "BRIEFBOT_HTTP__PORT": "0",
            "BRIEFBOT_LOGGING__LEVEL": "DEBUG",
            "BRIEFBOT_SEMANTIC__ENABLED": "off",
        }
        env.pop("DISCORD_BOT_TOKEN", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "run.sqlite3"),
            env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        seen: list[str] = []
        try:
            line = await read_until(process.stderr, "Health and metrics on ", seen)
            healthz = line.split("Health and metrics on ")[1].split(" and ")[0]
            await read_until(process.stderr, "Running; Ctrl-C to stop.", seen)
            async with ClientSession() as http, http.get(healthz) as response:
                status, body = response.status, await response.json()
            fake.send_text(5, "what does Kim want?")
            [answer] = await fake.wait_for_sent(chat_id=5, timeout=TIMEOUT)
            second = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "run.sqlite3"),
                env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, second_err = await asyncio.wait_for(second.communicate(), TIMEOUT)
            process.send_signal(signal.SIGTERM)
            _, rest = await asyncio.wait_for(process.communicate(), TIMEOUT)
            seen.append(rest.decode())
            code = process.returncode
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    log = "".join(seen)
    assert status == 200
    assert body["checks"]["telegram"] == "ok"
    assert "“" in answer["text"]
    assert code == 0
    assert second.returncode == 2  # a second copy on the same database does not start
    assert f"already running (pid {process.pid})" in second_err.decode()
    assert "The telegram bot stopped." in log
    assert "/bot<redacted>" in log  # PTB logged its API URL, token replaced
    assert fake.TOKEN not in log
    assert fake.TOKEN.split(":")[1] not in log


async def test_serve_health_serves_until_sigterm_then_exits_cleanly(tmp_path) -> None:
    env = {**os.environ, "BRIEFBOT_SEMANTIC__ENABLED": "off"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve-health", "--port", "0",
        "--db", str(tmp_path / "health.sqlite3"),
        env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    try:
        line = await read_until(process.stderr, "serving ", seen)
        healthz = line.split("serving ")[1].split(" and ")[0]
        async with ClientSession() as http, http.get(healthz) as response:
            status, body = response.status, await response.json()
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert status == 200
    assert body["checks"] == {"database": "ok"}
    assert process.returncode == 0
