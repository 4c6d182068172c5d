"""Conservative boilerplate removal for uncurated text files.

Teams drop raw text into the knowledge base: machine transcripts copied off a podcast page,
articles scraped from a republishing site. Those carry text that is not content (sponsor reads,
page chrome, comment forms, duplicated photo captions) and that would otherwise be quoted back
as if a source had said it. `clean_text` removes it and reports every removed span verbatim, so
that ingest can log what was dropped.

The guiding rule is that a false positive is worse than a miss: a sponsor line left in costs a
little noise, a content sentence dropped costs a quote an analyst needs. So every rule below only
fires on a formula that content practically never uses, anchored where boilerplate sits (the
start of a line or sentence, a whole line, the tail of a document), and the cleaner only ever
*removes*: it never rewrites a kept word, so the words of the output are always a subsequence of
the words of the input.

Rules, in the order a pass applies them:

1. Page chrome: whole lines such as "Transcript", "Discussion (0)", "Advertisement", "Skip to
   main content", cookie banners (`CHROME_LINES`); and the page-header run "Email us at … Learn
   more about sponsor message choices … NPR Privacy Policy" when it is glued onto the end of a
   line of real text, as scraped headers often are (`CHROME_SUFFIX`).
2. Comment footers ("Leave a Reply", "Deja una respuesta", "Comments (3)", "Your email address
   will not be published …"): a heading in the back half of the document starts a trailing
   footer that runs to the end of the text; elsewhere only the heading and the form lines right
   after it go (`FOOTER_HEADINGS`, `FOOTER_FORM_LINES`).
3. Sponsor reads (`SPONSOR_OPENERS`), which open at the start of a line or of a sentence; a
   sponsor phrase inside a sentence ("… the message comes from the Kremlin") never counts. Where
   the read ends is the hard part, see `_ad_end`: in short, the read runs over the following
   lines until it positively ends (an ad-ending cue such as a web address, "… apply.", "Thank
   you." or "wherever you get your podcasts"; the next line opening a new segment such as another
   sponsor read or a program ident like "It's Consider This from NPR"; or the next line
   continuing, in lower case, a content sentence the read interrupted). If no such end shows up
   within a short window, or a paragraph break, chrome line or the end of the text comes first,
   only the sponsor formula's own sentence is removed: the lines after it may be content.
4. Repeats: a line (within a paragraph) or a paragraph that repeats the previous one verbatim
   is dropped, keeping the first copy; if it looks like a photo caption (it ends with a credit
   such as "… via Getty Images" or "/AFP"), both copies go, since a caption is never what a
   question is about and a duplicated one marks scraped page furniture (`PHOTO_CREDITS`).

A pass can expose more of the same (a paragraph repeated on both sides of a removed ad), so
passes repeat until one removes nothing; that also makes cleaning idempotent.

Output layout: paragraphs (runs of non-blank lines) are joined by one blank line, surrounding
blank lines go, and every kept line is left exactly as it was unless part of it was removed, in
which case the kept pieces are trimmed and joined by a single space.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

__all__ = ["CleanResult", "clean_text"]


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The cleaned text and what was taken out of it."""

    text: str  # cleaned text: paragraphs separated by "\n\n", lines otherwise unchanged
    removed: tuple[str, ...]  # each removed span, verbatim, so ingest can log what was dropped


# A span of the working text, as [start, end) character offsets.
Span = tuple[int, int]
_T = TypeVar("_T")

# --------------------------------------------------------------------------------------------
# Rule tables
# --------------------------------------------------------------------------------------------

# Sentence end: terminal punctuation, optional closing quotes/brackets, then space or line end.
_SENTENCE_END = r"""[.!?]["'”’)\]]*(?=\s|$)"""
# A cue "ends a sentence" when it is followed by a sentence end or by the end of the line.
_CUE_TAIL = rf"(?:{_SENTENCE_END}|\s*$)"

