"""Render a `Reply` as inline-query results (`@botname question` typed in any chat).

The first result posts the whole answer; then one result per bullet posts that quote alone with
its attribution and citation, so a user can drop a single quote into a conversation. A reply
that is not an answer (a hint, "not covered", "slow down") is one result with its text.
Message texts are the same escaped HTML as ordinary replies (`telegram_html`).
"""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.adapters.telegram.html import render_html
from bot.core.model import Reply, ReplyKind
from bot.render.text import attribution

MAX_TITLE = 64
MAX_DESCRIPTION = 160


def inline_results(reply: Reply) -> list[InlineQueryResultArticle]:
    reply = replace(reply, buttons=())
    if reply.kind is not ReplyKind.ANSWER or not reply.bullets:
        text = " ".join((*reply.body, *reply.footer)) or reply.title
        return [_article("reply", reply.title or text, text, reply)]
    first = reply.bullets[0]
    results = [_article("all", f"Answer: {reply.title}", first.text, reply)]
    for number, bullet in enumerate(reply.bullets, 1):
        cited = reply.citation(bullet.citation)
        single = replace(reply, bullets=(bullet,), citations=(cited,) if cited else ())
        title = attribution(bullet, cited)
        results.append(_article(f"b{number}", title, bullet.text, single))
    return results


def _article(
    result_id: str, title: str, description: str, reply: Reply
) -> InlineQueryResultArticle:
    html = render_html(reply)[0]  # answers are a handful of bullets: one message
    return InlineQueryResultArticle(
        id=result_id,
        title=_short(title, MAX_TITLE) or "briefbot",
        description=_short(description, MAX_DESCRIPTION),
        input_message_content=InputTextMessageContent(
            html,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
    )


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
