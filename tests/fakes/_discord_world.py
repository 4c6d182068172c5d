"""The world of the fake Discord (see ``discord_api.py``): one bot, one guild with a text
channel and a thread, a second guild with one channel (on the other shard of two, for the
sharding tests), one human user; and the methods that inject that user's actions as gateway
events (MESSAGE_CREATE, INTERACTION_CREATE) with complete payloads.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from . import _discord_payloads as p

if TYPE_CHECKING:
    from ._discord_gateway import FakeGateway


class DiscordWorld:
    """Ids, identities, payloads and event injection; mixed into ``FakeDiscord``, which
    provides the state declared below."""

    # base64("123456789012345678") . timestamp . hmac, like a real bot token.
    TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GfakeX.abcdefghijklmnopqrstuvwxyz0123456789AB"
    BOT_USER_ID = 123456789012345678
    APP_ID = BOT_USER_ID  # a bot's application id is its user id
    GUILD_ID = 900000000000000001  # also the id of the guild's @everyone role
    CHANNEL_ID = 900000000000000002
    THREAD_ID = 900000000000000003
    DM_CHANNEL_ID = 900000000000000004  # the DM channel between the bot and USER_ID
    USER_ID = 900000000000000005
    BOT_ROLE_ID = 900000000000000006
    # The second guild: (id >> 22) % 2 is 0, GUILD_ID's is 1, so two shards split the world.
    OTHER_GUILD_ID = 900000000004194305
    OTHER_CHANNEL_ID = 900000000004194306
    OTHER_BOT_ROLE_ID = 900000000004194307
    USER_NAME = "alice"
    BOT_NAME = "briefbot"
    MESSAGE_CONTENT_INTENT = 1 << 15

    gateway: FakeGateway
    intents: int | None
    gateway_url: str
    _ids: p.Snowflakes
    _command_sets: dict[int | None, list[dict[str, Any]]]
    _stored: dict[int, dict[str, Any]]
    _interactions: dict[str, dict[str, Any]]
    _dm_channels: dict[int, int]
    _user_names: dict[int, str]
    _blocked_dm_users: set[int]

    # -- identities --------------------------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        return p.user(self.BOT_USER_ID, self.BOT_NAME, bot=True)

    def user_payload(self, user_id: int | None = None, name: str | None = None) -> dict[str, Any]:
        user_id = user_id or self.USER_ID
        return p.user(user_id, name or self.user_name(user_id))

    def user_name(self, user_id: int) -> str:
        return self._user_names.setdefault(user_id, f"user{user_id % 10_000}")

    def dm_channel_for(self, user_id: int) -> int:
        """The DM channel id between the bot and ``user_id`` (stable per user)."""
        return self._dm_channels.setdefault(user_id, self._ids())

    def _known_channels(self) -> set[int]:
        return {self.CHANNEL_ID, self.THREAD_ID, self.OTHER_CHANNEL_ID, *self._dm_channels.values()}

    def guild_of(self, channel_id: int) -> int | None:
        """The guild a channel or thread is in; None for a DM channel."""
        if channel_id in (self.CHANNEL_ID, self.THREAD_ID):
            return self.GUILD_ID
        return self.OTHER_GUILD_ID if channel_id == self.OTHER_CHANNEL_ID else None

    def bot_role_in(self, guild_id: int) -> int:
        return self.BOT_ROLE_ID if guild_id == self.GUILD_ID else self.OTHER_BOT_ROLE_ID

    def _blocked_dm_channels(self) -> set[int]:
        return {self._dm_channels[u] for u in self._blocked_dm_users if u in self._dm_channels}

    def _channel_payload(self, channel_id: int, user: dict[str, Any]) -> dict[str, Any]:
        if channel_id == self.THREAD_ID:
            return p.thread_channel(self.THREAD_ID, self.GUILD_ID, self.CHANNEL_ID, self.USER_ID)
        if channel_id in self._dm_channels.values():
            return p.dm_channel(channel_id, user)
        return p.text_channel(channel_id, self.guild_of(channel_id) or self.GUILD_ID, "briefings")

    def _initial_events(
        self, session_id: str, shard: tuple[int, int] | None
    ) -> list[tuple[str, dict[str, Any]]]:
        """READY, then a GUILD_CREATE per guild of the shard (every guild when unsharded)."""
        shard_id, count = shard or (0, 1)
        guilds = [g for g in (self.GUILD_ID, self.OTHER_GUILD_ID) if (g >> 22) % count == shard_id]
        ready = {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
            **({"shard": list(shard)} if shard else {}),
        }
        return [("READY", ready), *(("GUILD_CREATE", self._guild(g)) for g in guilds)]

    def _guild(self, guild_id: int) -> dict[str, Any]:
        if guild_id == self.OTHER_GUILD_ID:
            desk = p.text_channel(self.OTHER_CHANNEL_ID, guild_id, "desk")
            return self._guild_payload(guild_id, "Night Desk", [desk], [])
        channel = p.text_channel(self.CHANNEL_ID, self.GUILD_ID, "briefings")
        thread = p.thread_channel(self.THREAD_ID, self.GUILD_ID, self.CHANNEL_ID, self.USER_ID)
        return self._guild_payload(guild_id, "Briefing HQ", [channel], [thread])

    def _guild_payload(
        self,
        guild_id: int,
        name: str,
        channels: list[dict[str, Any]],
        threads: list[dict[str, Any]],
    ) -> dict[str, Any]:
        everyone = p.role(guild_id, "@everyone", p.MEMBER_PERMISSIONS, 0)
        bot_role = p.role(
            self.bot_role_in(guild_id), self.BOT_NAME, p.MEMBER_PERMISSIONS, 1,
            managed=True, tags={"bot_id": str(self.BOT_USER_ID)},
        )  # fmt: skip
        return {
            "id": str(guild_id),
            "name": name,
            "icon": None,
            "owner_id": str(self.USER_ID),
            "unavailable": False,
            "large": False,
            "member_count": 2,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "features": [],
            "preferred_locale": "en-US",
            "roles": [everyone, bot_role],
            "channels": channels,
            "threads": threads,
            # Without the privileged members intent Discord sends only the bot's own member.
            "members": [p.member(self.bot_user, [self.bot_role_in(guild_id)])],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # -- injected events ---------------------------------------------------------------

    def user_message(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        guild: bool = True,
        author_id: int | None = None,
        author_name: str | None = None,
        mentions_bot: bool = False,
        reply_to_message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Dispatches MESSAGE_CREATE from a human and returns its payload.

        ``mentions_bot`` prefixes ``<@BOT_USER_ID>`` (if absent) and lists the bot in
        ``mentions``.  A reply to a bot message pings the bot, as the Discord client does by
        default.  Without the MESSAGE_CONTENT intent, a guild message that doesn't mention
        the bot arrives with empty content/embeds/attachments/components, as on Discord.
        """
        author_id = author_id or self.USER_ID
        if author_name:
            self._user_names[author_id] = author_name
        author = self.user_payload(author_id)
        if channel_id is None:
            channel_id = self.CHANNEL_ID if guild else self.dm_channel_for(author_id)
        guild_id = (self.guild_of(channel_id) or self.GUILD_ID) if guild else None
        mentions: list[dict[str, Any]] = []
        tag = f"<@{self.BOT_USER_ID}>"
        if mentions_bot:
            content = content if tag in content else f"{tag} {content}"
            mentions.append(self.bot_user)
        extra: dict[str, Any] = {"mentions": mentions, "nonce": str(self._ids())}
        if reply_to_message is not None:
            ref = self._full_message(reply_to_message, channel_id)
            extra["type"] = 19  # REPLY
            extra["message_reference"] = {
                "type": 0,
                "message_id": ref["id"],
                "channel_id": ref["channel_id"],
                **({"guild_id": str(guild_id)} if guild_id else {}),
            }
            extra["referenced_message"] = ref
            if ref["author"]["id"] == str(self.BOT_USER_ID) and not mentions_bot:
                mentions.append(self.bot_user)
        if guild:
            extra["member"] = p.member(None, [])
        msg = p.message(
            self._ids(), channel_id, author, content,
            guild_id=guild_id, extra=extra,
        )  # fmt: skip
        has_intent = (self.intents or 0) & self.MESSAGE_CONTENT_INTENT
        if guild and not mentions and not has_intent:
            msg.update(content="", embeds=[], attachments=[], components=[])
        self._stored[int(msg["id"])] = msg
        self.gateway.dispatch("MESSAGE_CREATE", msg)
        return msg

    def slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: int | None = None,
        guild: bool = True,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """Dispatches INTERACTION_CREATE type 2.  ``name`` may be ``"group sub"``; option
        types come from the synced command (else from the Python value)."""
        data = self._command_data(name, options or {}, guild, None)
        return self._interaction(2, data, channel_id, guild, user_id)

    def autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel_id: int | None = None,
        guild: bool = True,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """Dispatches INTERACTION_CREATE type 4; ``options[focused]`` is the partial input."""
        data = self._command_data(name, options, guild, focused)
        return self._interaction(4, data, channel_id, guild, user_id)

    def press_button(
        self,
        custom_id: str,
        message: dict[str, Any],
        *,
        user_id: int | None = None,
        component_type: int = 2,
        values: list[str] | None = None,
    ) -> dict[str, Any]:
        """Dispatches INTERACTION_CREATE type 3 for a component on ``message`` (an entry of
        ``messages``, or any dict with at least ``id`` and ``channel_id`` - e.g. a message
        from an earlier run, for persistent views).  ``values`` is for select menus."""
        known = int(message["id"]) in self._stored
        full = self._full_message(message, self.CHANNEL_ID)
        if (known or full.get("components")) and f"'{custom_id}'" not in str(full["components"]):
            raise ValueError(f"no component {custom_id!r} on message {full['id']}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        channel_id = int(full["channel_id"])
        guild = self.guild_of(channel_id) is not None
        return self._interaction(3, data, channel_id, guild, user_id, message=full)

    def _full_message(self, message: dict[str, Any], channel_id: int) -> dict[str, Any]:
        stored = self._stored.get(int(message["id"]))
        if stored is not None:
            return copy.deepcopy(stored)
        channel_id = int(message.get("channel_id") or channel_id)
        base = p.message(int(message["id"]), channel_id, self.bot_user, "")
        given = {k: v for k, v in message.items() if k in base and v is not None}
        return {**base, **given, "id": base["id"], "channel_id": base["channel_id"]}

    def _command_data(
        self, name: str, values: dict[str, Any], guild: bool, focused: str | None
    ) -> dict[str, Any]:
        top, *subs = name.split()
        scopes = [self.GUILD_ID, None] if guild else [None]
        spec, scope = next(
            ((c, s) for s in scopes for c in self._command_sets.get(s, []) if c["name"] == top),
            ({"name": top, "options": []}, None),
        )
        data: dict[str, Any] = {"id": spec.get("id") or str(self._ids()), "name": top, "type": 1}
        if scope is not None:
            data["guild_id"] = str(scope)
        holder, options = data, spec.get("options") or []
        for sub in subs:  # sub-command (group) options wrap the leaf's options
            sub_spec = next((o for o in options if o["name"] == sub), {"type": 1, "options": []})
            node = {"name": sub, "type": sub_spec.get("type", 1)}
            holder["options"] = [node]
            holder, options = node, sub_spec.get("options") or []
        holder["options"] = p.command_options(values, options, focused)
        return data

    def _interaction(
        self,
        kind: int,
        data: dict[str, Any],
        channel_id: int | None,
        guild: bool,
        user_id: int | None,
        *,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        user = self.user_payload(user_id)
        if channel_id is None:
            channel_id = self.CHANNEL_ID if guild else self.dm_channel_for(int(user["id"]))
        guild_id = (self.guild_of(channel_id) or self.GUILD_ID) if guild else None
        interaction_id = self._ids()
        token = f"aW50ZXJhY3Rpb246{interaction_id}OmZha2UtdG9rZW4"  # like a real one
        self._interactions[token] = {
            "id": str(interaction_id),
            "type": kind,
            "channel_id": channel_id,
            "acknowledged": False,
            "original": int(message["id"]) if message else None,
        }
        payload = p.interaction(
            interaction_id, token, self.APP_ID, kind, data,
            channel=self._channel_payload(channel_id, user),
            guild_id=guild_id, user_obj=user,
            member_obj=p.member(user, [], permissions=p.MEMBER_PERMISSIONS) if guild else None,
            message_obj=message,
        )  # fmt: skip
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return payload
