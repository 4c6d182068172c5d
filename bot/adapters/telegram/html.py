"""Render a `Reply` as Telegram HTML (parse_mode="HTML") messages and an inline keyboard.

Why HTML and not MarkdownV2: HTML needs only `<`, `>` and `&` escaped, which `html.escape` does
reliably, while MarkdownV2 reserves eighteen characters that sources and users type all the time.
Every string that comes from a user or a source goes through `_esc`; the only markup is ours and
uses tags Telegram accepts (<b>, <i>). Attributions and citation lines come from
`bot.render.text`, so every platform says the same thing.

Telegram refuses a message over 4,096 UTF-16 code units (counted after entity parsing). We
measure the raw HTML instead, which is never shorter than the parsed text, so a chunk that fits
here always fits there. Chunks break only between blocks (a paragraph, a bullet, a citation
line); a single block too long for one message is cut at a word boundary, each piece wrapped in
its own tags, so a cut never falls inside a tag or an entity.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.feedback import parse_vote
from bot.core.model import Reply
from bot.render.text import attribution, citation_line, split_words

MAX_MESSAGE_UNITS = 4096  # Telegram's limit, in UTF-16 code units
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
KNOWN_ACTIONS = frozenset({"more"})  # what Core.press understands, with votes (parse_vote)
EMPTY_REPLY = "…"  # Telegram refuses an empty message; a Reply with no text still gets one


@dataclass(frozen=True, slots=True)
class _Run:
    """Plain text shown with one (or no) formatting tag; escaped only when rendered."""

    text: str
    tag: str = ""

    def html(self) -> str:
        body = _esc(self.text)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag else body


_Block = tuple[_Run, ...]  # one unit that chunking never splits unless it alone is too long


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_units(text: str) -> int:
    """Length as Telegram counts it: a character outside the BMP (most emoji) counts 2."""
    return len(text.encode("utf-16-le")) // 2


def _block_html(block: _Block) -> str:
    return "".join(run.html() for run in block)


def _sections(reply: Reply) -> list[list[_Block]]:
    """The reply as sections (separated by a blank line) of blocks (separated by a newline)."""
    sections: list[list[_Block]] = []
    if reply.title:
        sections.append([(_Run(reply.title, "b"),)])
    if reply.body:
        sections.append([(_Run(p),) for p in reply.body])
    if reply.bullets:
        blocks: list[_Block] = []
        heading = ""
        for b in reply.bullets:
            if b.section and b.section != heading:  # the digest groups bullets under questions
                blocks.append((_Run("\n" if blocks else ""), _Run(b.section, "b")))
            heading = b.section
            attributed = _Run(f"— {attribution(b, reply.citation(b.citation))}", "i")
            blocks.append((_Run(f"• “{b.text}”\n"), attributed))
        sections.append(blocks)
    if reply.citations:
        sections.append([(_Run(citation_line(c)),) for c in reply.citations])
    if reply.footer:
        sections.append([(_Run(line),) for line in reply.footer])
    return sections


def render_html(reply: Reply, *, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """The reply as one or more Telegram HTML messages, each at most `limit` UTF-16 units."""
    pieces: list[tuple[str, str]] = []  # (separator before it, block html)
    for number, section in enumerate(_sections(reply)):
        for index, block in enumerate(section):
            separator = "\n" if index else ("\n\n" if number else "")
            for part in _fit(block, limit):
                pieces.append((separator, part))
                separator = "\n"
    chunks: list[str] = []
    current = ""
    for separator, part in pieces:
        joined = current + separator + part if current else part
        if current and utf16_units(joined) > limit:
            chunks.append(current)
            joined = part
        current = joined
    if current.strip():
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or [EMPTY_REPLY]


def _fit(block: _Block, limit: int) -> list[str]:
    """The block's HTML, cut into pieces of at most `limit` units if it is too long."""
    whole = _block_html(block)
    if utf16_units(whole) <= limit:
        return [whole]
    pieces: list[str] = []
    current: list[_Run] = []  # runs of the piece being filled
    for run in block:
        for word in split_words(run.text, max(1, (limit - 32) // 5)):  # escaping: & -> &amp;
            candidate = _append(current, _Run(word, run.tag))
            if current and utf16_units(_block_html(tuple(candidate))) > limit:
                pieces.append(_block_html(tuple(current)).rstrip())
                candidate = [_Run(word.lstrip(), run.tag)]
            current = candidate
    if current:
        pieces.append(_block_html(tuple(current)))
    return [p for p in pieces if p.strip()]


def _append(runs: list[_Run], run: _Run) -> list[_Run]:
    """Extend the last run when the tag is the same, so a piece has few tags."""
    if runs and runs[-1].tag == run.tag:
        return [*runs[:-1], _Run(runs[-1].text + run.text, run.tag)]
    return [*runs, run]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """One row of the reply's buttons whose action the core knows and Telegram can carry."""
    buttons = [
        InlineKeyboardButton(b.label, callback_data=b.action)
        for b in reply.buttons
        if valid_action(b.action) and b.label.strip()
    ]
    return InlineKeyboardMarkup([buttons]) if buttons else None


def valid_action(data: object) -> bool:
    """Callback data we accept, both when sending a button and when a press comes back."""
    return (
        isinstance(data, str)
        and 1 <= len(data.encode()) <= MAX_CALLBACK_BYTES
        and (data in KNOWN_ACTIONS or parse_vote(data) is not None)
    )
