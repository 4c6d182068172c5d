"""One cleaning pass (remove spans, drop repeats) repeated until nothing changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from knowledge.cleaning.furniture import FURNITURE_HINT, furniture_spans
from knowledge.cleaning.rules import (
    _CHROME_SUFFIX_HINT,
    CHROME_LINES,
    FOOTER_HEADINGS,
    MAX_PASSES,
    MIN_REPEAT_WORDS,
    PHOTO_CREDITS,
    SPONSOR_OPENERS,
    Span,
    _cuts_word,
    _may_match,
    _word_key,
)
from knowledge.cleaning.spans import (
    _ad_spans,
    _chrome_spans,
    _footer_spans,
)


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The cleaned text and what was taken out of it."""

    text: str  # cleaned text: paragraphs separated by "\n\n", lines otherwise unchanged
    removed: tuple[str, ...]  # each removed span, verbatim, so ingest can log what was dropped


_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# One pass
# --------------------------------------------------------------------------------------------


def _merge(spans: list[Span]) -> list[Span]:
    """Sort spans and fuse overlapping ones; adjacent spans stay separate log entries."""
    merged: list[Span] = []
    for begin, end in sorted(spans):
        if merged and begin < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _find_spans(lines: Sequence[str], starts: Sequence[int], text: str) -> list[Span]:
    """All boilerplate spans of one pass, merged, minus any that would cut a word in two."""
    fixed: list[Span] = []
    if _may_match(CHROME_LINES, text, whole_line=True) or _CHROME_SUFFIX_HINT.search(text):
        fixed += _chrome_spans(lines, starts)
    if _may_match(FOOTER_HEADINGS, text, whole_line=True):
        fixed += _footer_spans(lines, starts, len(text))
    if FURNITURE_HINT.search(text):
        fixed += furniture_spans(lines, starts)

    def covered(pos: int) -> bool:
        return any(begin <= pos < end for begin, end in fixed)

    spans = fixed
    if _may_match(SPONSOR_OPENERS, text, whole_line=False):
        spans = fixed + _ad_spans(lines, starts, covered)
    safe = [
        (begin, end)
        for begin, end in spans
        if end > begin and not _cuts_word(text, begin) and not _cuts_word(text, end)
    ]
    return _merge(safe)


def _apply_spans(
    lines: Sequence[str], starts: Sequence[int], spans: Sequence[Span]
) -> list[list[str]]:
    """Cut `spans` out of the lines and regroup what is left into paragraphs.

    A line no span touches is kept verbatim. A touched line keeps its remaining pieces, trimmed
    and joined by one space; if nothing but whitespace remains, the line goes (it does not turn
    into a paragraph break). Blank lines of the input stay paragraph breaks.
    """
    paragraphs: list[list[str]] = [[]]
    k = 0  # spans are sorted and disjoint: skip those that end before the current line
    for line, start in zip(lines, starts, strict=True):
        if not line:
            paragraphs.append([])
            continue
        end = start + len(line)
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        cuts: list[Span] = []
        for b, e in spans[k:]:
            if b >= end:
                break
            cuts.append((max(b, start), min(e, end)))
        if not cuts:
            paragraphs[-1].append(line)
            continue
        pieces: list[str] = []
        pos = start
        for b, e in cuts:
            pieces.append(line[pos - start : b - start])
            pos = max(pos, e)
        pieces.append(line[pos - start :])
        kept = " ".join(piece.strip() for piece in pieces if piece.strip())
        if kept:
            paragraphs[-1].append(kept)
    return [p for p in paragraphs if p]


def _is_caption(text: str) -> bool:
    return bool(PHOTO_CREDITS.search(text.strip()))


def _drop_repeats(units: Sequence[_T], key: Callable[[_T], str], removed: list[_T]) -> list[_T]:
    """Drop a unit that repeats the previous kept one; a repeated caption loses both copies.

    Non-caption repeats must have at least `MIN_REPEAT_WORDS` words: "Thank you." said twice
    in a row is two speakers, not a scraping artefact. Further copies of a caption that was just
    dropped go too.
    """
    kept: list[_T] = []
    kept_keys: list[str] = []  # key of each kept unit, computed once
    dropped_caption: str | None = None
    for unit in units:
        k = key(unit)
        if dropped_caption is not None and k == dropped_caption:
            removed.append(unit)
            continue
        dropped_caption = None
        if kept_keys and kept_keys[-1] == k:
            if _is_caption(k):
                removed.append(kept.pop())
                kept_keys.pop()
                removed.append(unit)
                dropped_caption = k
                continue
            if len(k.split()) >= MIN_REPEAT_WORDS:
                removed.append(unit)
                continue
        kept.append(unit)
        kept_keys.append(k)
    return kept


def _dedupe(paragraphs: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Repeated lines inside each paragraph, then repeated paragraphs."""
    removed_lines: list[str] = []
    paragraphs = [_drop_repeats(p, _word_key, removed_lines) for p in paragraphs]
    paragraphs = [p for p in paragraphs if p]
    removed_paragraphs: list[list[str]] = []
    paragraphs = _drop_repeats(paragraphs, lambda p: _word_key(" ".join(p)), removed_paragraphs)
    return paragraphs, removed_lines + ["\n".join(p) for p in removed_paragraphs]


def _split_lines(text: str) -> list[str]:
    """Lines of `text`, with whitespace-only lines turned into "" (paragraph breaks)."""
    return [line if line.strip() else "" for line in text.splitlines()]


def _render(paragraphs: Sequence[Sequence[str]]) -> str:
    return "\n\n".join("\n".join(p) for p in paragraphs)


def _clean_pass(text: str) -> tuple[str, list[str]]:
    """One pass of every rule over `text`; returns the new text and the removed spans."""
    lines = _split_lines(text)
    starts: list[int] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    joined = "\n".join(lines)
    spans = _find_spans(lines, starts, joined)
    removed = [joined[b:e].strip() for b, e in spans if joined[b:e].strip()]
    paragraphs, repeats = _dedupe(_apply_spans(lines, starts, spans))
    return _render(paragraphs), removed + repeats


def clean_text(text: str) -> CleanResult:
    """Remove sponsor reads, page chrome, comment footers and repeated captions from `text`.

    Only ever removes: the kept words are the input's words, in order. Passes repeat until one
    changes nothing, so `clean_text(clean_text(x).text)` returns the same text.
    """
    removed: list[str] = []
    current = text
    for _ in range(MAX_PASSES):
        cleaned, dropped = _clean_pass(current)
        removed.extend(dropped)
        if cleaned == current:
            break
        current = cleaned
    return CleanResult(text=current, removed=tuple(removed))
