"""The Discord adapter: discord.py 2 events -> one core call -> embeds (bot.adapters.discord.embed).

It only translates. Who is addressed is decided here: every DM; in a server, a mention of the
bot (or of its role) or a reply to one of its messages. None of that needs the privileged
message-content intent (Discord delivers the content of DMs and of messages that mention the
bot), so the intent is off unless the config switches it on. Slash commands and buttons are
in `discord_ui`; both are acknowledged at once (`defer`) and answered with follow-ups, so the
3-second interaction deadline holds however long the core takes.

Nothing we send can ping: the client's default and every send pass
`AllowedMentions.none()`. Rate limits and reconnects are discord.py's; we do not retry on top.
A 403 in a DM (the user blocks DMs from the bot) is logged and reported to `on_blocked`, so
the digest can deactivate that subscription; any other failure is logged (the token is never
in a log line) and the user gets a short apology.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapters.discord.embed import Page, render_pages
from bot.adapters.discord.ui import ActionButton, command_tree, view_for
from bot.core.core import Core
from bot.core.delivery import ChatTarget, DeliveryError
from bot.core.model import Message, Reply, ReplyKind
from bot.core.replies import SORRY

with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop (voice)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

log = logging.getLogger(__name__)

PLATFORM = "discord"
CANNOT_DM = 50007  # "Cannot send messages to this user"
NO_MENTIONS = discord.AllowedMentions.none()
OnBlocked = Callable[[str, str], Awaitable[None]]


async def _ignore_blocked(platform: str, chat_id: str) -> None:
    """The default `on_blocked`: nothing to deactivate until the digest wires its own."""


class _Client(discord.Client):
    """discord.Client with our command tree; events go straight to the adapter."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter
        self.tree = command_tree(self, adapter._core.catalogue, adapter._run_command)

    async def setup_hook(self) -> None:
        await self.adapter._setup(self)

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter._on_message(message)

    async def briefbot_press(self, interaction: discord.Interaction[Any], action: str) -> None:
        await self.adapter._on_press(interaction, action)


class _ShardedClient(_Client, discord.AutoShardedClient):
    """The same client on the shards it is given (`shard_count`, `shard_ids`): one gateway
    connection per shard, each carrying the events of the guilds with
    (guild_id >> 22) % shard_count == its id, so replicas can split a large bot's guilds."""


