"""One catalogue, every surface: the README's table, /help, Telegram's menu and Discord's slash
commands all list exactly the declared commands; a new command is one declaration."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fakes.discord_api import FakeDiscord, discord_base_url
from fakes.telegram_api import running_fake_telegram
from helpers import console

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.core.catalogue import ArgKind, Argument, Audience, Catalogue, ChatCommand, Surface
from bot.core.core import Core
from bot.core.model import Message, Reply
from bot.render.text import render_text

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 5.0
STRING, BOOLEAN = 3, 5  # Discord's option types


def readme_command_table() -> list[tuple[str, ...]]:
    """The (usage, what it does, who and where) rows of the table under "## Using it in a
    chat"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = readme.split("## Using it in a chat", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| command |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        usage, *rest = (cell.strip() for cell in line.strip().strip("|").split(" | "))
        rows.append((usage.strip("`"), *rest))
    return rows


async def test_the_readme_command_table_is_the_catalogue(app: App) -> None:
    catalogue = app.core.catalogue
    assert readme_command_table() == list(catalogue.table_rows()), (
        f"paste this table into the README:\n{catalogue.markdown_table()}"
    )


async def test_the_telegram_menu_is_the_catalogues(app: App) -> None:
    async with running_fake_telegram() as fake:
        bot = TelegramAdapter(app.core, fake.TOKEN, fake.base_url, fake.base_file_url)
        await bot.start()
        try:
            [menu] = fake.commands.values()
        finally:
            await bot.aclose()
    assert [(c["command"], c["description"]) for c in menu] == [
        (c.name, c.menu_line) for c in app.core.catalogue.menu()
    ]
    assert {"ingest", "forget", "quit"}.isdisjoint(c["command"] for c in menu)


@pytest.fixture
async def discord_fake() -> Any:
    async with FakeDiscord() as server:
        with discord_base_url(server.base_url):
            yield server


async def test_the_discord_slash_commands_are_the_catalogues(
    app: App, discord_fake: FakeDiscord
) -> None:
    bot = DiscordAdapter(
        app.core, FakeDiscord.TOKEN, guild_ready_timeout=0.01, ready_timeout=TIMEOUT
    )
    await bot.start()
    try:
        synced = {c["name"]: c for c in discord_fake.commands}
        assert list(synced) == [c.name for c in app.core.catalogue.menu()]
        for declared in app.core.catalogue.menu():
            command = synced[declared.name]
            assert command["description"] == declared.description
            options = [
                (o["name"], o["type"], o.get("required", False)) for o in command.get("options", [])
            ]
            want = [
                (a.name, BOOLEAN if a.kind is ArgKind.FLAG else STRING, a.required)
                for a in declared.arguments
            ]
            assert sorted(options) == sorted(want), declared.name
        zone = next(o for o in synced["subscribe"]["options"] if o["name"] == "timezone")
        assert zone["autocomplete"] is True

        subscribe = discord_fake.slash_command(
            "subscribe", {"time": "07:30", "timezone": "Asia/Seoul", "quiet": True}
        )
        answer = (
            await discord_fake.wait_for_message(
                predicate=lambda m: m["interaction_id"] == subscribe["id"], timeout=TIMEOUT
            )
        )[0]
    finally:
        await bot.aclose()
    assert "07:30 Asia/Seoul" in answer["content"]
    assert "Quiet: only on days with a new source" in answer["content"]


async def test_a_new_command_is_one_declaration(app: App) -> None:
    """Declared once by a wing: answered, listed by /help, advertised, its argument typed."""

    async def echo(message: Message, argument: str) -> Reply:
        return Reply(body=(f"echo: {argument}",))

    shout = Argument("words", "WORDS", "What to say", ArgKind.TEXT, required=True)
    core = Core(app.library, commands=(ChatCommand("echo", "say it back", echo, (shout,)),))

    assert (await core.handle(console("/echo hello"))).body == ("echo: hello",)
    help_lines = render_text(await core.handle(console("/help"))).splitlines()
    assert any(re.fullmatch(r"  /echo WORDS +say it back", line) for line in help_lines)
    assert core.catalogue.menu()[-1].menu_line == "Say it back: /echo WORDS"
    assert core.catalogue.get("echo").text({"words": "hi"}) == "/echo hi"  # type: ignore[union-attr]


def test_a_command_is_declared_once() -> None:
    async def handler(message: Message, argument: str) -> Reply:
        return Reply()

    with pytest.raises(ValueError, match="declared twice"):
        Catalogue([ChatCommand("help", "one", handler), ChatCommand("help", "two", handler)])
    with pytest.raises(ValueError, match="lowercase"):
        Catalogue([ChatCommand("Help", "one", handler)])


async def test_admin_and_chat_only_commands_stay_off_the_console_help(app: App) -> None:
    text = render_text(await app.core.handle(console("/help")))
    for command in app.core.catalogue:
        shown = re.search(rf"^  /{command.name}\b", text, re.MULTILINE) is not None
        hidden = command.audience is Audience.ADMINS or command.surface is Surface.CHAT
        assert shown == (command.in_help and not hidden), command.name


def test_the_core_imports_nothing_above_it() -> None:
    """bot.core is the bottom of the chat layer: features and platforms plug into it."""
    above = re.compile(r"^\s*(from|import) bot\.(digest|render|app|adapters|runner|cli)\b", re.M)
    for path in (ROOT / "bot" / "core").glob("*.py"):
        assert not above.search(path.read_text(encoding="utf-8")), path.name
