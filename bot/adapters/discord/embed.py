"""Render a `Reply` as Discord messages: embeds (or plain content for short hints) and buttons.

Why embeds: a title, a description of bullets and a "Sources" field read well on a phone and
never ping anyone (Discord never resolves mentions inside embeds into notifications; the
adapter also sends `allowed_mentions=none` on every message, for the content). Every string
from a user or a source goes through `escape`: markdown (`**`, `` ` ``, `||`, `> `, `#`, masked
links) is backslash-escaped and mentions (`@everyone`, `<@&id>`, `<@id>`) are broken with a
zero-width space, so a quote shows what the source says and nothing else. The only markup is
ours (italic attributions). Embed footers render no markdown, so they are not escaped.
Attributions and citation lines come from `bot.render.text`, so every platform says the same.

Discord's limits (characters): content 2,000; per embed title 256, description 4,096, 25
fields of name 256 / value 1,024, footer 2,048, 6,000 in total. We measure in UTF-16 code
units, never fewer than Discord's count. A long answer becomes several messages, split between
blocks (a paragraph, a bullet, a citation line); a block too long for one embed is cut at a
word, before escaping, so a cut never separates a backslash from what it escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from discord.utils import escape_markdown, escape_mentions

from bot.core.model import Button, Reply, ReplyKind
from bot.render.text import attribution, citation_line, split_words

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
CUSTOM_ID_PREFIX = "briefbot:"  # every button we send; the adapter routes these to Core.press
MAX_CUSTOM_ID = 100
MAX_LABEL = 80
MAX_BUTTONS = 25  # five rows of five
SOURCES = "Sources"
COLOURS = {ReplyKind.ANSWER: 0x5865F2, ReplyKind.ABSTAIN: 0x99AAB5, ReplyKind.ERROR: 0xED4245}


def units(text: str) -> int:
    """Length in UTF-16 code units: never less than what Discord counts."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """User or source text, shown literally: no markdown, no mentions, no links but bare URLs.

    discord.py escapes a masked link's first `[` only, which leaves `[[x](https://evil)` live;
    so every `(` and `)`, a `]` before `(`, and a `<` that could open an autolink, channel or
    emoji (`<https://…>`, `<#id>`, `<t:…>`) are escaped too (Discord hides the backslash; user
    mentions are already broken by `escape_mentions`): no masked link can form, while citation
    markers like `[1]` stay as they are.
    """
    return _LINK_PARTS.sub(_escape_link_part, escape_mentions(escape_markdown(text)))


# A bare URL (left alone; it stops at brackets, so it cannot carry a masked link), an escaped
# character (left alone), or a character a link is made of (escaped).
_LINK_PARTS = re.compile(r"(https?://[^\s<>\[\]()]+)|\\.|[()]|\](?=\()|<(?=[^\s@])")


def _escape_link_part(match: re.Match[str]) -> str:
    part = match.group()
    return part if match.group(1) or part.startswith("\\") else "\\" + part


@dataclass
class Page:
    """One Discord message: plain `content` or one embed (as the dict discord.Embed takes)."""

    content: str | None = None
    title: str = ""
    description: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    footer: str = ""
    colour: int | None = None

    def size(self) -> int:
        parts = [self.title, self.description, self.footer, *(n + v for n, v in self.fields)]
        return sum(units(p) for p in parts)

    def is_empty(self) -> bool:
        return not (self.content or self.title or self.description or self.fields or self.footer)

    def embed_dict(self) -> dict[str, object] | None:
        """The embed as Discord's JSON (for `discord.Embed.from_dict`); None for plain text."""
        if self.content is not None:
            return None
        data: dict[str, object] = {"type": "rich"}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.fields:
            data["fields"] = [{"name": n, "value": v, "inline": False} for n, v in self.fields]
        if self.footer:
            data["footer"] = {"text": self.footer}
        if self.colour is not None:
            data["color"] = self.colour
        return data


def render_pages(reply: Reply) -> list[Page]:
    """The reply as one or more messages, each within Discord's limits; never empty."""
    plain = _as_content(reply)
    if plain is not None:
        return [Page(content=plain)]
    builder = _Builder(_title(reply.title), COLOURS.get(reply.kind))
    for number, section in enumerate(_description_sections(reply)):
        for index, block in enumerate(section):
            separator = "\n" if index else "\n\n"
            for piece in _fit(block, MAX_DESCRIPTION):
                builder.add_description(piece, separator if number or index else "")
                separator = "\n"
    for citation in reply.citations:
        for piece in _fit(((citation_line(citation), ""),), MAX_FIELD_VALUE):
            builder.add_source(piece)
    if reply.footer:
        builder.set_footer(_cut_plain("\n".join(reply.footer), MAX_FOOTER))
    pages = builder.finish()
    return pages or [Page(content="…")]


def _as_content(reply: Reply) -> str | None:
    """A short hint or apology reads better as a plain message than as an embed."""
    if reply.kind not in (ReplyKind.INFO, ReplyKind.ERROR, ReplyKind.TOAST) or reply.title:
        return None
    if reply.bullets or reply.citations:
        return None
    text = "\n".join(escape(line) for line in (*reply.body, *reply.footer))
    return text if text.strip() and units(text) <= MAX_CONTENT else None


