"""The command catalogue: every chat command declared once, every surface derived from it.

A `ChatCommand` says all there is to say about one command: its name, its arguments (each
with a kind a platform can specialise: free text, a time, a time zone, an on/off word), who
may use it, on which surfaces it is offered, its `/help` usage and line, and the handler that
answers it. From the one `Catalogue` the core dispatches and `/help` lists, Telegram publishes
its command menu, Discord builds its slash commands, and tests/test_catalogue.py checks the README's
command table (`Catalogue.markdown_table`).

The core declares its own commands (`Core.own_commands`); features ("wings") contribute theirs
from outside the core, e.g. `DigestCommands.commands()` (bot/digest/commands.py) and
`AdminCommands.commands()` (bot/core/admin.py), which bot/app.py hands to `Core(commands=…)`.
The core never imports a wing: it only calls the handlers declared here.

To add a command: write its handler (`async (Message, argument) -> Reply`) and add ONE
`ChatCommand(...)` to the `commands()` of the core or the wing it belongs to. Help, menus,
slash commands and the dispatch follow; then paste `Catalogue.markdown_table()` into the
README (tests/test_catalogue.py prints it when the README differs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from bot.core.model import Message, Reply

Handler = Callable[[Message, str], Awaitable[Reply]]
CONSOLE = frozenset({"console", "cli"})  # the platform names of the terminal surfaces
MAX_MENU_CHARS = 100  # Discord's limit on a slash command's description (Telegram's is 256)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class Audience(StrEnum):
    """Who may use a command (the handler refuses the rest; menus list only EVERYONE's)."""

    EVERYONE = "everyone"
    ADMINS = "admins"  # the users named in `ingest.admins`


class Surface(StrEnum):
    """Where a command is offered."""

    ANY = "any"
    CHAT = "chat"  # chat platforms only: scheduled delivery needs a chat to deliver to
    CONSOLE = "console"  # the terminal only (the console itself answers it, e.g. /quit)


class ArgKind(StrEnum):
    """What an argument holds, so a platform can offer the right input for it."""

    TEXT = "text"  # free text
    TIME = "time"  # a local time, HH:MM
    TIMEZONE = "timezone"  # an IANA zone, Area/City (Discord autocompletes it)
    FLAG = "flag"  # a word that is there or not, e.g. "quiet" (Discord: a true/false option)


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument: `name` is Discord's option name; `placeholder` is how usage shows it."""

    name: str
    placeholder: str
    description: str
    kind: ArgKind = ArgKind.TEXT
    required: bool = False

    @property
    def usage(self) -> str:
        return self.placeholder if self.required else f"[{self.placeholder}]"


@dataclass(frozen=True, slots=True)
class ChatCommand:
    """One command, declared once.

    `line`: what /help says after the usage. `summary`: what a menu says, when the line
    does not read well there (default: the line, capitalised). `in_help`: False for a
    second name of another command (/start, which the /help line mentions).
    `ingest_limited`: also counted against `access.ingest_rate_limit`. `handler` None: the
    surface answers it itself before the core sees it (the console's /quit)."""

    name: str
    line: str
    handler: Handler | None
    arguments: tuple[Argument, ...] = ()
    audience: Audience = Audience.EVERYONE
    surface: Surface = Surface.ANY
    summary: str = ""
    in_help: bool = True
    ingest_limited: bool = False

    @property
    def usage(self) -> str:
        """The command as /help shows it: "/subscribe [HH:MM] [Area/City] [quiet]"."""
        return " ".join((f"/{self.name}", *(a.usage for a in self.arguments)))

    @property
    def description(self) -> str:
        """For a menu beside the name (Discord's slash description): one short sentence."""
        if self.summary:
            return self.summary
        return self.line[:1].upper() + self.line[1:]

    @property
    def menu_line(self) -> str:
        """For a menu where arguments are typed (Telegram): "The answer, …: /ask QUESTION"."""
        return f"{self.description}: {self.usage}" if self.arguments else self.description

    @property
    def in_menus(self) -> bool:
        """Advertised in the platforms' menus: for everyone, and not the console's own."""
        return self.audience is Audience.EVERYONE and self.surface is not Surface.CONSOLE

    def offered_on(self, platform: str) -> bool:
        """Whether /help on `platform` lists it (the console lists no admin commands: sources
        are added from the shell there)."""
        if platform in CONSOLE:
            return self.surface is not Surface.CHAT and self.audience is Audience.EVERYONE
        return self.surface is not Surface.CONSOLE

    def text(self, values: dict[str, str | bool | None]) -> str:
        """The text command a platform's structured input stands for, arguments in order:
        {"time": "08:00", "quiet": True} -> "/subscribe 08:00 quiet"."""
        words = [f"/{self.name}"]
        for argument in self.arguments:
            value = values.get(argument.name)
            if argument.kind is ArgKind.FLAG:
                words += [argument.placeholder] if value is True else []
            elif isinstance(value, str) and value.strip():
                words.append(value.strip())
        return " ".join(words)


class Catalogue:
    """Every command in declaration order (the order of /help and of the menus), except that
    the console's own close the list, after every wing's."""

    def __init__(self, commands: Iterable[ChatCommand]) -> None:
        self._commands: dict[str, ChatCommand] = {}
        for command in sorted(commands, key=lambda c: c.surface is Surface.CONSOLE):
            _check(command)
            if command.name in self._commands:
                raise ValueError(f"/{command.name} is declared twice")
            self._commands[command.name] = command

    def __iter__(self) -> Iterator[ChatCommand]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def get(self, name: str) -> ChatCommand | None:
        return self._commands.get(name)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._commands)

    def menu(self) -> tuple[ChatCommand, ...]:
        """What the platforms advertise: Telegram's command menu, Discord's slash commands."""
        return tuple(c for c in self if c.in_menus)

    def answered_on_chats(self) -> tuple[str, ...]:
        """Every command a chat platform answers, advertised or not (admins' included)."""
        return tuple(c.name for c in self if c.surface is not Surface.CONSOLE)

    def help_for(self, platform: str) -> tuple[ChatCommand, ...]:
        """The commands /help lists on `platform`, in order."""
        return tuple(c for c in self if c.in_help and c.offered_on(platform))

    def table_rows(self) -> tuple[tuple[str, str, str], ...]:
        """(usage, what it does, who and where) per command: the README's table."""
        return tuple((c.usage, c.line, _who_and_where(c)) for c in self)

    def markdown_table(self) -> str:
        """The README's command table, to paste there (tests/test_catalogue.py checks it)."""
        lines = ["| command | what it does | who, where |", "| --- | --- | --- |"]
        lines += [f"| `{usage}` | {line} | {who} |" for usage, line, who in self.table_rows()]
        return "\n".join(lines)


def _who_and_where(command: ChatCommand) -> str:
    who = "admins (`ingest.admins`)" if command.audience is Audience.ADMINS else "everyone"
    where = {Surface.ANY: "", Surface.CHAT: ", chat platforms", Surface.CONSOLE: ", console"}
    return who + where[command.surface]


def _check(command: ChatCommand) -> None:
    """Fail at start-up, not on a platform: names and descriptions every platform accepts."""
    if not command.name or len(command.name) > 32 or set(command.name) - _NAME_CHARS:
        raise ValueError(f"/{command.name}: 1-32 lowercase letters, digits or _")
    if not 1 <= len(command.description) <= MAX_MENU_CHARS:
        raise ValueError(f"/{command.name}: a description of 1-{MAX_MENU_CHARS} characters")
    for argument in command.arguments:
        if not 1 <= len(argument.description) <= MAX_MENU_CHARS:
            raise ValueError(f"/{command.name} {argument.name}: a description too long")
