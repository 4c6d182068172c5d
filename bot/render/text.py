"""Plain-text rendering for the console and the CLI."""

from __future__ import annotations

import re

from bot.core.model import Bullet, Citation, Reply


def attribution(bullet: Bullet, citation: Citation | None) -> str:
    """ "Jean Lee · NPR, Consider This · 11 September 2023 · § Heading [1]" — who, where, when,
    under which of the source's headings, which source."""
    parts = [bullet.speaker or ""]
    if citation is not None:
        parts += [citation.outlet, citation.date]
    if bullet.heading:
        parts.append(f"§ {bullet.heading}")
    return " · ".join(p for p in parts if p) + f" [{bullet.citation}]"


def citation_line(citation: Citation) -> str:
    who = ", ".join(citation.authors)
    parts = [f"“{citation.title}”", citation.outlet, who, citation.date, citation.url or ""]
    return f"[{citation.number}] " + " · ".join(p for p in parts if p)


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        lines += [reply.title, ""]
    lines += list(reply.body)
    if reply.body and reply.bullets:
        lines.append("")
    section = ""
    for bullet in reply.bullets:
        if bullet.section and bullet.section != section:
            section = bullet.section
            lines += ["", section] if lines and lines[-1] else [section]
        lines.append(f"• “{bullet.text}”")
        lines.append(f"  — {attribution(bullet, reply.citation(bullet.citation))}")
    if reply.citations:
        lines.append("")
        lines += [citation_line(c) for c in reply.citations]
    if reply.footer:
        lines.append("")
        lines += list(reply.footer)
    commands = [b for b in reply.buttons if ":" not in b.action]  # a vote needs a real button
    if commands:
        lines.append("")
        lines.append("  ".join(f"[{b.label}: /{b.action}]" for b in commands))
    return "\n".join(lines).strip()


def split_words(text: str, longest: int) -> list[str]:
    """Words with their trailing whitespace, a word longer than `longest` hard-cut: the pieces
    renderers fill platform-limited messages with, cutting only where a reader would."""
    out: list[str] = []
    for word in re.findall(r"\S*\s*", text):
        while len(word) > longest:
            out.append(word[:longest])
            word = word[longest:]
        if word:
            out.append(word)
    return out
