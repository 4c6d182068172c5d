"""Finding what to remove: chrome lines, comment footers and sponsor reads, as text spans."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from knowledge.cleaning.rules import (
    _SENTENCE_END_RE,
    AD_END_CUES,
    CHROME_SUFFIX,
    MAX_AD_LINES,
    MAX_AD_WORDS,
    SPONSOR_OPENERS,
    Span,
    _ends_sentence,
    _is_chrome_line,
    _is_footer_heading,
    _is_footer_line,
    _is_hard_stop,
    _is_segment_start,
    _starts_lowercase,
)

# --------------------------------------------------------------------------------------------
# Span finders. They work on `lines` (blank lines already "") and `starts`, the offset of each
# line in "\n".join(lines).
# --------------------------------------------------------------------------------------------


def _chrome_spans(lines: Sequence[str], starts: Sequence[int]) -> list[Span]:
    """Whole chrome lines, and chrome runs glued to the end of a content line."""
    spans: list[Span] = []
    for line, start in zip(lines, starts, strict=True):
        if _is_chrome_line(line):
            spans.append((start, start + len(line)))
            continue
        match = CHROME_SUFFIX.search(line)
        if match:
            spans.append((start + match.start(), start + len(line)))
    return spans


def _footer_spans(lines: Sequence[str], starts: Sequence[int], total: int) -> list[Span]:
    """Comment sections and comment forms.

    A heading in the back half of the text is a trailing footer: everything from it to the end
    goes, reader comments included, since none of it is the source's content. A heading earlier
    than that may be followed by content (a page template that puts the form mid-page), so only
    the heading and the form lines directly after it are removed.
    """
    spans: list[Span] = []
    i = 0
    while i < len(lines):
        if not _is_footer_heading(lines[i]):
            i += 1
            continue
        if 2 * starts[i] >= total:
            spans.append((starts[i], total))
            break
        j = i
        while j + 1 < len(lines) and _is_footer_line(lines[j + 1]):
            j += 1
        spans.append((starts[i], starts[j] + len(lines[j])))
        i = j + 1
    return spans


def _sponsor_openers(line: str) -> list[tuple[int, int]]:
    """(start, end) columns of sponsor formulas that open a line or a sentence.

    Mid-sentence uses are skipped: the text before the formula on its line must be empty or end
    a sentence, and be separated from it by whitespace.
    """
    found: list[tuple[int, int]] = []
    for pattern in SPONSOR_OPENERS:
        for match in pattern.finditer(line):
            before = line[: match.start()]
            at_line_start = not before.strip()
            after_sentence = bool(before) and before[-1].isspace() and _ends_sentence(before)
            if at_line_start or after_sentence:
                found.append((match.start(), match.end()))
    return sorted(found)


def _last_cue_end(text: str, lo: int) -> int | None:
    """Column just after the last ad-ending cue in `text[lo:]`, or None."""
    ends = [m.end() for cue in AD_END_CUES for m in cue.finditer(text, lo)]
    if not ends:
        return None
    end = max(ends)
    return len(text) if not text[end:].strip() else end


def _formula_sentence_end(lines: Sequence[str], starts: Sequence[int], i: int, col: int) -> int:
    """End offset of the sentence a sponsor formula opens, within the ad window.

    Used when the read's end could not be established: only that sentence is certainly
    sponsor text. Without a sentence end in sight, the formula's line is the most we take.
    """
    for j in range(i, min(len(lines), i + MAX_AD_LINES)):
        if j > i and _is_hard_stop(lines[j]):
            break
        match = _SENTENCE_END_RE.search(lines[j], col if j == i else 0)
        if match:
            return starts[j] + match.end()
    return starts[i] + len(lines[i])


def _ad_end(lines: Sequence[str], starts: Sequence[int], i: int, col: int) -> int:
    """End offset of the sponsor read whose formula ends at column `col` of line `i`.

    The read continues line by line (it is usually hard-wrapped mid-sentence) and is closed by
    the first of:

    * an ad-ending cue on the current line (a web address like "WISE.com" or "More at iu.edu
      forward.", "T's and C's apply.", "Thank you.", "wherever you get your audiobooks", a
      promo code): the read ends just after the last cue on that line;
    * the next line opening a new segment (another sponsor formula, or a program ident such as
      "It's Consider This from NPR." or "From NPR, I'm Ari Shapiro."): the read ends with the
      current line;
    * the current line ending a sentence while the next one starts in lower case: that next line
      can only be continuing an unfinished content sentence the read interrupted.

    Each of these positively marks the end. If instead the window (`MAX_AD_LINES` lines or
    `MAX_AD_WORDS` words) runs out, or a blank line, chrome line or the end of the text comes
    first, nothing says where the read stopped and the lines after the formula may well be
    content; then only the formula's own sentence is removed.

    Against the NPR seed: Indiana University's first read ends at "More at iu.edu."; WISE at
    "T's and C's apply."; the second Indiana University read at "More at iu.edu forward.";
    Pushkin at "wherever you get your audiobooks." (and "It's Consider This from NPR." would end
    it anyway); the Kauffman Foundation credit at "Thank you.".
    """
    words = 0
    j = i
    while True:
        line = lines[j]
        lo = col if j == i else 0
        cue_end = _last_cue_end(line, lo)
        if cue_end is not None:
            return starts[j] + cue_end
        words += len(line[lo:].split())
        nxt = j + 1
        if (
            nxt >= len(lines)
            or nxt - i >= MAX_AD_LINES
            or words > MAX_AD_WORDS
            or _is_hard_stop(lines[nxt])
        ):
            break
        if _is_segment_start(lines[nxt]) or (
            _ends_sentence(line) and _starts_lowercase(lines[nxt])
        ):
            return starts[j] + len(line)
        j = nxt
    return _formula_sentence_end(lines, starts, i, col)


def _ad_spans(
    lines: Sequence[str], starts: Sequence[int], covered: Callable[[int], bool]
) -> list[Span]:
    """Sponsor reads, from their formula to the end `_ad_end` establishes."""
    spans: list[Span] = []
    resume = 0
    for i, line in enumerate(lines):
        for col, formula_end in _sponsor_openers(line):
            begin = starts[i] + col
            if begin < resume or covered(begin):
                continue
            end = _ad_end(lines, starts, i, formula_end)
            spans.append((begin, end))
            resume = end
    return spans