class DiscordAdapter:
    platform = "discord"

    """One bot account on the gateway, answering through the core. `start()`, then `aclose()`."""

    def __init__(
        self,
        core: Core,
        token: str,
        *,
        guild_id: int | None = None,
        message_content_intent: bool = False,
        shard_count: int | None = None,
        shard_ids: list[int] | None = None,
        guild_ready_timeout: float = 2.0,
        ready_timeout: float = 60.0,
        on_blocked: OnBlocked = _ignore_blocked,
    ) -> None:
        self._core = core
        self._token = token
        self._guild_id = guild_id
        self._message_content = message_content_intent
        self._shard_count = shard_count  # None: one unsharded connection, as before
        self._shard_ids = shard_ids  # None with a count: every shard of it
        self._guild_ready_timeout = guild_ready_timeout
        self._ready_timeout = ready_timeout
        self._on_blocked = on_blocked
        self._client: _Client | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Log in, sync the slash commands, connect, and return once the guilds are loaded."""
        intents = discord.Intents.default()
        intents.message_content = self._message_content
        options: dict[str, Any] = {
            "intents": intents,
            "allowed_mentions": NO_MENTIONS,
            "guild_ready_timeout": self._guild_ready_timeout,
        }
        client: _Client
        if self._shard_count is None:
            client = _Client(self, **options)
        else:
            shards = self._shard_ids or list(range(self._shard_count))
            log.info("Discord: running shards %s of %d", shards, self._shard_count)
            client = _ShardedClient(
                self, shard_count=self._shard_count, shard_ids=shards, **options
            )
        self._client = client
        try:
            await client.login(self._token)
            self._task = asyncio.create_task(client.connect(), name="discord-gateway")
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {ready, self._task}, timeout=self._ready_timeout, return_when="FIRST_COMPLETED"
            )
            if ready not in done:
                ready.cancel()
                if self._task.done():
                    self._task.result()  # raises what ended the connection
                raise TimeoutError(f"Discord was not ready within {self._ready_timeout:.0f} s")
        except BaseException:
            await self.aclose()
            raise

    @property
    def connected(self) -> bool:
        """Logged in and the gateway ready: the health check (discord.py reconnects by itself)."""
        client = self._client
        return bool(client and client.is_ready() and not client.is_closed())

    async def aclose(self) -> None:
        """Disconnect and wait for the gateway task; safe to call twice or after a failed start."""
        client, self._client = self._client, None
        task, self._task = self._task, None
        if client is not None:
            await client.close()
        if task is not None:
            try:
                await asyncio.wait_for(task, 5.0)
            except Exception as err:  # e.g. the intent was refused; already reported by start
                log.info("Discord gateway task ended with %s", type(err).__name__)

    @property
    def client(self) -> discord.Client | None:
        return self._client

    async def _setup(self, client: _Client) -> None:
        """Called by discord.py during login: buttons of any age, and the slash commands."""
        client.add_dynamic_items(ActionButton)
        try:
            if self._guild_id is not None:
                guild = discord.Object(self._guild_id)
                client.tree.copy_global_to(guild=guild)
                await client.tree.sync(guild=guild)
            else:
                await client.tree.sync()
        except discord.HTTPException as err:  # the commands synced last time still work
            log.warning("could not sync slash commands: %s %s", err.status, err.code)

    # -- events ----------------------------------------------------------------------------
    async def _on_message(self, message: discord.Message) -> None:
        text = self._addressed_text(message)
        if text is None:
            return
        chat_id, thread_id = _where(message.channel)
        core_message = Message(
            platform=PLATFORM,
            chat_id=chat_id,
            user_id=str(message.author.id),
            text=text,
            thread_id=thread_id,
            is_private=message.guild is None,
        )
        try:
            await _typing(message.channel)
            reply = await self._core.handle(core_message)
            await self._send(message.channel, chat_id, reply, reference=message)
        except Exception as err:
            log.exception("failed to answer a Discord message")
            self._core.platform_error("discord", type(err).__name__)
            await self._apologise(message.channel.send)

    def _addressed_text(self, message: discord.Message) -> str | None:
        """The question in a message addressed to the bot, mentions stripped; else None."""
        me = self._client.user if self._client is not None else None
        if me is None or message.author.bot or message.type not in _TEXT_TYPES:
            return None  # our own messages come back over the gateway; other bots never count
        if message.guild is None:
            return message.content.strip()
        role = message.guild.self_role
        mentioned = any(user.id == me.id for user in message.mentions) or (
            role is not None and role in message.role_mentions
        )
        resolved = message.reference.resolved if message.reference else None
        replied = isinstance(resolved, discord.Message) and resolved.author.id == me.id
        tags = rf"<@!?{me.id}>" + (rf"|<@&{role.id}>" if role is not None else "")
        text = " ".join(re.sub(tags, " ", message.content).split())
        if mentioned or (replied and text):  # without the intent, an unpinging reply is empty
            return text
        return None

    async def _run_command(self, interaction: discord.Interaction[Any], text: str) -> None:
        """A slash command: acknowledge at once, ask the core, answer with follow-ups."""
        await self._answer_interaction(interaction, text, None, thinking=True)

    async def _on_press(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A "briefbot:<action>" button, from this run or an earlier one."""
        await self._answer_interaction(interaction, "", action, thinking=False)

    async def _answer_interaction(
        self, interaction: discord.Interaction[Any], text: str, action: str | None, thinking: bool
    ) -> None:
        try:
            await interaction.response.defer(thinking=thinking)
        except discord.HTTPException as err:  # expired (10062) or already acknowledged
            log.info("could not acknowledge an interaction: %s %s", err.status, err.code)
            return
        chat_id, thread_id = _where(interaction.channel)
        core_message = Message(
            platform=PLATFORM,
            chat_id=chat_id or str(interaction.channel_id),
            user_id=str(interaction.user.id),
            text=text,
            thread_id=thread_id,
            is_private=interaction.guild_id is None,
        )
        try:
            if action is None:
                reply = await self._core.handle(core_message)
            else:
                reply = await self._core.press(core_message, action)
            await self._follow_up(interaction, reply)
        except Exception as err:
            log.exception("failed to answer a Discord interaction")
            self._core.platform_error("discord", type(err).__name__)
            await self._apologise(interaction.followup.send)

    # -- sending ---------------------------------------------------------------------------
    async def send(self, target: ChatTarget, reply: Reply) -> None:
        """The digest scheduler's `Sender`: post unprompted in a channel, thread or DM channel.

        Raises DeliveryError: permanent when the chat refuses the bot (a DM refusal is also
        reported to `on_blocked`) or is gone; temporary when not connected or Discord fails.
        """
        if self._client is None:
            raise DeliveryError("the Discord adapter is not running", permanent=False)
        channel = self._client.get_partial_messageable(int(target.thread_id or target.chat_id))
        try:
            delivered = await self._send(channel, target.chat_id, reply, dedupe=True)
        except discord.NotFound as err:
            raise DeliveryError(f"not found: {err.text}", permanent=True) from err
        except discord.HTTPException as err:  # 5xx: try again soon; another 4xx: tomorrow
            reason = f"HTTP {err.status}: {err.text}"
            raise DeliveryError(reason, permanent=False, retry_now=err.status >= 500) from err
        if not delivered:
            raise DeliveryError("forbidden: the chat refuses the bot", permanent=True)

    async def _send(
        self,
        channel: Any,
        chat_id: str,
        reply: Reply,
        *,
        reference: discord.Message | None = None,
        dedupe: bool = False,
    ) -> bool:
        """Every page in order, the first as a reply, the buttons under the last.

        `dedupe`: each page carries a nonce made from the channel, its position and its text,
        which discord.py sends with `enforce_nonce`, so Discord posts a page re-sent within a
        few minutes (a retry after a lost response) once, and answers with the first one."""
        pages = render_pages(reply)
        view = view_for(reply)
        for index, page in enumerate(pages):
            options = _options(page)
            if dedupe:
                options["nonce"] = _nonce(channel.id, index, page)
            if index == 0 and reference is not None:
                options["reference"] = reference.to_reference(fail_if_not_exists=False)
                options["mention_author"] = False
            if index == len(pages) - 1 and view is not None:
                options["view"] = view
            try:
                await channel.send(allowed_mentions=NO_MENTIONS, **options)
            except discord.Forbidden as err:
                await self._refused(channel, chat_id, err)
                return False
        return True

    async def _follow_up(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Follow-ups to an interaction; a TOAST (a vote's thanks) only the presser sees."""
        pages = render_pages(reply)
        view = view_for(reply)
        ephemeral = reply.kind is ReplyKind.TOAST
        for index, page in enumerate(pages):
            options = _options(page)
            if index == len(pages) - 1 and view is not None:
                options["view"] = view
            await interaction.followup.send(
                allowed_mentions=NO_MENTIONS, wait=True, ephemeral=ephemeral, **options
            )

    async def _refused(self, channel: Any, chat_id: str, err: discord.Forbidden) -> None:
        if err.code == CANNOT_DM or isinstance(channel, discord.DMChannel):
            log.info("Discord user of DM channel %s does not accept DMs from the bot", chat_id)
            await self._on_blocked(PLATFORM, chat_id)
        else:
            log.warning("no permission to post in Discord channel %s (%s)", chat_id, err.code)

    async def _apologise(self, send: Callable[..., Awaitable[Any]]) -> None:
        try:
            await send(SORRY, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as err:
            log.warning("could not apologise on Discord: %s %s", err.status, err.code)


_TEXT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def _where(channel: object) -> tuple[str, str | None]:
    """(chat_id, thread_id): a thread belongs to its parent channel, as a topic to its group."""
    if isinstance(channel, discord.Thread):
        return str(channel.parent_id), str(channel.id)
    channel_id = getattr(channel, "id", None)
    return ("" if channel_id is None else str(channel_id)), None


def _nonce(channel_id: int, index: int, page: Page) -> str:
    """The same page to the same channel gets the same nonce: 16 hex digits (Discord allows
    25 characters), from a hash of where it goes and what it says."""
    text = json.dumps([channel_id, index, page.content, page.embed_dict()], sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _options(page: Page) -> dict[str, Any]:
    embed = page.embed_dict()
    if embed is None:
        return {"content": page.content}
    return {"embed": discord.Embed.from_dict(embed)}


async def _typing(channel: Any) -> None:
    """Show "typing…" once; cosmetic, so a failure is only logged."""
    try:
        await channel.typing()
    except discord.HTTPException as err:
        log.info("typing indicator failed: %s %s", err.status, err.code)