# Whole-line page chrome, matched case-insensitively against the stripped line.
CHROME_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # Podcast-page furniture around an NPR transcript.
        r"Transcript",
        r"Discussion \(\d+\)",
        r"Email us at \S+@\S+",
        r"Learn more about sponsor message choices\b.{0,120}",
        r"(?:[\w&.'’-]+ ){0,4}Privacy Policy\.?",
        # Generic site navigation and share widgets.
        r"Skip to (?:main )?content",
        r"Share this (?:article|story|page|post)",
        r"Share on (?:Facebook|Twitter|X|LinkedIn|WhatsApp|Reddit|Email)",
        r"Sign up for (?:our|the) (?:free )?newsletters?\.?",
        # A related-link teaser is a short line that starts with "Read more:".
        r"Read more:.{0,160}",
        r"Advertisement",
        # Cookie banners: the banner sentence must also talk like a banner (experience,
        # consent, privacy …) so an article sentence that begins "We use cookies" survives.
        r"We use cookies\b(?=.*\b(?:experience|site|website|consent|accept|agree|privacy|"
        r"cookie policy|browsing|analy[sz]e|personali[sz]e|advertising)\b).{0,600}",
        r"(?:Accept|Allow|Reject) all(?: cookies)?",
        r"(?:Accept|Manage|Reject) cookies",
        r"Cookie (?:settings|preferences|policy)",
    )
)

# Header chrome glued onto the end of a content line, as in the NPR page header
# "… what North Korea might get out of it.Email us at considerthis@npr.org.Learn more about
# sponsor message choices: podcastchoices.com/adchoicesNPR Privacy Policy". The run must begin
# with one of the strong items (never with a bare "Privacy Policy", which real sentences end
# with), must start on a word boundary, and must reach the end of the line.
_CHROME_STRONG_ITEMS = (
    r"Email us at [\w.+-]+@[\w-]+(?:\.[\w-]+)*?\.[A-Za-z]{2,6}\.?",
    r"Learn more about sponsor message choices:?\s*(?:\S*?adchoices)?",
)
_CHROME_ANY_ITEMS = (*_CHROME_STRONG_ITEMS, r"(?:[A-Z][\w&'’-]*\s?){0,3}Privacy Policy\.?")
# Every CHROME_SUFFIX match starts with one of the strong items, so with neither opening
# words anywhere in a text the per-line suffix search can be skipped.
_CHROME_SUFFIX_HINT = re.compile(r"Email us at |Learn more about sponsor message choices")
CHROME_SUFFIX: re.Pattern[str] = re.compile(
    rf"(?<!\w)(?:{'|'.join(_CHROME_STRONG_ITEMS)})"
    rf"(?:\s*(?:{'|'.join(_CHROME_ANY_ITEMS)}))*\s*$"
)

# Whole lines that open a comment section or comment form (English, Spanish).
FOOTER_HEADINGS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"Leave a (?:Reply|Comment)(?:\s+Cancel reply)?",
        r"(?:Post|Add|Write) a comment",
        r"Comments? \(\d+\)",
        r"\d+ (?:Comments?|Responses?|Replies)",
        r"Your email address will not be published\.?"
        r"(?:\s*Required fields are marked \*?\.?)?",
        r"Deja (?:una respuesta|un comentario)(?:\s+Cancelar (?:la )?respuesta)?",
        r"Dejar un comentario",
        r"Comentarios? \(\d+\)",
        r"\d+ (?:comentarios?|respuestas?)",
        r"Tu (?:direcci[oó]n de )?correo electr[oó]nico no ser[aá] publicad[oa]\.?"
        r"(?:\s*Los campos (?:obligatorios|requeridos) est[aá]n marcados con \*?\.?)?",
    )
)