def _title(title: str) -> str:
    text = escape(title)
    while units(text) > MAX_TITLE:
        title = title[: len(title) - max(1, (units(text) - MAX_TITLE) // 3)]
        text = escape(title.rstrip()) + "…"
    return text


def _cut_plain(text: str, limit: int) -> str:
    while units(text) > limit:
        text = text[: len(text) - (units(text) - limit) - 1] + "…"
    return text


_Run = tuple[str, str]  # (plain text, wrapper: "" or "*" for italic)
_Block = tuple[_Run, ...]


def _description_sections(reply: Reply) -> list[list[_Block]]:
    sections: list[list[_Block]] = []
    if reply.body:
        sections.append([((p, ""),) for p in reply.body])
    if reply.bullets:
        sections.append(
            [
                (
                    (f"• “{b.text}”\n", ""),
                    (f"— {attribution(b, reply.citation(b.citation))}", "*"),
                )
                for b in reply.bullets
            ]
        )
    return sections


def _markdown(block: _Block) -> str:
    out = []
    for text, wrapper in block:
        core, tail = text.rstrip(), text[len(text.rstrip()) :]  # "*x *" would not be italic
        out.append(f"{wrapper}{escape(core)}{wrapper}{tail}" if wrapper and core else escape(text))
    return "".join(out)


def _fit(block: _Block, limit: int) -> list[str]:
    """The block as markdown, cut at words into pieces of at most `limit` units if too long.

    Linear: a piece is filled by the escaped length of each word (escaping is per character
    but for a few patterns spanning words, which a margin covers); every piece is then
    measured exactly, and in the rare case one is still too long the cut is redone tighter.
    """
    whole = _markdown(block)
    if units(whole) <= limit:
        return [whole]
    budget = limit - 16
    while True:
        pieces = [_markdown(piece) for piece in _pack(block, max(1, budget), limit)]
        excess = max(units(p) for p in pieces) - limit
        if excess <= 0 or budget <= 1:
            return [p.strip() if i else p.rstrip() for i, p in enumerate(pieces) if p.strip()]
        budget -= excess + 16


def _pack(block: _Block, budget: int, limit: int) -> list[_Block]:
    pieces: list[_Block] = []
    current: list[_Run] = []
    size = 0
    for text, wrapper in block:
        for word in split_words(text, max(1, (limit - 8) // 3)):  # escaping at most triples
            cost = units(escape(word)) + (
                2 if wrapper and (not current or current[-1][1] != wrapper) else 0
            )
            if current and size + cost > budget:
                pieces.append(tuple(current))
                current, size, word = [], 0, word.lstrip()
                cost = units(escape(word)) + (2 if wrapper else 0)
            current = _append(current, (word, wrapper))
            size += cost
    if current:
        pieces.append(tuple(current))
    return pieces


def _append(runs: list[_Run], run: _Run) -> list[_Run]:
    if runs and runs[-1][1] == run[1]:
        return [*runs[:-1], (runs[-1][0] + run[0], run[1])]
    return [*runs, run]


class _Builder:
    """Packs description pieces, then source lines, then the footer, into pages."""

    def __init__(self, title: str, colour: int | None) -> None:
        self._colour = colour
        self._pages: list[Page] = []
        self._page = Page(title=title, colour=colour)
        self._sources_started = False

    def _flush(self) -> None:
        if not self._page.is_empty():
            self._pages.append(self._page)
        self._page = Page(colour=self._colour)

    def _fits(self, extra: str) -> bool:
        return self._page.size() + units(extra) <= MAX_EMBED_TOTAL

    def add_description(self, piece: str, separator: str) -> None:
        page = self._page
        joined = page.description + separator + piece if page.description else piece
        if page.description and (
            units(joined) > MAX_DESCRIPTION or not self._fits(separator + piece)
        ):
            self._flush()
            joined = piece
        self._page.description = joined

    def add_source(self, line: str) -> None:
        fields = self._page.fields
        if fields and units(fields[-1][1] + "\n" + line) <= MAX_FIELD_VALUE and self._fits(line):
            fields[-1] = (fields[-1][0], fields[-1][1] + "\n" + line)
            return
        name = SOURCES + " (continued)" if self._sources_started else SOURCES
        if len(fields) >= MAX_FIELDS or not self._fits(name + line):
            self._flush()
        self._page.fields.append((name, line))
        self._sources_started = True

    def set_footer(self, text: str) -> None:
        if not self._fits(text):
            self._flush()
        self._page.footer = text

    def finish(self) -> list[Page]:
        self._flush()
        return self._pages


def custom_id(action: str) -> str:
    return CUSTOM_ID_PREFIX + action


def action_of(custom: str) -> str | None:
    """The core action of one of our buttons; None for anything else."""
    if not custom.startswith(CUSTOM_ID_PREFIX) or len(custom) > MAX_CUSTOM_ID:
        return None
    return custom[len(CUSTOM_ID_PREFIX) :] or None


def buttons(reply: Reply) -> list[Button]:
    """The reply's buttons that Discord can carry (custom_id ≤ 100, label ≤ 80, at most 25)."""
    ok = [
        b
        for b in reply.buttons
        if b.action and b.label.strip() and len(custom_id(b.action)) <= MAX_CUSTOM_ID
    ]
    return [Button(b.label[:MAX_LABEL], b.action) for b in ok[:MAX_BUTTONS]]
