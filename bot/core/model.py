"""The values that cross the seam between adapters and the core.

Adapters build a `Message` from a platform event, hand it to the core, and render the `Reply`
they get back. Both are plain frozen data so that every platform renders the same answer and
tests can compare them directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ReplyKind(StrEnum):
    ANSWER = "answer"
    ABSTAIN = "abstain"
    INFO = "info"
    ERROR = "error"
    REFUSAL = "refusal"
    TOAST = "toast"  # a short acknowledgement of a button press, shown as a notification


@dataclass(frozen=True, slots=True)
class Message:
    """One inbound text addressed to the bot (mentions already stripped by the adapter)."""

    platform: str
    chat_id: str
    user_id: str
    text: str
    thread_id: str | None = None
    is_private: bool = True


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source reference shown at the end of an answer."""

    number: int
    source_id: str
    title: str
    outlet: str
    date: str
    authors: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Bullet:
    """A verbatim quote (trimmed with "…" where needed) and who said it."""

    text: str
    citation: int
    speaker: str | None = None
    section: str = ""  # a heading the bullet sits under (the digest's standing questions)
    heading: str = ""  # the source's own heading above the quoted passage ("§ heading")


@dataclass(frozen=True, slots=True)
class Button:
    """An action a user can tap; `action` is what the adapter sends back to `Core.press`."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Reply:
    """Everything a renderer needs; no markup, no platform knowledge."""

    kind: ReplyKind = ReplyKind.INFO
    title: str = ""
    body: tuple[str, ...] = ()
    bullets: tuple[Bullet, ...] = ()
    citations: tuple[Citation, ...] = ()
    footer: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    answer_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def abstained(self) -> bool:
        return self.kind is ReplyKind.ABSTAIN

    def citation(self, number: int) -> Citation | None:
        return next((c for c in self.citations if c.number == number), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["abstained"] = self.abstained
        return data
