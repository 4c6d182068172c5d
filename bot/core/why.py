"""`/why` and `briefbot ask --why`: how an answer was found, in words a user can check.

The query as searched (after alias expansion), then each passage that was considered: its
BM25 score and rank, its vector similarity, rank and fused rank (hybrid search only), and what
became of it: a bullet, or the reason it was left out. When the bot abstained, why.
"""

from __future__ import annotations

from bot.core.model import Reply, ReplyKind
from knowledge.answer import Answer
from knowledge.models import Hit

SHOWN_PASSAGES = 8


def explain_lines(answer: Answer) -> list[str]:
    result = answer.result
    lines = [f"Question: {answer.question}"]
    if result.query.groups:
        ideas = []
        for group in result.query.groups:
            equivalents = sorted({" ".join(p) for p in group.phrases} - {group.asked})
            weight = result.weights.get(group.label, 0.0)
            extra = f" (also: {', '.join(equivalents)})" if equivalents else ""
            ideas.append(f"“{group.asked or group.label}”{extra} weight {weight:.2f}")
        lines.append("Searched for: " + "; ".join(ideas))
    else:
        lines.append("Searched for: nothing (no searchable words)")
    lines.append(
        "Ranking: BM25 + vector similarity, fused" if result.semantic else "Ranking: BM25 only"
    )
    if not result.focus.empty:
        lines.append(f"Understood as: {result.focus.note}")
    if answer.abstained:
        lines.append(f"Abstained: {answer.reason or 'no passage was relevant enough'}.")
    bullets = {q.hit.passage.id: n for n, q in enumerate(answer.quotes, 1)}
    skipped = dict(answer.skipped)
    for hit in result.hits[:SHOWN_PASSAGES]:
        lines.append(_passage_line(hit, bullets, skipped, answer, fused=result.semantic))
    if len(result.hits) > SHOWN_PASSAGES:
        lines.append(f"…and {len(result.hits) - SHOWN_PASSAGES} lower-ranked passages.")
    return lines


def _passage_line(
    hit: Hit, bullets: dict[int, int], skipped: dict[int, str], answer: Answer, *, fused: bool
) -> str:
    """One passage's scores, only those the ranking used: a BM25-only search shows no vector
    or fused columns, which would mean nothing there."""
    who = f"{hit.passage.speaker}, " if hit.passage.speaker else ""
    bm25 = f"BM25 {hit.bm25:.2f} (#{hit.bm25_rank})" if hit.bm25_rank else "BM25 no match"
    vector = ""
    if fused and hit.vector is not None:
        vector = f", vector {hit.vector:.2f} (#{hit.vector_rank})"
    rank = f", fused #{hit.fused_rank}" if fused else ""
    scores = f"{bm25}{vector}{rank}, covers {hit.coverage:.0%}"
    if hit.passage.id in bullets:
        fate = f"bullet {bullets[hit.passage.id]}"
    elif answer.abstained:
        fate = "not used (abstained)"
    elif hit.passage.id in skipped:
        fate = f"left out: {skipped[hit.passage.id]}"
    else:
        fate = "left out: ranked below the passages the answer drew on"
    return f"• {who}{hit.source.title} ¶{hit.passage.position}: {scores} → {fate}"


def why_reply(answer: Answer) -> Reply:
    return Reply(
        kind=ReplyKind.INFO,
        title=f"Why: {answer.question}",
        body=tuple(explain_lines(answer)),
    )