# Comment-form lines. Bare labels like "Name *" or "Website" are only chrome right after a
# footer heading, never on their own.
FOOTER_FORM_LINES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"Required fields are marked \*?\.?",
        r"Los campos (?:obligatorios|requeridos) est[aá]n marcados con \*?\.?",
        r"(?:Comment|Name|E-?mail|Website|Comentario|Nombre|Correo electr[oó]nico|Web|"
        r"Sitio web)\s*\*?",
        r"Save my name, email, and website in this browser for the next time I comment\.?",
        r"Guarda mi nombre, correo electr[oó]nico y web en este navegador para la "
        r"pr[oó]xima vez que comente\.?",
        r"(?:Post|Submit) Comment",
        r"Publicar (?:el )?comentario",
        r"Cancel reply|Cancelar (?:la )?respuesta",
        r"Notify me of (?:follow-up comments|new posts) by email\.?",
        r"Av[ií]same (?:de|por correo electr[oó]nico|de los nuevos).{0,80}",
    )
)

# Formulas that open a sponsor read. Case-sensitive on purpose: they open a sentence, and only
# count at the start of a line or sentence (see `_sponsor_openers`).
SPONSOR_OPENERS: tuple[re.Pattern[str], ...] = (
    # NPR's credit: "This message comes from Indiana University."
    re.compile(r"This message comes from\b"),
    # "Support for NPR and the following message come from the Kauffman Foundation,"; also
    # "Support for this podcast comes from …". Never a generic "Support for X comes from",
    # which is how an article talks about alliances.
    re.compile(
        r"Support for (?:NPR|this (?:podcast|show|episode))(?: and the following message)?"
        r" (?:comes?|is provided) from\b"
    ),
    # "This episode is brought to you by …", "Today's show is sponsored by …".
    re.compile(
        r"(?:This|Today['’]s) (?:episode|podcast|show) is (?:brought to you|sponsored)"
        r" by\b"
    ),
    # A short "Sponsored by Acme." label: the sentence must end within seven words and without
    # a comma, so "Sponsored by the DOE, the study found …" is left alone.
    re.compile(r"Sponsored by\s+(?:[^\s,;:]+\s+){0,6}[^\s,;:]*[^\s,;:.!?](?:[.!](?=\s|$)|\s*$)"),
)

# Lines that open a new non-ad segment of a show: the sponsor read before them has ended.
PROGRAM_IDENTS: tuple[re.Pattern[str], ...] = (
    # "It's Consider This from NPR.", "This is Morning Edition from NPR News."
    re.compile(r"(?:It['’]s|It is|This is) (?:[A-Z][\w'’&-]*[ ,]+){1,6}from (?:NPR|the BBC|PRX)\b"),
    re.compile(r"From NPR(?: News)?, I['’]m\b"),
    re.compile(r"(?:You['’]re|You are) listening to\b"),
    re.compile(r"Welcome (?:back )?to (?:the show|[A-Z])"),
)

# Cues that close a sponsor read; each must end a sentence or the line.
AD_END_CUES: tuple[re.Pattern[str], ...] = (
    # A web address, possibly followed by a word or two ("More at iu.edu forward.").
    re.compile(
        r"(?<![\w@.-])(?:https?://\S+|www\.\S+|(?:[A-Za-z0-9-]+\.)+"
        r"(?:com|org|net|edu|gov|io|co|fm|ai|app|us|uk|ca|au)\b(?:/\S*)?)"
        rf"(?:\s+[\w'’/-]+){{0,2}}{_CUE_TAIL}"
    ),
    # Legal tag: "T's and C's apply.", "Restrictions apply."
    re.compile(rf"\bappl(?:y|ies){_CUE_TAIL}"),
    # NPR underwriting sign-off, "… or geography. Thank you.": it follows the copy on the same
    # line. A "Thank you." line on its own is a speaker's turn and never closes a read.
    re.compile(rf"(?<=[.!?] )Thank you(?: (?:very|so) much)?{_CUE_TAIL}"),
    # Book and podcast promos.
    re.compile(
        r"\bwherever you (?:get|find|listen to) your (?:podcasts|audiobooks|books|music)"
        rf"{_CUE_TAIL}"
    ),
    re.compile(rf"\b(?:promo|offer|discount) code\s+\S*?\w{_CUE_TAIL}"),
)

