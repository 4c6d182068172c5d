"""Discord's interactive surface: the slash commands, timezone autocomplete and reply buttons.

The slash commands are built from the command catalogue (bot/core/catalogue.py): one per
advertised command, an option per argument, time zones autocompleted. Every slash command
maps to the same core text command a Telegram user types, e.g.
`/subscribe time:08:00 timezone:Europe/Berlin` becomes "/subscribe 08:00 Europe/Berlin", so
the core parses and validates one syntax for every platform.

Buttons are `DynamicItem`s matched by the custom_id template "briefbot:<action>": discord.py
routes every such press to `ActionButton.callback`, whatever the action and however old the
message (a restart included), with no view registered per message. Which actions are valid
is the core's call (`Core.press`), so buttons added later (feedback votes) need no change here.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from zoneinfo import available_timezones

from bot.adapters.discord.embed import CUSTOM_ID_PREFIX, MAX_CUSTOM_ID, buttons, custom_id
from bot.core.catalogue import ArgKind, Argument, Catalogue, ChatCommand
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


def command_tree(
    client: discord.Client, catalogue: Catalogue, run: RunCommand
) -> app_commands.CommandTree[Any]:
    """A slash command for each command the catalogue advertises; each callback only builds
    the core's text command (`ChatCommand.text`) and hands it on. Usable in DMs and servers
    alike (discord.py's default), as every command is."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    zones = tuple(sorted(available_timezones()))

    async def timezones(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(zones, current)]

    for declared in catalogue.menu():
        command = slash_command(declared, run)
        for argument in declared.arguments:
            if argument.kind is ArgKind.TIMEZONE:
                command.autocomplete(argument.name)(timezones)
        tree.add_command(command)
    return tree


def slash_command(declared: ChatCommand, run: RunCommand) -> app_commands.Command[Any, ..., None]:
    """One declaration as a slash command: an option per argument, typed by its kind (a flag
    is a true/false option, the rest strings), required as declared."""

    async def callback(interaction: discord.Interaction[Any], **values: str | bool | None) -> None:
        await run(interaction, declared.text(values))

    # discord.py reads the options from the callback's signature: give it one per argument.
    signature = inspect.Signature(
        [
            inspect.Parameter("interaction", _POSITIONAL, annotation=discord.Interaction),
            *(_parameter(a) for a in declared.arguments),
        ]
    )
    setattr(callback, "__signature__", signature)  # noqa: B010 (functions take any attribute)
    described = app_commands.describe(**{a.name: a.description for a in declared.arguments})
    return app_commands.Command(
        name=declared.name, description=declared.description, callback=described(callback)
    )


_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _parameter(argument: Argument) -> inspect.Parameter:
    kind: type = bool if argument.kind is ArgKind.FLAG else str
    default = inspect.Parameter.empty if argument.required else None
    return inspect.Parameter(argument.name, _POSITIONAL, annotation=kind, default=default)
