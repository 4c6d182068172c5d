"""`briefbot run`: every chat adapter whose token is set, in one asyncio process, one shared core.

Which platforms exist, and how each is built, is the platform table (bot/adapters/platforms.py);
this module only loops over it. Adapters start in table order and close in reverse, all within
`SHUTDOWN_SECONDS`, once SIGINT or SIGTERM arrives. An adapter that fails to start stops the
run: the ones already started are closed and the exit code is 1. Which adapters to build is
decided from the settings alone (tokens come from the environment), so a missing token or
extra is a one-line `RunError` the CLI prints, never a traceback.

This is an entry module, like the CLI: it takes the opened `App` and hands each feature only
the parts it uses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bot.adapters.platform import Adapter, Platform, RunError
from bot.adapters.platforms import PLATFORMS, SEND_LIMITS
from bot.app import App
from bot.config import Settings
from bot.core.core import Core
from bot.core.delivery import Sender
from bot.digest.scheduler import build_digest_scheduler
from bot.feed_poller import FeedPoller
from bot.observability.http import open_http
from bot.stop_signal import stop_requested

__all__ = ["RunError", "build_adapters", "run", "serve", "setup_hint"]

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 10.0
SERVICES = ("digest scheduler", "feed poller")  # what the run starts besides the chat bots


def setup_hint(platforms: Sequence[Platform] = PLATFORMS) -> str:
    """What to set when no platform has a token: each platform's variable and extra."""
    each = " and/or ".join(
        f"{p.token_variable} ({p.install}) to run the {p.title} bot" for p in platforms
    )
    return (
        f"No chat platform token is set. Set {each}, or try the console bot with "
        "`briefbot chat`, which needs no token."
    )


def build_adapters(
    core: Core,
    settings: Settings,
    only: str | None = None,
    *,
    platforms: Sequence[Platform] = PLATFORMS,
) -> list[tuple[str, Adapter]]:
    """(platform, adapter) for every platform with a token, or just `only`."""
    named = {p.name: p for p in platforms}
    if only is not None and only not in named:
        raise RunError(f"unknown platform: {only} (choose from {', '.join(named)})")
    if only is not None and only not in settings.tokens:
        wanted = named[only]
        raise RunError(
            f"{wanted.token_variable} is not set, so the {only} bot cannot run. "
            f"Set it ({wanted.install}), or try `briefbot chat`, which needs no token."
        )
    chosen = [p for p in platforms if p.name in settings.tokens and only in (None, p.name)]
    if not chosen:
        raise RunError(setup_hint(platforms))
    return [(p.name, p.adapter(core, settings, _token(settings, p))) for p in chosen]


def _token(settings: Settings, platform: Platform) -> str:
    return settings.tokens[platform.name].get_secret_value()


async def run(
    app: App,
    adapters: Sequence[tuple[str, Adapter]],
    *,
    say: Callable[[str], None] = log.warning,
) -> int:
    """`serve` the adapters and, started after them and closed before them, the digest
    scheduler delivering through them; each one's state is a health check, and when
    `[http] enabled` the /healthz and /metrics endpoint is open for the whole run."""
    settings = app.settings
    senders = {name: adapter for name, adapter in adapters if isinstance(adapter, Sender)}
    scheduler = build_digest_scheduler(
        app.subscriptions,
        app.digests,
        senders,
        settings.digest,
        metrics=app.metrics,
        admits=app.core.admits,
        clock=app.clock,
        limits=SEND_LIMITS,
        scope_of=app.core.chat_scope,
    )
    poller = FeedPoller(app.library, settings.ingest.feed_poll_minutes * 60, clock=app.clock)
    parts: list[tuple[str, Adapter]] = [*adapters, (SERVICES[0], scheduler), (SERVICES[1], poller)]
    for name, part in parts:
        app.health.register(name, _connected(part))
    app.health.register("feeds", poller.health)
    async with open_http(settings.http, app.health, app.metrics) as server:
        if server is not None:
            say(f"Health and metrics on {server.url}/healthz and {server.url}/metrics")
        return await serve(parts, say=say)


def _connected(part: Adapter) -> Callable[[], bool]:
    """The part's health check: is it connected (running) now."""
    return lambda: part.connected


async def serve(
    adapters: Sequence[tuple[str, Adapter]],
    *,
    say: Callable[[str], None] = log.warning,
    shutdown_seconds: float = SHUTDOWN_SECONDS,
) -> int:
    """Start the adapters, wait for SIGINT/SIGTERM, close them in reverse. The exit code."""
    opened: list[tuple[str, Adapter]] = []
    code = 0
    try:
        async with stop_requested() as stop:
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
    finally:  # the signal handlers are gone: a second Ctrl-C interrupts a stuck shutdown
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
    return name if name in SERVICES else f"{name} bot"
