"""Split a cleaned body into passages along paragraphs and speaker turns.

Passages are the unit of retrieval and citation: big enough to carry a point (about 40-150
words), small enough to quote, and never spanning two speakers so every quote has one author.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.models import PassageDraft

MIN_WORDS = 40
MAX_WORDS = 150

_PARAGRAPHS = re.compile(r"\n\s*\n")
_LABEL = re.compile(r"^([A-Za-z][A-Za-z.'\- ]{1,40}):\s+")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st gen sen rep gov lt col sgt prof jr sr vs etc inc co corp "
    "jan feb mar apr jun jul aug sep sept oct nov dec no u.s u.k u.n e.g i.e".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping common abbreviations ("U.S.", "Mr.") intact."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(None, 1)[-1].rstrip(".").lower() if candidate else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def speaker_turns(body: str, speakers: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """Group paragraphs into (speaker, paragraphs) turns; a label opens a turn, text continues it.

    A label counts only if it names a declared speaker or is written in capitals, so an
    ordinary sentence such as "Note: ..." is not mistaken for a turn.
    """
    by_upper = {name.upper(): name for name in speakers}
    turns: list[tuple[str | None, list[str]]] = []
    current: str | None = None
    for raw in _PARAGRAPHS.split(body):
        paragraph = " ".join(raw.split())
        if not paragraph:
            continue
        match = _LABEL.match(paragraph)
        label = match.group(1).strip() if match else ""
        if match and (label.upper() in by_upper or label.isupper()):
            current = by_upper.get(label.upper(), label.title())
            paragraph = paragraph[match.end() :]
            turns.append((current, [paragraph] if paragraph else []))
        elif turns and turns[-1][0] == current and current is not None:
            turns[-1][1].append(paragraph)
        else:
            turns.append((current, [paragraph]))
    return [(speaker, paras) for speaker, paras in turns if paras]


def _chunks(paragraphs: Iterable[str]) -> list[str]:
    """Pack one turn's paragraphs into chunks of at most MAX_WORDS, merging short tails."""
    units: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph.split()) <= MAX_WORDS:
            units.append(paragraph)
        else:
            units.extend(_pack(split_sentences(paragraph), joiner=" "))
    return _pack(units, joiner="\n\n")


def _pack(units: list[str], *, joiner: str) -> list[str]:
    chunks: list[list[str]] = []
    counts: list[int] = []
    for unit in units:
        n = len(unit.split())
        if chunks and (counts[-1] < MIN_WORDS or counts[-1] + n <= MAX_WORDS):
            chunks[-1].append(unit)
            counts[-1] += n
        else:
            chunks.append([unit])
            counts.append(n)
    if len(chunks) > 1 and counts[-1] < MIN_WORDS:
        tail = chunks.pop()
        counts[-1] += counts.pop()
        chunks[-1].extend(tail)
    return [joiner.join(chunk) for chunk in chunks]


def split_passages(body: str, *, speakers: Sequence[str] = ()) -> tuple[PassageDraft, ...]:
    drafts: list[PassageDraft] = []
    for speaker, paragraphs in speaker_turns(body, speakers):
        for text in _chunks(paragraphs):
            drafts.append(PassageDraft(position=len(drafts), text=text, speaker=speaker))
    return tuple(drafts)
