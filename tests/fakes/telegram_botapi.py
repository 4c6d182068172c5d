"""What the fake Telegram server does for each Bot API method (no HTTP here; see telegram_api).

`BotApiState.dispatch(method, params)` answers like https://core.telegram.org/bots/api: it returns
the `result`, or raises `ApiError(status, description, parameters)`. Implemented methods: getMe,
getUpdates (offset confirmation, limit, long-poll timeout, allowed_updates), setWebhook,
deleteWebhook, getWebhookInfo, set/get/deleteMyCommands, sendMessage, editMessageText,
editMessageReplyMarkup, deleteMessage, sendChatAction, answerCallbackQuery, answerInlineQuery.
Any other method (close, logOut, ...) answers `true`. Method names are case-insensitive.

Chats the fake has not seen are created on first use (private for positive ids, a group for
negative ones, a supergroup for -100... ids) rather than failing with "chat not found".
Only parse_mode HTML is parsed (see telegram_html); other modes keep the text verbatim.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from typing import Any

from .telegram_html import MAX_MESSAGE_LENGTH, HtmlParseError, parse_html, trim, utf16_len

_CHAT_ACTIONS = frozenset(
    """typing upload_photo record_video upload_video record_voice upload_voice upload_document
    choose_sticker find_location record_video_note upload_video_note""".split()
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a specified content and reply markup of the message"
)
_BAD_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class ApiError(Exception):
    """Answer `{"ok": false, "error_code": status, "description": ..., "parameters": ...}`."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


