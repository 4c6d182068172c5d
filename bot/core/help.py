"""`/start` and `/help`: what the bot knows, how to ask on the surface the person is on, and
every command with one line each.

The commands come from the catalogue (bot/core/catalogue.py), so /help cannot drift from what
the core answers: a surface that cannot use a command (the console has no daily delivery, and
adds sources from the shell) leaves it out and says what to do instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalogue import CONSOLE, Audience, Catalogue
from bot.core.model import Message, Reply
from knowledge.models import Source

CONSOLE_NOTE = (
    "Daily digests are delivered in Telegram and Discord (briefbot run); sources are "
    "added from the shell: briefbot ingest PATH_OR_URL, briefbot forget SOURCE_ID."
)


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


def command_lines(message: Message, catalogue: Catalogue) -> list[str]:
    """One line per command this chat can use; the console notes what lives elsewhere."""
    console = message.platform in CONSOLE
    shown = catalogue.help_for(message.platform)
    width = max((len(c.usage) for c in shown), default=0) if console else 0  # monospace only
    lines = ["Commands:"]
    for command in shown:
        admin = " (admins only)" if command.audience is Audience.ADMINS else ""
        usage = f"  {command.usage.ljust(width)}  " if console else f"{command.usage} — "
        lines.append(f"{usage}{command.line}{admin}")
    elsewhere = [c for c in catalogue if c.in_help and not c.offered_on(message.platform)]
    if console and elsewhere:
        lines.append(CONSOLE_NOTE)
    return lines


def help_reply(
    sources: Sequence[Source],
    story: str,
    examples: Sequence[str],
    message: Message,
    catalogue: Catalogue,
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
            *command_lines(message, catalogue),
        ),
        footer=tuple(f"Try: {q}" for q in examples),
    )
