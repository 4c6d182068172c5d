"""👍/👎 on answers and the core's refusals: button actions, their validation and the wording.

A vote button's action is "vote:up:<question id>" or "vote:down:<question id>"; it comes back
from a chat platform as untrusted data, so `parse_vote` accepts exactly that shape and nothing
else. The acknowledgement is a TOAST reply: platforms that can show a notification for a
button press (Telegram's answerCallbackQuery) show it there instead of posting a message.
"""

from __future__ import annotations

import math
import re

from bot.core.model import Button, Reply, ReplyKind

_VOTE = re.compile(r"vote:(up|down):([1-9][0-9]{0,17})")
VOTE_VALUES = {"up": 1, "down": -1}
THUMBS = {1: "👍", -1: "👎"}


def vote_buttons(question_id: int) -> tuple[Button, Button]:
    return (Button("👍", f"vote:up:{question_id}"), Button("👎", f"vote:down:{question_id}"))


def parse_vote(action: str) -> tuple[int, int] | None:
    """(question id, +1 or -1) for a well-formed vote action, else None."""
    match = _VOTE.fullmatch(action)
    return (int(match.group(2)), VOTE_VALUES[match.group(1)]) if match else None


def toast(text: str) -> Reply:
    return Reply(kind=ReplyKind.TOAST, body=(text,))


def vote_ack(vote: int, previous: int | None) -> Reply:
    thumb = THUMBS[vote]
    if previous == vote:
        return toast(f"You already voted {thumb} on this answer.")
    if previous is not None:
        return toast(f"Changed your vote to {thumb}. Thanks!")
    if vote < 0:
        return toast("Thanks 👎 — noted. Answers voted down show us which sources to add.")
    return toast("Thanks 👍 — glad it helped.")


VOTE_EXPIRED = "That answer is no longer on record, so the vote was not counted."


def not_allowed() -> Reply:
    return Reply(
        kind=ReplyKind.REFUSAL,
        body=(
            "Sorry, I only answer in chats my owner has enabled, and this isn't one of them. "
            "Ask whoever runs this bot to add this chat.",
        ),
    )


def slow_down(limit: int, window: float, wait: float, *, what: str = "messages") -> Reply:
    """The refusal of a user over a rate limit; `what` names what is counted."""
    seconds = max(1, math.ceil(wait))
    per = "a minute" if window == 60 else f"every {_duration(window)}"
    again = f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds >= 120:
        again = f"{math.ceil(seconds / 60)} minutes"
    return Reply(
        kind=ReplyKind.REFUSAL,
        body=(
            f"Slow down a little: I take up to {limit} {what} per person {per}. "
            f"Please try again in {again}.",
        ),
    )


def _duration(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"
