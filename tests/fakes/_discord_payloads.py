"""JSON payload builders for the fake Discord server (see ``discord_api.py``).

Every builder returns a plain dict shaped like the Discord API v10 object of the same
name, with exactly the keys discord.py 2.x reads (ids are strings, as Discord sends them).
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
MEMBER_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
)

# Option types of application commands (https://discord.com/developers/docs/interactions).
OPTION_SUB_COMMAND, OPTION_SUB_COMMAND_GROUP = 1, 2
OPTION_STRING, OPTION_INTEGER, OPTION_BOOLEAN, OPTION_NUMBER = 3, 4, 5, 10


class Snowflakes:
    """Generates increasing, time-based snowflake ids (as ints)."""

    def __init__(self) -> None:
        self._last = 0
        self._counter = itertools.count()

    def __call__(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, stamp | (next(self._counter) & 0xFFF))
        return self._last


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": None if bot else name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
        "verified": True,
        "mfa_enabled": False,
        "locale": "en-US",
    }


def member(
    user_obj: dict[str, Any] | None, role_ids: list[int], *, permissions: int | None = None
) -> dict[str, Any]:
    """A guild member; ``user_obj=None`` gives the partial member of MESSAGE_CREATE."""
    data: dict[str, Any] = {
        "roles": [str(r) for r in role_ids],
        "nick": None,
        "avatar": None,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if user_obj is not None:
        data["user"] = user_obj
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(role_id: int, name: str, permissions: int, position: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        **extra,
    }


def text_channel(channel_id: int, guild_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "parent_id": None,
        "topic": None,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "permission_overwrites": [],
    }


def thread_channel(thread_id: int, guild_id: int, parent_id: int, owner_id: int) -> dict[str, Any]:
    return {
        "id": str(thread_id),
        "type": 11,  # PUBLIC_THREAD
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": "briefing-thread",
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": "2024-01-01T00:00:00+00:00",
            "locked": False,
        },
    }


def dm_channel(channel_id: int, recipient: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(channel_id), "type": 1, "last_message_id": None, "recipients": [recipient]}


def application(app_id: int, owner: dict[str, Any]) -> dict[str, Any]:
    """GET /oauth2/applications/@me (discord.py's ``Client.application_info``)."""
    return {
        "id": str(app_id),
        "name": "briefbot",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": owner,
        "team": None,
        "verify_key": "0" * 64,
        "flags": 0,
        # A URL here would make discord.py warn that interactions skip the gateway.
        "interactions_endpoint_url": None,
        "redirect_uris": [],
    }


def message(
    message_id: int,
    channel_id: int,
    author: dict[str, Any],
    content: str,
    *,
    guild_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(message_id),
        "type": 0,
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "flags": 0,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    data.update(extra or {})
    return data


def interaction(
    interaction_id: int,
    token: str,
    app_id: int,
    kind: int,
    data: dict[str, Any],
    *,
    channel: dict[str, Any],
    guild_id: int | None,
    user_obj: dict[str, Any],
    member_obj: dict[str, Any] | None,
    message_obj: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """INTERACTION_CREATE: kind 2 command, 3 component, 4 autocomplete."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(app_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "channel_id": channel["id"],
        "channel": channel,
        "app_permissions": str(MEMBER_PERMISSIONS),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if guild_id is not None:
        payload.update(
            guild_id=str(guild_id),
            guild={"id": str(guild_id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=member_obj,
            context=0,  # GUILD
            authorizing_integration_owners={"0": str(guild_id)},
        )
    else:
        # BOT_DM context; "0" is the guild-install owner id Discord sends inside a bot DM.
        payload.update(user=user_obj, context=1, authorizing_integration_owners={"0": "0"})
    if message_obj is not None:
        payload["message"] = message_obj
    return payload


def command_options(
    values: dict[str, Any], spec: list[dict[str, Any]], focused: str | None = None
) -> list[dict[str, Any]]:
    """Turns ``{"question": "why?"}`` into interaction options typed after the synced ``spec``
    (falling back to the Python type when the option was never synced)."""
    by_name = {opt["name"]: opt for opt in spec}
    options = []
    for name, value in values.items():
        kind = by_name.get(name, {}).get("type") or _infer_option_type(value)
        option: dict[str, Any] = {"name": name, "type": kind, "value": value}
        if name == focused:
            option["focused"] = True
        options.append(option)
    return options


def _infer_option_type(value: object) -> int:
    if isinstance(value, bool):
        return OPTION_BOOLEAN
    if isinstance(value, int):
        return OPTION_INTEGER
    if isinstance(value, float):
        return OPTION_NUMBER
    return OPTION_STRING


def error(message_text: str, code: int) -> dict[str, Any]:
    """Discord's JSON error body."""
    return {"message": message_text, "code": code}