class BotApiState:
    """The server-side state of one bot, and the Bot API methods acting on it."""

    BOT_ID = 123456

    def __init__(self, username: str) -> None:
        self.bot_user = {"id": self.BOT_ID, "is_bot": True, "first_name": "Briefbot"}
        self.bot_user["username"] = username
        self.sent: list[dict] = []  # every message sendMessage created, as returned
        self.edited: list[dict] = []  # every edit result, as returned
        self.messages: dict[tuple[int, int], dict] = {}  # (chat id, message id) -> current state
        self.chats: dict[int, dict] = {}
        self.pending: list[dict] = []  # updates not yet confirmed by a getUpdates offset
        self.webhook: dict[str, Any] = {"url": ""}  # parameters of the last setWebhook
        self.commands: dict[str, list[dict]] = {}  # scope + language -> setMyCommands list
        self._ids = {kind: itertools.count(1) for kind in ("update", "message", "query")}
        self._open_queries: set[str] = set()  # callback/inline query ids not answered yet
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._closing = False
        self._changed = asyncio.Event()  # set, then replaced, whenever anything happens

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def dispatch(self, method: str, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method.lower() == "getupdates":
            return await self._get_updates(p)
        handler = getattr(self, f"_api_{method.lower()}", None)
        return True if handler is None else handler(p)

    # -- updates and webhooks --------------------------------------------------------------
    def _api_getme(self, _: dict) -> dict:
        flags = ("can_join_groups", "supports_inline_queries")
        return {**self.bot_user, **dict.fromkeys(flags, True), "can_read_all_group_messages": False}

    async def _get_updates(self, p: dict) -> list[dict]:
        if self.webhook["url"]:
            raise ApiError(409, _WEBHOOK_ACTIVE)
        offset, limit = int(p.get("offset", 0)), min(max(int(p.get("limit", 100)), 1), 100)
        if "allowed_updates" in p:
            self._allowed_updates = list(p["allowed_updates"])
        if offset < 0:  # only the last -offset updates; earlier ones are forgotten
            self.pending = self.pending[offset:]
        elif offset:  # confirms every update below offset
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(float(p.get("timeout", 0))):
                while not (self._closing or self._deliverable()):
                    await self._changed.wait()
                    if generation != self._poll_generation:  # a newer getUpdates came in
                        raise ApiError(409, _TERMINATED)
        return self._deliverable()[:limit]

    def _deliverable(self) -> list[dict]:
        """Pending updates, minus those of types allowed_updates excludes (Telegram drops them)."""
        allowed = self._allowed_updates
        self.pending = [u for u in self.pending if not allowed or any(k in allowed for k in u)]
        return self.pending

    def _api_setwebhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self.pending.clear()
        if "allowed_updates" in p:  # shared with getUpdates, as on Telegram
            self._allowed_updates = list(p["allowed_updates"])
        self.webhook = {"url": "", **p}
        self.webhook.pop("drop_pending_updates", None)
        return True

    def _api_deletewebhook(self, p: dict) -> bool:
        return self._api_setwebhook({**p, "url": ""})

    def _api_getwebhookinfo(self, _: dict) -> dict:
        info = {"url": self.webhook["url"], "has_custom_certificate": False}
        info["pending_update_count"] = len(self.pending)
        keys = ("max_connections", "allowed_updates", "ip_address")
        return info | {k: v for k, v in self.webhook.items() if k in keys}

    # -- commands --------------------------------------------------------------------------
    @staticmethod
    def _scope_key(p: dict) -> str:
        return json.dumps([p.get("scope") or {"type": "default"}, p.get("language_code", "")])

    def _api_setmycommands(self, p: dict) -> bool:
        for command in p.get("commands") or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = p.get("commands") or []
        return True

    def _api_getmycommands(self, p: dict) -> list[dict]:
        return self.commands.get(self._scope_key(p), [])

    def _api_deletemycommands(self, p: dict) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    # -- messages --------------------------------------------------------------------------
    def _api_sendmessage(self, p: dict) -> dict:
        chat = self._chat(p.get("chat_id"))
        text, entities = self._format(p)
        markup = self._inline_markup(p.get("reply_markup"))
        reply = p.get("reply_parameters") or {"message_id": p.get("reply_to_message_id")}
        original = self.messages.get((chat["id"], reply["message_id"]))
        if reply["message_id"] and not original and not reply.get("allow_sending_without_reply"):
            raise ApiError(400, "Bad Request: message to be replied not found")
        msg = self._new_message(chat, self.bot_user, text, p.get("message_thread_id"))
        msg |= {"entities": entities} if entities else {}
        msg |= {"reply_markup": markup} if markup else {}
        msg |= {"reply_to_message": original} if original else {}
        self.sent.append(msg)
        return msg

    def _api_editmessagetext(self, p: dict) -> dict | bool:
        text, entities = self._format(p)
        return self._edit(p, {"text": text, "entities": entities})

    def _api_editmessagereplymarkup(self, p: dict) -> dict | bool:
        return self._edit(p, {})

    def _edit(self, p: dict, changes: dict) -> dict | bool:
        """Like Telegram, an edit without reply_markup removes the inline keyboard."""
        markup = self._inline_markup(p.get("reply_markup"))
        if "inline_message_id" in p:
            return True
        old = self._message(p, "edit")
        if old["from"]["id"] != self.BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        new = {k: v for k, v in old.items() if k not in ("reply_markup", *changes)}
        new |= {k: v for k, v in changes.items() if v}
        new |= {"reply_markup": markup} if markup else {}
        if {**new, "edit_date": 0} == {**old, "edit_date": 0}:
            raise ApiError(400, _NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        self.messages[(new["chat"]["id"], new["message_id"])] = new
        self.edited.append(new)
        return new

    def _api_deletemessage(self, p: dict) -> bool:
        old = self._message(p, "delete")
        del self.messages[(old["chat"]["id"], old["message_id"])]
        return True

    def _api_sendchataction(self, p: dict) -> bool:
        self._chat(p.get("chat_id"))
        if p.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _api_answercallbackquery(self, p: dict) -> bool:
        query_id = str(p.get("callback_query_id", p.get("inline_query_id")))
        if query_id not in self._open_queries:
            raise ApiError(400, _BAD_QUERY)
        self._open_queries.discard(query_id)
        return True

    def _api_answerinlinequery(self, p: dict) -> bool:
        if len(p.get("results") or []) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        return self._api_answercallbackquery({"inline_query_id": p.get("inline_query_id")})

    # -- helpers ---------------------------------------------------------------------------
    def _new_message(self, chat: dict, sender: dict, text: str, thread: int | None) -> dict:
        msg = {"message_id": next(self._ids["message"]), "from": sender, "chat": chat}
        msg |= {"date": int(time.time()), "text": text}
        if thread is not None:
            msg["message_thread_id"] = thread
            if chat.get("is_forum"):
                msg["is_topic_message"] = True
        self.messages[(chat["id"], msg["message_id"])] = msg
        return msg

    def _chat(self, chat_id: Any) -> dict:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id not in self.chats:
            kind = "private" if chat_id > 0 else "group"
            kind = "supergroup" if str(chat_id).startswith("-100") else kind
            name = {"first_name": "Ann"} if kind == "private" else {"title": "Tests"}
            self.chats[chat_id] = {"id": chat_id, "type": kind, **name}
        return self.chats[chat_id]

    def _message(self, p: dict, verb: str) -> dict:
        msg = self.messages.get((p.get("chat_id"), p.get("message_id")))  # type: ignore[arg-type]
        if msg is None:
            raise ApiError(400, f"Bad Request: message to {verb} not found")
        return msg

    @staticmethod
    def _format(p: dict) -> tuple[str, list[dict]]:
        """The message text and entities Telegram would store for these parameters."""
        text = p.get("text") or ""
        if str(p.get("parse_mode", "")).lower() == "html":
            try:
                text, entities = parse_html(text)
            except HtmlParseError as err:
                raise ApiError(400, f"Bad Request: can't parse entities: {err}") from None
        else:
            entities = list(p.get("entities") or [])
        text, entities = trim(text, entities)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    @staticmethod
    def _inline_markup(markup: Any) -> dict | None:
        """Validate an inline keyboard; other markups are not echoed back by Telegram."""
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for button in itertools.chain.from_iterable(markup["inline_keyboard"]):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if len(button) < 2:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
        return markup
