"""Build `Reply` values from what the knowledge layer returns; wording lives here, once.

That includes the failure texts every surface shares: the apology the core gives for a
failure inside it is the one each adapter sends when delivering fails (`SORRY`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.model import Bullet, Button, Citation, Reply, ReplyKind
from knowledge.answer import Answer, Quote
from knowledge.corrections import mark_corrections
from knowledge.models import Source, SourceMeta

MORE = Button("More", "more")
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
NO_EARLIER_QUESTION = "There is no earlier question in this chat. Ask one first."
NOT_COVERED = (
    "The sources don't cover that, so I won't guess. "
    "See /sources for what they cover, or ask with names and words they use."
)


def citation_for(meta: SourceMeta, number: int) -> Citation:
    return Citation(
        number=number,
        source_id=meta.id,
        title=meta.title,
        outlet=meta.outlet,
        date=meta.display_date,
        authors=meta.authors,
        url=meta.url,
    )


def cite(
    quotes: Iterable[tuple[Quote, str]],
) -> tuple[tuple[Bullet, ...], tuple[Citation, ...]]:
    """Bullets and their numbered citations for (quote, section) pairs: sources numbered in
    order of first use; a transcript quote is attributed to its speaker, an article's to its
    authors. Answers and digests share it so both attribute the same way. A quote stays
    verbatim; a curated source's corrections are added in brackets ("Shoygu [Shoigu]")."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    bullets: list[Bullet] = []
    for quote, section in quotes:
        meta = quote.hit.source
        if meta.id not in numbers:
            numbers[meta.id] = len(numbers) + 1
            citations.append(citation_for(meta, numbers[meta.id]))
        speaker = quote.hit.passage.speaker if meta.kind == "transcript" else None
        if meta.kind != "transcript" and meta.authors:
            speaker = ", ".join(meta.authors)
        text = mark_corrections(quote.text, meta.corrections)
        heading = quote.hit.passage.section
        bullets.append(Bullet(text, numbers[meta.id], speaker, section, heading))
    return tuple(bullets), tuple(citations)


def answer_reply(answer: Answer, *, question: str, reading_as: str = "") -> Reply:
    """An answer, or a plain "not covered" when no passage is relevant enough.

    `reading_as`: the whole question a follow-up was read as ("and Putin?" -> "what does Putin
    want?"); a misspelt name read as one the sources use is said too ("read as: Jake Sullivan"),
    so a wrong guess shows instead of looking like a bad answer."""
    notes = reading_notes(answer, reading_as)
    if answer.abstained:
        body = "No more passages for that question." if answer.offset else NOT_COVERED
        return Reply(
            kind=ReplyKind.ABSTAIN,
            title=question,
            body=(*notes, body),
            extra={"reason": answer.reason},
        )
    bullets, citations = cite((quote, "") for quote in answer.quotes)
    more = answer.next_offset < len(answer.result.hits)
    return Reply(
        kind=ReplyKind.ANSWER,
        title=question,
        body=notes,
        bullets=bullets,
        citations=citations,
        buttons=(MORE,) if more else (),
    )


def reading_notes(answer: Answer, reading_as: str = "") -> tuple[str, ...]:
    """ "Reading this as: …" for a rewritten follow-up, "(read as: …)" for corrected names."""
    notes = [f"Reading this as: {reading_as}"] if reading_as else []
    names = list(dict.fromkeys(c.name for c in answer.result.read_as))
    if names:
        notes.append(f"(read as: {', '.join(names)})")
    return tuple(notes)


def describe_source(source: Source) -> str:
    meta = source.meta
    who = ", ".join(s.name for s in meta.speakers if s.name != "Guest") or ", ".join(meta.authors)
    parts = [meta.outlet or "unknown outlet", who, meta.display_date, meta.kind]
    details = " · ".join(p for p in parts if p)
    return f"{meta.title} — {details} · {source.passage_count} passages indexed · id: {meta.id}"


def sources_reply(sources: Sequence[Source]) -> Reply:
    if not sources:
        return Reply(title="Sources", body=("No sources are indexed yet.",))
    return Reply(title="Sources", body=tuple(describe_source(s) for s in sources))


def hint(text: str) -> Reply:
    return Reply(kind=ReplyKind.INFO, body=(text,))


def sorry() -> Reply:
    """Something failed on our side: a short apology, never a traceback."""
    return Reply(kind=ReplyKind.ERROR, body=(SORRY,))
