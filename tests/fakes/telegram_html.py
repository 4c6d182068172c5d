"""Telegram's `parse_mode="HTML"`, re-implemented strictly enough to catch escaping bugs.

`parse_html` turns Bot API HTML into `(plain_text, entities)` or raises `HtmlParseError` with a
message worded like Telegram's ("Unsupported start tag "script" at byte offset 0", ...).

Accepted, as documented at https://core.telegram.org/bots/api#html-style: b/strong, i/em,
u/ins, s/strike/del, tg-spoiler and span class="tg-spoiler", a href, code, pre (a
`code class="language-x"` directly inside sets the pre's language), blockquote [expandable],
tg-emoji emoji-id. Tag names are case-insensitive; tags must nest and close. A `&` must start
&lt; &gt; &amp; &quot; or a numeric entity, and `<` must start a tag. The real server lets a stray
`&` through; the fake is stricter on purpose. Entity offsets/lengths are UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, counted after entity parsing

_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));")
_TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR = re.compile(
    r"""\s+([a-zA-Z_][a-zA-Z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"""
)
_END_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")


class HtmlParseError(ValueError):
    """Invalid Telegram HTML; str(error) is the part after "can't parse entities: "."""


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int  # UTF-16 offset in the output text
    language: str | None = field(default=None)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Return the plain text and its MessageEntity dicts, or raise HtmlParseError."""
    out: list[str] = []
    pos = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict] = []
    i = 0

    def offset(at: int) -> int:
        return len(source[:at].encode())

    while i < len(source):
        ch = source[i]
        if ch == "&":
            m = _ENTITY.match(source, i)
            decoded = _decode_entity(m) if m else None
            if decoded is None:
                raise HtmlParseError(
                    f'Character "&" at byte offset {offset(i)} must be escaped as "&amp;"'
                )
            out.append(decoded)
            pos += utf16_len(decoded)
            i = m.end()  # type: ignore[union-attr]
        elif ch == "<" and source.startswith("</", i):
            m = _END_TAG.match(source, i)
            if not m:
                raise HtmlParseError(f"Unclosed end tag at byte offset {offset(i)}")
            name = m.group(1).lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {offset(i)}")
            if stack[-1].name != name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {offset(i)}, expected "</{stack[-1].name}>"'
                    f', found "</{name}>"'
                )
            _close(stack.pop(), pos, stack, entities)
            i = m.end()
        elif ch == "<":
            tag, i = _start_tag(source, i, offset(i))
            tag.start = pos
            stack.append(tag)
        else:
            out.append(ch)
            pos += utf16_len(ch)
            i += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _decode_entity(m: re.Match[str]) -> str | None:
    dec, hexa, name = m.groups()
    if name is not None:
        return _NAMED.get(name)
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _start_tag(source: str, i: int, byte_offset: int) -> tuple[_Open, int]:
    m = _TAG_NAME.match(source, i + 1)
    if not m:
        raise HtmlParseError(f"Empty tag name at byte offset {byte_offset}")
    name = m.group(0).lower()
    if name not in _TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {byte_offset}')
    attrs: dict[str, str] = {}
    j = m.end()
    while a := _ATTR.match(source, j):
        value = next((v for v in a.groups()[1:] if v is not None), "")
        attrs[a.group(1).lower()] = html.unescape(value)
        j = a.end()
    while j < len(source) and source[j].isspace():
        j += 1
    if not source.startswith(">", j):
        raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset}")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
        )
    if name == "tg-emoji" and not attrs.get("emoji-id"):
        raise HtmlParseError(f'Tag "tg-emoji" must have "emoji-id" at byte offset {byte_offset}')
    return _Open(name, attrs, start=0), j + 1


def _close(tag: _Open, end: int, stack: list[_Open], entities: list[dict]) -> None:
    kind = _TAGS[tag.name]
    language = tag.attrs.get("class", "")
    if kind == "code" and stack and stack[-1].name == "pre" and language.startswith("language-"):
        stack[-1].language = language.removeprefix("language-")
        return  # <pre><code class="language-x"> is a single pre entity
    entity: dict = {"type": kind, "offset": tag.start, "length": end - tag.start}
    if kind == "text_link":
        if not tag.attrs.get("href"):
            return  # Telegram drops a link without a URL and keeps its text
        entity["url"] = tag.attrs["href"]
    elif kind == "pre" and tag.language:
        entity["language"] = tag.language
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    if entity["length"] > 0:
        entities.append(entity)


def trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip leading/trailing whitespace like Telegram does, clipping entities to the rest."""
    lead = len(text) - len(text.lstrip())  # whitespace is in the BMP: chars == code units
    text = text.strip()
    size = utf16_len(text)
    kept = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        stop = min(e["offset"] - lead + e["length"], size)
        if stop > start:
            kept.append({**e, "offset": start, "length": stop - start})
    return text, kept
