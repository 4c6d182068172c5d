"""`briefbot run`: every chat adapter whose token is set, in one asyncio process, one shared core.

Adapters start in order (Telegram, then Discord) and close in reverse, all within
`SHUTDOWN_SECONDS`, once SIGINT or SIGTERM arrives. An adapter that fails to start stops the
run: the ones already started are closed and the exit code is 1. Which adapters to build is
decided from the settings alone (tokens come from the environment), so a missing token or
extra is a one-line `RunError` the CLI prints, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.app import App
from bot.config import PLATFORMS
from bot.core.delivery import Sender
from bot.digest.scheduler import build_digest_scheduler
from bot.feed_poller import build_feed_poller
from bot.observability.http import open_http

log = logging.getLogger(__name__)

TOKEN_VARIABLES = {"telegram": "TELEGRAM_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN"}
SHUTDOWN_SECONDS = 10.0
SETUP_HINT = (
    "No chat platform token is set. Set TELEGRAM_BOT_TOKEN (pip install 'briefbot[telegram]') "
    "to run the Telegram bot and/or DISCORD_BOT_TOKEN (pip install 'briefbot[discord]') to run "
    "the Discord bot, or try the console bot with `briefbot chat`, which needs no token."
)


class Adapter(Protocol):
    @property
    def connected(self) -> bool: ...

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


class RunError(Exception):
    """Nothing to run (no token, extra not installed); str() is one line for the user."""


def build_adapters(app: App, only: str | None = None) -> list[tuple[str, Adapter]]:
    """(platform, adapter) for every platform with a token, or just `only`."""
    settings = app.settings
    tokens = {"telegram": settings.telegram_bot_token, "discord": settings.discord_bot_token}
    if only is not None and only not in PLATFORMS:
        raise RunError(f"unknown platform: {only} (choose from {', '.join(PLATFORMS)})")
    if only is not None and tokens[only] is None:
        raise RunError(
            f"{TOKEN_VARIABLES[only]} is not set, so the {only} bot cannot run. "
            f"Set it (pip install 'briefbot[{only}]'), or try `briefbot chat`, "
            "which needs no token."
        )
    chosen = [p for p in ([only] if only else PLATFORMS) if tokens[p] is not None]
    if not chosen:
        raise RunError(SETUP_HINT)
    adapters: list[tuple[str, Adapter]] = []
    for platform in chosen:
        token = tokens[platform]
        assert token is not None
        adapters.append((platform, _adapter(app, platform, token.get_secret_value())))
    return adapters


def _adapter(app: App, platform: str, token: str) -> Adapter:
    try:
        if platform == "telegram":
            from bot.adapters.telegram.adapter import TelegramAdapter

            return TelegramAdapter.from_settings(app.core, app.settings)
        from bot.adapters.discord.adapter import DiscordAdapter
    except ImportError:
        raise RunError(
            f"The {platform} extra is not installed: pip install 'briefbot[{platform}]'"
        ) from None
    discord = app.settings.discord
    return DiscordAdapter(
        app.core,
        token,
        guild_id=discord.guild_id,
        message_content_intent=discord.message_content_intent,
        on_blocked=lambda platform, chat_id: app.core.chat_unreachable(
            platform, chat_id, "the user does not accept DMs from the bot"
        ),
    )


async def run(
    app: App,
    adapters: Sequence[tuple[str, Adapter]],
    *,
    say: Callable[[str], None] = log.warning,
) -> int:
    """`serve` the adapters and, started after them and closed before them, the digest
    scheduler delivering through them; each one's state is a health check, and when
    `[http] enabled` the /healthz and /metrics endpoint is open for the whole run."""
    senders = {name: adapter for name, adapter in adapters if isinstance(adapter, Sender)}
    poller = build_feed_poller(app)
    adapters = [
        *adapters,
        ("digest scheduler", build_digest_scheduler(app, senders)),
        ("feed poller", poller),
    ]
    for name, adapter in adapters:
        app.health.register(name, lambda adapter=adapter: adapter.connected)
    app.health.register("feeds", poller.health)
    async with open_http(app.settings.http, app.health, app.metrics) as server:
        if server is not None:
            say(f"Health and metrics on {server.url}/healthz and {server.url}/metrics")
        return await serve(adapters, say=say)


async def serve(
    adapters: Sequence[tuple[str, Adapter]],
    *,
    say: Callable[[str], None] = log.warning,
    shutdown_seconds: float = SHUTDOWN_SECONDS,
) -> int:
    """Start the adapters, wait for SIGINT/SIGTERM, close them in reverse. The exit code."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows: Ctrl-C still works
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    opened: list[tuple[str, Adapter]] = []
    code = 0
    try:
        for name, adapter in adapters:
            opened.append((name, adapter))
            try:
                await adapter.start()
            except Exception as err:
                log.error("the %s bot failed to start: %s", name, type(err).__name__)
                say(f"The {_label(name)} could not start ({type(err).__name__}); stopping.")
                code = 1
                break
            say(f"The {_label(name)} is running.")
        else:
            say("Running; Ctrl-C to stop.")
            await stop.wait()
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
        closed = await _close_all(opened[::-1], shutdown_seconds, say)
    return code if closed else 1


async def _close_all(
    adapters: Sequence[tuple[str, Adapter]], seconds: float, say: Callable[[str], None]
) -> bool:
    clean = True
    try:
        async with asyncio.timeout(seconds):
            for name, adapter in adapters:
                try:
                    await adapter.aclose()
                    say(f"The {_label(name)} stopped.")
                except Exception:
                    log.exception("the %s bot did not close cleanly", name)
                    clean = False
    except TimeoutError:
        say(f"Shutdown took longer than {seconds:.0f} s; exiting anyway.")
        return False
    return clean


def _label(name: str) -> str:
    """What the run calls a part in its messages: "telegram bot", "digest scheduler"."""
    return f"{name} bot" if name in PLATFORMS else name
