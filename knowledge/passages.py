"""Split a cleaned body into passages along paragraphs and speaker turns.

Passages are the unit of retrieval and citation: big enough to carry a point (about 40-150
words), small enough to quote, and never spanning two speakers so every quote has one author.
No passage is longer than MAX_CHARS: a paragraph with no sentence ends (a 9 MB one-line file)
is cut at word boundaries, because one huge passage makes every question slower.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.models import PassageDraft

MIN_WORDS = 40
MAX_WORDS = 150
MAX_CHARS = 2000  # hard cap on a passage's length, whatever its words and sentences
_LAST_WORD_WINDOW = 64  # characters looked back for an abbreviation before a sentence end

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
        # only the tail is needed: slicing from `start` grows quadratically on "a. a. a. ..."
        candidate = text[max(start, match.start() - _LAST_WORD_WINDOW) : match.start()].rstrip()
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
        if len(paragraph) <= MAX_CHARS and len(paragraph.split()) <= MAX_WORDS:
            units.append(paragraph)
        else:
            pieces = [piece for s in split_sentences(paragraph) for piece in _cut(s)]
            units.extend(_pack(pieces, joiner=" "))
    return _pack(units, joiner="\n\n")


def _cut(sentence: str) -> list[str]:
    """A sentence over MAX_WORDS or MAX_CHARS in pieces at word boundaries (a word longer than
    MAX_CHARS alone is cut where it must be)."""
    if len(sentence) <= MAX_CHARS and len(sentence.split()) <= MAX_WORDS:
        return [sentence]
    words: list[str] = []
    for word in sentence.split():
        words.extend(word[i : i + MAX_CHARS] for i in range(0, len(word), MAX_CHARS))
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for word in words:
        if current and (len(current) >= MAX_WORDS or size + 1 + len(word) > MAX_CHARS):
            pieces.append(" ".join(current))
            current, size = [], 0
        size += len(word) + (1 if current else 0)
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _pack(units: list[str], *, joiner: str) -> list[str]:
    """Group units into chunks of about MIN_WORDS-MAX_WORDS words, never over MAX_CHARS."""
    chunks: list[list[str]] = []
    counts: list[int] = []
    sizes: list[int] = []
    for unit in units:
        n = len(unit.split())
        fits = bool(chunks) and sizes[-1] + len(joiner) + len(unit) <= MAX_CHARS
        if fits and (counts[-1] < MIN_WORDS or counts[-1] + n <= MAX_WORDS):
            chunks[-1].append(unit)
            counts[-1] += n
            sizes[-1] += len(joiner) + len(unit)
        else:
            chunks.append([unit])
            counts.append(n)
            sizes.append(len(unit))
    if (
        len(chunks) > 1
        and counts[-1] < MIN_WORDS
        and sizes[-2] + len(joiner) + sizes[-1] <= MAX_CHARS
    ):
        tail = chunks.pop()
        counts[-1] += counts.pop()
        sizes[-1] += len(joiner) + sizes.pop()
        chunks[-1].extend(tail)
    return [joiner.join(chunk) for chunk in chunks]


def split_passages(body: str, *, speakers: Sequence[str] = ()) -> tuple[PassageDraft, ...]:
    drafts: list[PassageDraft] = []
    for speaker, paragraphs in speaker_turns(body, speakers):
        for text in _chunks(paragraphs):
            drafts.append(PassageDraft(position=len(drafts), text=text, speaker=speaker))
    return tuple(drafts)