# Photo credits that mark a paragraph as a caption when it ends with one.
PHOTO_CREDITS: re.Pattern[str] = re.compile(
    r"(?:"
    r"via Getty Images|Getty Images|/AFP|/Reuters|/EPA|/Bloomberg|/Pool|\bAFP|\bReuters"
    r"|\bAP Photo(?:/[\w .'’-]{1,60})?|\bShutterstock"
    r")[)\].]*$"
    r"|\b(?:Photo|Photograph|Image|Picture|Credit|Photo credit)s?\s*:\s*[^:]{1,80}$"
)

_TERMINAL_AT_END = re.compile(r"""[.!?]["'”’)\]]*\s*$""")
_SENTENCE_END_RE = re.compile(_SENTENCE_END)
_WORD_CHAR = re.compile(r"\w")

MAX_AD_LINES = 6  # a sponsor read longer than this is not trusted to be one read
MAX_AD_WORDS = 120  # about 45 seconds of speech; NPR credits run 15-30 seconds
MIN_REPEAT_WORDS = 6  # shorter repeats ("Hi." / "Hi.") are usually two speakers, not a dup
MAX_PASSES = 50  # every changing pass removes text, so this is only a backstop


# --------------------------------------------------------------------------------------------
# Small predicates
# --------------------------------------------------------------------------------------------


def _fullmatch_any(patterns: tuple[re.Pattern[str], ...], line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and _alternation(patterns).fullmatch(stripped) is not None


@lru_cache(maxsize=16)
def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One regex for a rule table: a single fullmatch instead of one per rule (ingest speed).

    Each rule keeps its own case flag via a scoped group; the tables use no backreferences.
    """
    return re.compile(
        "|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in patterns)
    )


@lru_cache(maxsize=16)
def _anywhere(patterns: tuple[re.Pattern[str], ...], whole_line: bool) -> re.Pattern[str]:
    """A whole-text pre-check for a rule table: if it finds nothing, no line can match, so the
    per-line rules are skipped (most sources have no chrome, footer or sponsor read at all).

    It matches a superset of what the per-line rules match (MULTILINE anchors, whitespace
    around a whole line), so skipping on "no match" never changes the result.
    """
    alternatives = "|".join(
        f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in patterns
    )
    if whole_line:
        alternatives = rf"^[^\S\n]*(?:{alternatives})[^\S\n]*$"
    return re.compile(alternatives, re.MULTILINE)


def _may_match(patterns: tuple[re.Pattern[str], ...], text: str, *, whole_line: bool) -> bool:
    return _anywhere(patterns, whole_line).search(text) is not None


def _is_chrome_line(line: str) -> bool:
    return _fullmatch_any(CHROME_LINES, line)


def _is_footer_heading(line: str) -> bool:
    return _fullmatch_any(FOOTER_HEADINGS, line)


def _is_footer_line(line: str) -> bool:
    """A line that belongs to a comment footer once one has started (or a blank line)."""
    return not line.strip() or _is_footer_heading(line) or _fullmatch_any(FOOTER_FORM_LINES, line)


def _is_segment_start(line: str) -> bool:
    """A line that opens a new segment of a show: another sponsor read or a program ident."""
    stripped = line.lstrip()
    return any(p.match(stripped) for p in (*SPONSOR_OPENERS, *PROGRAM_IDENTS))


def _is_hard_stop(line: str) -> bool:
    """A line a sponsor read never runs into, but that says nothing about where it ended."""
    return not line.strip() or _is_chrome_line(line) or _is_footer_heading(line)


def _ends_sentence(text: str) -> bool:
    return bool(_TERMINAL_AT_END.search(text))


def _starts_lowercase(line: str) -> bool:
    return line.lstrip()[:1].islower()


def _cuts_word(text: str, pos: int) -> bool:
    """True when `pos` falls inside a word, so a span boundary there would split a token."""
    return (
        0 < pos < len(text)
        and bool(_WORD_CHAR.match(text[pos - 1]))
        and bool(_WORD_CHAR.match(text[pos]))
    )


def _word_key(text: str) -> str:
    """Whitespace-insensitive identity used to spot verbatim repeats."""
    return " ".join(text.split())


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
