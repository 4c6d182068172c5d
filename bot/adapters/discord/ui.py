"""Discord's interactive surface: the slash commands, timezone autocomplete and reply buttons.

Every slash command maps to the same core text command a Telegram user types, e.g.
`/subscribe time:08:00 timezone:Europe/Berlin` becomes "/subscribe 08:00 Europe/Berlin", so
the core parses and validates one syntax for every platform.

Buttons are `DynamicItem`s matched by the custom_id template "briefbot:<action>": discord.py
routes every such press to `ActionButton.callback`, whatever the action and however old the
message (a restart included), with no view registered per message. Which actions are valid
is the core's call (`Core.press`), so buttons added later (feedback votes) need no change here.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from zoneinfo import available_timezones

from bot.adapters.discord.embed import CUSTOM_ID_PREFIX, MAX_CUSTOM_ID, buttons, custom_id
from bot.core.model import Reply

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop (voice)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

RunCommand = Callable[[discord.Interaction[Any], str], Awaitable[None]]
MAX_CHOICES = 25  # Discord's limit on autocomplete choices


class PressHandler(Protocol):
    """What `ActionButton` needs from the client: where to send a press."""

    async def briefbot_press(self, interaction: discord.Interaction[Any], action: str) -> None:
        """Handle a press of one of our buttons."""


_TEMPLATE = rf"{CUSTOM_ID_PREFIX}(?P<action>.{{1,{MAX_CUSTOM_ID - len(CUSTOM_ID_PREFIX)}}})"


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_TEMPLATE):
    """A button whose custom_id carries the core action, so it works after a restart."""

    def __init__(self, action: str, label: str = "…") -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label, custom_id=custom_id(action), style=discord.ButtonStyle.secondary
        )
        super().__init__(button)
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: Any,
        /,
    ) -> ActionButton:
        return cls(match["action"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if hasattr(client, "briefbot_press"):
            await client.briefbot_press(interaction, self.action)


def view_for(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons as a persistent view (no timeout), or None when it has none."""
    items = [ActionButton(b.action, b.label) for b in buttons(reply)]
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def zone_choices(zones: tuple[str, ...], current: str) -> list[str]:
    """Time zones matching what the user typed: prefix matches first, then the rest."""
    needle = current.strip().lower().replace(" ", "_")
    starts = [z for z in zones if z.lower().startswith(needle)]
    contains = [z for z in zones if needle in z.lower() and not z.lower().startswith(needle)]
    return (starts + contains)[:MAX_CHOICES]


def command_tree(client: discord.Client, run: RunCommand) -> app_commands.CommandTree[Any]:
    """The slash commands; each callback only builds the core's text command and hands it on."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    zones = tuple(sorted(available_timezones()))

    async def timezones(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(zones, current)]

    @tree.command(description="Ask a question; the answer quotes the sources")
    @app_commands.describe(question="e.g. what does Kim want?")
    async def ask(interaction: discord.Interaction[Any], question: str) -> None:
        await run(interaction, f"/ask {question}")

    @tree.command(description="What I know and how to ask")
    async def help(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/help")

    @tree.command(description="List the sources")
    async def sources(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/sources")

    @tree.command(description="More passages for the last question here")
    async def more(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/more")

    @tree.command(description="How the last answer here was found")
    async def why(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/why")

    @tree.command(description="What arrived or changed since this channel last looked")
    @app_commands.describe(since="e.g. 24h, 3d, since monday (default: since you last looked)")
    async def new(interaction: discord.Interaction[Any], since: str | None = None) -> None:
        await run(interaction, f"/new {since or ''}".strip())

    @tree.command(description="Today's digest, now")
    async def digest(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/digest")

    @tree.command(description="Daily digest here, at a local time")
    @app_commands.describe(time="HH:MM, e.g. 08:00", timezone="Area/City, e.g. Europe/Berlin")
    @app_commands.autocomplete(timezone=timezones)
    async def subscribe(
        interaction: discord.Interaction[Any], time: str | None = None, timezone: str | None = None
    ) -> None:
        await run(interaction, " ".join(p for p in ("/subscribe", time, timezone) if p))

    @tree.command(description="Stop the daily digest here")
    async def unsubscribe(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/unsubscribe")

    @tree.command(description="Show this channel's digest settings")
    async def settings(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/settings")

    return tree
