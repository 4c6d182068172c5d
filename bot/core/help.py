"""`/start` and `/help`: what the bot knows, how to ask on the surface the person is on, and
every command with one line each.

The one place that lists the chat commands, so /help cannot drift from the command table: a
command shows only when the core has a handler for it, and a surface that cannot use one (the
console has no daily delivery, and adds sources from the shell) says what to do instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.model import Message, Reply
from bot.whatsnew import commands as whatsnew
from knowledge.models import Source

CONSOLE = frozenset({"console", "cli"})
UNLISTED = frozenset({"start"})  # the same as /help, said on its line


@dataclass(frozen=True, slots=True)
class CommandDoc:
    name: str
    usage: str
    line: str
    admin: bool = False
    chat_only: bool = False  # needs a chat platform: scheduled delivery, or admin rights there

    @property
    def menu_line(self) -> str:
        """For a platform's command menu: "The answer, …: /ask QUESTION"."""
        line = self.line[:1].upper() + self.line[1:]
        return f"{line}: {self.usage}" if " " in self.usage else line


COMMANDS: tuple[CommandDoc, ...] = (
    CommandDoc("help", "/help", "this overview (/start says the same)"),
    CommandDoc("ask", "/ask QUESTION", "the answer, quoted word for word from the sources"),
    CommandDoc("more", "/more", "the next passages for the last question here"),
    CommandDoc("why", "/why", "how the last answer was found: search terms, scores, choices"),
    CommandDoc("sources", "/sources", "each source with its id, outlet, people, date"),
    CommandDoc(whatsnew.NAME, whatsnew.USAGE, whatsnew.HELP_LINE),
    CommandDoc("digest", "/digest", "today's briefing digest, now"),
    CommandDoc(
        "subscribe",
        "/subscribe [HH:MM] [Area/City]",
        "the digest here every day at that local time",
        chat_only=True,
    ),
    CommandDoc("unsubscribe", "/unsubscribe", "stop the daily digest here", chat_only=True),
    CommandDoc(
        "settings", "/settings", "this chat's digest time and last delivery", chat_only=True
    ),
    CommandDoc("ingest", "/ingest URL", "add a web page, PDF, text file or feed", admin=True),
    CommandDoc("forget", "/forget SOURCE_ID", "remove a source (its id: /sources)", admin=True),
)
CONSOLE_ONLY = (CommandDoc("quit", "/quit", "leave (or Ctrl-C, Ctrl-D)"),)


def how_to_ask(message: Message) -> str:
    """How a question is put on this surface: typing, /ask, a mention, a reply."""
    if message.platform in CONSOLE:
        return (
            "Type a question and press Enter; no /ask needed. A follow-up such as "
            "“and …?” is read against your last question. ↑ and ↓ recall earlier lines."
        )
    if message.platform == "discord":
        if message.is_private:
            return "Write your question here, or use the /ask command."
        return (
            "In a server channel: the /ask command, or mention me with your question, or "
            "reply to one of my messages. In a direct message, just write."
        )
    if message.platform == "telegram":
        if message.is_private:
            return "Write your question here, or send /ask QUESTION."
        return (
            "In a group: /ask QUESTION, or mention me with your question, or reply to one "
            "of my messages. In a private chat with me, just write."
        )
    return "Ask with /ask QUESTION, or write to me directly."


def command_lines(message: Message, available: Collection[str]) -> list[str]:
    """One line per command this chat can use; the console notes what lives elsewhere."""
    console = message.platform in CONSOLE
    shown = [
        c for c in COMMANDS if c.name in available and not (console and (c.chat_only or c.admin))
    ]
    if console:
        shown += CONSOLE_ONLY
    width = max(len(c.usage) for c in shown) if console else 0  # columns only in monospace
    lines = ["Commands:"]
    for command in shown:
        admin = " (admins only)" if command.admin else ""
        usage = f"  {command.usage.ljust(width)}  " if console else f"{command.usage} — "
        lines.append(f"{usage}{command.line}{admin}")
    if console and {"subscribe", "ingest"} & set(available):
        lines.append(
            "Daily digests are delivered in Telegram and Discord (briefbot run); sources are "
            "added from the shell: briefbot ingest PATH_OR_URL, briefbot forget SOURCE_ID."
        )
    return lines


def help_reply(
    sources: Sequence[Source],
    story: str,
    examples: Sequence[str],
    message: Message,
    available: Collection[str],
) -> Reply:
    known = tuple(f"• {s.meta.title} ({s.meta.outlet}, {s.meta.display_date})" for s in sources)
    return Reply(
        title=f"Briefing bot — {story}" if story else "Briefing bot",
        body=(
            "I answer questions by quoting the sources below, word for word, with who said it "
            "and where. If they don't cover something, I say so.",
            *known,
            "",
            how_to_ask(message),
            "",
            *command_lines(message, available),
        ),
        footer=tuple(f"Try: {q}" for q in examples),
    )
