"""The platform-neutral bot: one `handle` for texts, one `press` for buttons, both return a Reply.

Adapters call in and render what comes back; the core never calls an adapter. It holds no
per-chat state in memory: the last question of each chat (for /more) lives in the store, so
buttons keep working after a restart and across several running copies.

What every platform shares also lives here: the chat allowlist and per-user rate limit
(`Guard`), the question log and its 👍/👎 votes, which updates were already handled, and which
chats are unreachable or have moved (`ChatStore`). Adapters only report platform events.

Which commands exist is the catalogue's (bot/core/catalogue.py): the core declares its own
(`own_commands`), features hand theirs in (`commands=`), and dispatch, /help and the
platforms' menus all read that one list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from bot.chat_store import ChatStore
from bot.core import feedback, replies
from bot.core.catalogue import Argument, Catalogue, ChatCommand, Surface
from bot.core.commands import parse_command
from bot.core.guard import Guard
from bot.core.help import help_reply
from bot.core.model import Message, Reply, ReplyKind
from bot.core.why import why_reply
from bot.storage import ChatRecords
from knowledge.answer import Answer
from knowledge.collections import Scope
from knowledge.followup import resolve
from knowledge.library import Library
from knowledge.text import sanitize

if TYPE_CHECKING:
    from bot.observability.metrics import Metrics

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000
Handler0 = Callable[[Message], Awaitable[Reply]]


class Scopes(Protocol):
    """Which collections a chat searches (bot/collections/scopes.py `ChatScopes`)."""

    async def scope(self, platform: str, chat_id: str) -> Scope: ...

    async def header(self, scope: Scope, answer: Answer) -> str: ...

    async def titles(self, scope: Scope) -> tuple[str, ...]: ...


class Everywhere:
    """Every chat searches every collection (a core built without collections)."""

    async def scope(self, platform: str, chat_id: str) -> Scope:
        return None

    async def header(self, scope: Scope, answer: Answer) -> str:
        return ""

    async def titles(self, scope: Scope) -> tuple[str, ...]:
        return ()


class Core:
    def __init__(
        self,
        library: Library,
        *,
        story: str = "",
        examples: tuple[str, ...] = (),
        metrics: Metrics | None = None,
        chats: ChatRecords | None = None,
        guard: Guard | None = None,
        commands: Iterable[ChatCommand] = (),
        scopes: Scopes | None = None,
    ):
        """`commands`: the wings' declarations (the digest's, the admins'), after the core's
        own in /help and the menus."""
        self._library = library
        self._metrics = metrics
        self._story = story
        self._examples = examples
        self._chats: ChatRecords = chats if chats is not None else ChatStore(library.store)
        self._guard = guard if guard is not None else Guard()
        self._scopes: Scopes = scopes if scopes is not None else Everywhere()
        self._catalogue = Catalogue((*self.own_commands(), *commands))

    def own_commands(self) -> tuple[ChatCommand, ...]:
        """The core's commands; the console's /quit is answered by the console itself."""
        question = Argument(
            "question", "QUESTION", "Your question, in your own words", required=True
        )
        return (
            ChatCommand(
                "start",
                "the same as /help",
                self._help,
                summary="What I know and how to ask",
                in_help=False,
            ),
            ChatCommand("help", "this overview (/start says the same)", self._help),
            ChatCommand(
                "ask",
                "the answer, quoted word for word from the sources",
                self._ask_command,
                (question,),
            ),
            ChatCommand("more", "the next passages for the last question here", self._more),
            ChatCommand(
                "why", "how the last answer was found: search terms, scores, choices", self._why
            ),
            ChatCommand("sources", "each source with its id, outlet, people, date", self._sources),
            ChatCommand("quit", "leave (or Ctrl-C, Ctrl-D)", None, surface=Surface.CONSOLE),
        )

    @property
    def catalogue(self) -> Catalogue:
        """Every command this core answers: /help, the platforms' menus and slash commands."""
        return self._catalogue

    @property
    def examples(self) -> tuple[str, ...]:
        return self._examples

    async def handle(self, message: Message) -> Reply:
        """Answer one inbound text; every failure becomes a short apology, never a traceback."""
        return await self._safely(message, self._admitted)

    async def press(self, message: Message, action: str) -> Reply:
        """A button tap; `action` comes from `Button.action` and is validated here.

        Like a message, a press is refused outside the allowlist and counts against the rate
        limit ("more" is counted once, as the /more it stands for)."""
        if action == "more":
            return await self.handle(replace(message, text="/more"))

        async def pressed(message: Message) -> Reply:
            if refusal := self._rate_limited(message):  # a notification, not a chat message
                return feedback.toast(refusal.body[0])
            vote = feedback.parse_vote(action)
            if vote is None:
                return replies.hint("That button has expired. Ask the question again.")
            return await self._vote(message, *vote)

        return await self._safely(message, pressed)

    async def inline(self, message: Message) -> Reply:
        """An inline query (`@bot question` typed in any chat): an answer without buttons.

        Not remembered for /more and not logged: platforms send one query per pause in typing.
        """

        async def answer(message: Message) -> Reply:
            question = sanitize(message.text).strip()[:MAX_MESSAGE_CHARS]
            if not question:
                return replies.hint(f"Type a question after my name, e.g. {self._example()}")
            if refusal := self._rate_limited(message):
                return refusal
            scope = await self.scope_of(message)
            found, _ = await self._library.answer(question, scope=scope)
            reply = await self._headed(scope, found, question=_title(question))
            return replace(reply, buttons=())

        return await self._safely(message, answer)

    async def scope_of(self, message: Message) -> Scope:
        """The collections this chat searches (None: every one); the digest asks too."""
        return await self._scopes.scope(message.platform, message.chat_id)

    async def chat_scope(self, platform: str, chat_id: str) -> Scope:
        return await self._scopes.scope(platform, chat_id)

    async def _headed(
        self, scope: Scope, answer: Answer, *, question: str, reading_as: str = ""
    ) -> Reply:
        """The answer's reply; searched in several collections, its header names the one the
        quotes come from."""
        reply = replies.answer_reply(answer, question=question, reading_as=reading_as)
        header = await self._scopes.header(scope, answer)
        return replace(reply, body=(header, *reply.body)) if header else reply

    def admits(self, platform: str, chat_id: str) -> bool:
        """Is the chat inside `access.allowed_chats`? (The digest scheduler asks too.)"""
        return self._guard.admits(platform, chat_id)

    # -- platform events the adapters report -----------------------------------------------
    async def first_time(self, platform: str, update_key: str) -> bool:
        """Whether an update is new (claimed now); a platform re-sending it is answered once."""
        try:
            return await self._chats.first_time(platform, update_key)
        except Exception:  # better a rare duplicate than a lost question
            log.exception("could not record %s update %s", platform, update_key)
            return True

    async def chat_unreachable(self, platform: str, chat_id: str, reason: str) -> None:
        """The bot was blocked or removed: mark the chat inactive (until it writes again)."""
        await self._chats.set_active(platform, chat_id, False, reason)

    def platform_error(self, platform: str, kind: str) -> None:
        """An adapter hit an error talking to its platform: counted in /metrics by kind."""
        if self._metrics is not None:
            self._metrics.platform_error(platform, kind)

    async def chat_moved(self, platform: str, old_chat_id: str, new_chat_id: str) -> None:
        """A group was upgraded (Telegram: migrate_to_chat_id): its state follows it."""
        await self._chats.move_chat(platform, old_chat_id, new_chat_id)

    # -- internals -------------------------------------------------------------------------
    async def _safely(self, message: Message, step: Handler0) -> Reply:
        if not self._guard.admits(message.platform, message.chat_id):
            return feedback.not_allowed()
        try:
            return await step(message)
        except Exception:
            log.exception("failed to handle a %s message", message.platform)
            return replies.sorry()

    async def _admitted(self, message: Message) -> Reply:
        reason = await self._chats.inactive_reason(message.platform, message.chat_id)
        if reason is not None and not reason.startswith("migrated"):  # unblocked: it wrote again
            await self._chats.set_active(message.platform, message.chat_id, True)
        return await self._dispatch(message)

    def _rate_limited(self, message: Message) -> Reply | None:
        wait = self._guard.wait_before_asking(message.platform, message.user_id)
        if wait <= 0:
            return None
        return feedback.slow_down(self._guard.limit, self._guard.window, wait)

    def _ingest_limited(self, message: Message) -> Reply | None:
        guard = self._guard
        wait = guard.wait_before_ingesting(message.platform, message.user_id)
        if wait <= 0:
            return None
        limits = guard.ingests
        return feedback.slow_down(limits.limit, limits.window, wait, what="/ingest requests")

    async def _vote(self, message: Message, question_id: int, vote: int) -> Reply:
        logged = await self._chats.question(question_id)
        if logged is None or (logged.platform, logged.chat_id) != (
            message.platform,
            message.chat_id,
        ):
            return feedback.toast(feedback.VOTE_EXPIRED)
        previous = await self._chats.vote(question_id, message.user_id, vote)
        return feedback.vote_ack(vote, previous)

    async def ask(
        self, message: Message, question: str, *, within: Scope = None
    ) -> tuple[Reply, Answer | None]:
        """Answer a question and remember it for /more; also returns the raw answer (CLI, eval).
        `within`: these collections instead of the chat's (`briefbot ask --collection`)."""
        question = sanitize(question).strip()
        if not question:
            return replies.hint("Ask me something, e.g. /ask " + self._example()), None
        truncated = len(question) > MAX_MESSAGE_CHARS
        question = question[:MAX_MESSAGE_CHARS]
        last = await self._chats.last_question(message.platform, message.chat_id)
        names = await self._library.names()
        resolved = resolve(question, last[0] if last else None, is_name=names.is_name)
        asked = question  # the title shows the person's own words; the note, how they were read
        question = resolved.question  # "and Putin?" -> "what does Putin want?"
        started = time.perf_counter()
        scope = within if within is not None else await self.scope_of(message)
        if resolved.reasons and last:
            answer = await self._library.reasons(question, resolved.previous, last[1], scope=scope)
        else:
            answer, _ = await self._library.answer(question, scope=scope)
        elapsed = time.perf_counter() - started
        if self._metrics is not None:
            self._metrics.question(message.platform, elapsed, abstained=answer.abstained)
        reply = await self._headed(
            scope,
            answer,
            question=_title(asked),
            reading_as=question if resolved.rewritten else "",
        )
        try:
            question_id = await self._chats.record_answer(  # /more state and log, one transaction
                message.platform,
                message.chat_id,
                message.user_id,
                question,
                answer.next_offset,
                abstained=answer.abstained,
                latency_ms=elapsed * 1000,
            )
        except Exception as exc:  # disk full, database locked: the answer is already computed
            log.warning("question not logged (%s): answered without vote buttons", _kind(exc))
        else:
            reply = _with_votes(reply, question_id)
        if truncated:
            note = f"(I read the first {MAX_MESSAGE_CHARS:,} characters of your message.)"
            reply = replace(reply, footer=(*reply.footer, note))
        return reply, answer

    async def _dispatch(self, message: Message) -> Reply:
        command = parse_command(sanitize(message.text))
        if refusal := self._rate_limited(message):  # every command and question counts
            return refusal
        declared = self._catalogue.get(command.name)
        if declared and declared.ingest_limited and (refusal := self._ingest_limited(message)):
            return refusal
        if not command.name:
            return (await self.ask(message, command.argument))[0]
        if declared is not None and declared.handler is not None:
            return await declared.handler(message, command.argument)
        return replies.hint(
            f"I don't know /{command.name}. Try /help, or ask with /ask QUESTION, "
            f"e.g. /ask {self._example()}"
        )

    async def _help(self, message: Message, argument: str) -> Reply:
        """A chat bound to other collections than the bundled story's is told their titles,
        and is not offered example questions about a story it does not search."""
        scope = await self.scope_of(message)
        sources = await self._library.sources(scope)
        story, examples = self._story, self._examples
        if scope is not None:
            titles = await self._scopes.titles(scope)
            story = "; ".join(titles) or story
            examples = examples if self._story in titles else ()
        return help_reply(sources, story, examples, message, self._catalogue)

    async def _ask_command(self, message: Message, argument: str) -> Reply:
        return (await self.ask(message, argument))[0]

    async def _sources(self, message: Message, argument: str) -> Reply:
        return replies.sources_reply(await self._library.sources(await self.scope_of(message)))

    async def _more(self, message: Message, argument: str) -> Reply:
        last = await self._chats.last_question(message.platform, message.chat_id)
        if last is None:
            return replies.hint(replies.NO_EARLIER_QUESTION)
        question, shown = last
        scope = await self.scope_of(message)
        answer, _ = await self._library.answer(question, offset=shown, scope=scope)
        if answer.result.abstained:
            return replies.hint("I had no answer to your last question, so there is nothing more.")
        reply = await self._headed(scope, answer, question=f"More on: {_title(question)}")
        try:
            await self._chats.remember_question(
                message.platform, message.chat_id, question, answer.next_offset
            )
        except Exception as exc:  # as in ask: a failed write never costs the reply
            log.warning("/more position not saved (%s)", _kind(exc))
            return reply
        question_id = await self._chats.last_question_id(message.platform, message.chat_id)
        return reply if question_id is None else _with_votes(reply, question_id)

    async def _why(self, message: Message, argument: str) -> Reply:
        """How the last answer in this chat was found (re-run: search is deterministic)."""
        last = await self._chats.last_question(message.platform, message.chat_id)
        if last is None:
            return replies.hint(replies.NO_EARLIER_QUESTION)
        answer, _ = await self._library.answer(last[0], scope=await self.scope_of(message))
        return why_reply(answer)

    def _example(self) -> str:
        return self._examples[0] if self._examples else "what happened?"


def _kind(exc: Exception) -> str:
    """What failed, for the log: the class and SQLite's short message (never a question)."""
    return f"{type(exc).__name__}: {exc}"[:200]


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= 120 else text[:119] + "…"


def _with_votes(reply: Reply, question_id: int) -> Reply:
    """Every answer carries 👍/👎 (after "More"); the id links a vote to the logged question."""
    if reply.kind is not ReplyKind.ANSWER:
        return replace(reply, answer_id=question_id)
    buttons = (*reply.buttons, *feedback.vote_buttons(question_id))
    return replace(reply, answer_id=question_id, buttons=buttons)
