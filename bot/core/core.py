"""The platform-neutral bot: one `handle` for texts, one `press` for buttons, both return a Reply.

Adapters call in and render what comes back; the core never calls an adapter. It holds no
per-chat state in memory: the last question of each chat (for /more) lives in the store, so
buttons keep working after a restart and across several running copies.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from bot.core import replies
from bot.core.commands import parse_command
from bot.core.model import Message, Reply, ReplyKind
from knowledge.answer import Answer
from knowledge.library import Library
from knowledge.text import sanitize

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
DIGEST_COMMANDS = frozenset({"digest", "subscribe", "unsubscribe", "settings"})
Handler = Callable[[Message, str], Awaitable[Reply]]


class Core:
    def __init__(
        self,
        library: Library,
        *,
        story: str = "",
        examples: tuple[str, ...] = (),
        extra_commands: Mapping[str, Handler] | None = None,
    ):
        self._library = library
        self._story = story
        self._examples = examples
        self._commands: dict[str, Handler] = {
            "start": self._help,
            "help": self._help,
            "ask": self._ask_command,
            "sources": self._sources,
            "more": self._more,
        }
        self._commands.update(extra_commands or {})  # e.g. bot.core.admin's /ingest, /forget

    @property
    def examples(self) -> tuple[str, ...]:
        return self._examples

    async def handle(self, message: Message) -> Reply:
        """Answer one inbound text; every failure becomes a short apology, never a traceback."""
        try:
            return await self._dispatch(message)
        except Exception:
            log.exception("failed to handle a %s message", message.platform)
            return Reply(
                kind=ReplyKind.ERROR,
                body=("Sorry, something went wrong on my side. Please try again in a moment.",),
            )

    async def press(self, message: Message, action: str) -> Reply:
        """A button tap; `action` comes from `Button.action` and is validated here."""
        if action == "more":
            return await self.handle(replace(message, text="/more"))
        return replies.hint("That button has expired. Ask the question again.")

    async def ask(self, message: Message, question: str) -> tuple[Reply, Answer | None]:
        """Answer a question and remember it for /more; also returns the raw answer (CLI, eval)."""
        question = sanitize(question).strip()
        if not question:
            return replies.hint("Ask me something, e.g. /ask " + self._example()), None
        truncated = len(question) > MAX_MESSAGE_CHARS
        question = question[:MAX_MESSAGE_CHARS]
        answer, _ = await self._library.answer(question)
        await self._library.store.remember_question(
            message.platform, message.chat_id, question, answer.next_offset
        )
        reply = replies.answer_reply(answer, question=_title(question))
        if truncated:
            note = f"(I read the first {MAX_MESSAGE_CHARS:,} characters of your message.)"
            reply = replace(reply, footer=(*reply.footer, note))
        return reply, answer

    async def _dispatch(self, message: Message) -> Reply:
        command = parse_command(sanitize(message.text))
        if not command.name:
            return (await self.ask(message, command.argument))[0]
        handler = self._commands.get(command.name)
        if handler is not None:
            return await handler(message, command.argument)
        if command.name in DIGEST_COMMANDS:
            return replies.hint("The daily digest is not available yet; it is coming soon.")
        return replies.hint(
            f"I don't know /{command.name}. Try /help, or ask with /ask QUESTION, "
            f"e.g. /ask {self._example()}"
        )

    async def _help(self, message: Message, argument: str) -> Reply:
        return replies.help_reply(await self._library.sources(), self._story, self._examples)

    async def _ask_command(self, message: Message, argument: str) -> Reply:
        return (await self.ask(message, argument))[0]

    async def _sources(self, message: Message, argument: str) -> Reply:
        return replies.sources_reply(await self._library.sources())

    async def _more(self, message: Message, argument: str) -> Reply:
        last = await self._library.store.last_question(message.platform, message.chat_id)
        if last is None:
            return replies.hint("There is no earlier question in this chat. Ask one first.")
        question, shown = last
        answer, _ = await self._library.answer(question, offset=shown)
        if answer.result.abstained:
            return replies.hint("I had no answer to your last question, so there is nothing more.")
        await self._library.store.remember_question(
            message.platform, message.chat_id, question, answer.next_offset
        )
        return replies.answer_reply(answer, question=f"More on: {_title(question)}")

    def _example(self) -> str:
        return self._examples[0] if self._examples else "what does Kim want?"


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= 120 else text[:119] + "…"
