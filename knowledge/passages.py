"""Split a cleaned body into passages along paragraphs and speaker turns.

Passages are the unit of retrieval and citation: big enough to carry a point (about 40-150
words), small enough to quote, and never spanning two speakers so every quote has one author.
No passage is longer than MAX_CHARS: a paragraph with no sentence ends (a 9 MB one-line file)
is cut at word boundaries, because one huge passage makes every question slower.

Two kinds of paragraph are never split from what follows them: an introduction ("… he
continued:", "X says:") stays with the quote it introduces, and a list's lead-in stays with its
items, since either alone answers nothing. A heading is never a passage: it becomes the
`section` of the passages under it (context for the reader and the search, not a quote).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from knowledge.models import PassageDraft

MIN_WORDS = 40
MAX_WORDS = 150
MAX_CHARS = 2000  # hard cap on a passage's length, whatever its words and sentences
_LAST_WORD_WINDOW = 64  # characters looked back for an abbreviation before a sentence end

# A heading: a markdown "#" line, or (outside speaker turns) a short line with no sentence
# punctuation at its end. Eight words is the limit: longer unpunctuated lines are more
# often a sentence missing its full stop than a title.
HEADING_WORDS = 8
# A list group (lead-in and items) stops growing past this many words, so a very long list is
# split between items rather than becoming one unquotable passage.
MAX_GROUP_WORDS = 2 * MAX_WORDS
# A "heading" seen this often is a page's running header (a PDF prints it on every page),
# not the title of a part; three, since real documents rarely repeat a section title twice.
RUNNING_HEADER_REPEATS = 3

_PARAGRAPHS = re.compile(r"\n\s*\n")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(\S.*?)\s*#*$")
_LIST_ITEM = re.compile(r"^(?:[-*•–▪◦]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+\S")
_INTRODUCES = re.compile(r":[\s\"“'‘]*$")
_LABEL = re.compile(r"^([A-Za-z][A-Za-z.'’\- ]{1,40}):\s+")
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


def _paragraphs(body: str) -> list[str]:
    """Paragraphs with their lines joined; a markdown heading glued to the text below it (no
    blank line between) is a paragraph of its own."""
    out: list[str] = []
    for raw in _PARAGRAPHS.split(body):
        first, _, rest = raw.strip().partition("\n")
        if rest.strip() and _MARKDOWN_HEADING.match(first.strip()):
            out += [first.strip(), " ".join(rest.split())]
        else:
            out.append(" ".join(raw.split()))
    return [p for p in out if p]


def speaker_turns(body: str, speakers: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """Group paragraphs into (speaker, paragraphs) turns; a label opens a turn, text continues it.

    A label counts only if it names a declared speaker or is written in capitals, so an
    ordinary sentence such as "Note: ..." is not mistaken for a turn.
    """
    by_upper = {name.upper(): name for name in speakers}
    turns: list[tuple[str | None, list[str]]] = []
    current: str | None = None
    for paragraph in _paragraphs(body):
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


def heading_text(paragraph: str, *, in_turn: bool = False) -> str | None:
    """The heading a paragraph is, or None: a markdown heading anywhere; outside a speaker's
    turn also a short line (<= HEADING_WORDS) that ends without sentence punctuation and
    starts with a capital or a digit. In a turn a short line is speech ("Right"), not a title."""
    stripped = paragraph.strip()
    markdown = _MARKDOWN_HEADING.match(stripped)
    if markdown:
        return markdown.group(1).strip()
    if in_turn or _LIST_ITEM.match(stripped):
        return None
    words = stripped.split()
    if not any(len(w) > 1 and w.isalpha() for w in words):  # a page number, a date, a rule
        return None
    if not 0 < len(words) <= HEADING_WORDS or stripped[-1] in ".!?,;:…\"”'’)]":
        return None
    return stripped if stripped[0].isupper() or stripped[0].isdigit() else None


def is_list_item(paragraph: str) -> bool:
    return bool(_LIST_ITEM.match(paragraph.strip()))


def introduces(paragraph: str) -> bool:
    """A paragraph that ends with a colon introduces the next one ("… he continued:")."""
    return bool(_INTRODUCES.search(paragraph))


def _glue(units: list[str]) -> list[str]:
    """Join each introduction to what it introduces and each list item to its lead-in or the
    item before it, so that packing can never separate them."""
    glued: list[str] = []
    open_list = False  # the last glued unit ends with a list item or a lead-in
    for unit in units:
        item = is_list_item(unit)
        if glued and _fits(glued[-1], unit, item=item):
            follows = introduces(glued[-1]) or (item and open_list)
        else:  # nothing before it (a list that opens a document), or no room to join
            follows = False
        if follows:
            glued[-1] = f"{glued[-1]}\n\n{unit}"
            open_list = item or introduces(unit)
            continue
        glued.append(unit)
        open_list = item or introduces(unit)
    return glued


def _fits(before: str, unit: str, *, item: bool) -> bool:
    """Whether `unit` may join the unit before it without making a passage over MAX_CHARS
    (or, for a list, over MAX_GROUP_WORDS)."""
    if len(before) + 2 + len(unit) > MAX_CHARS:
        return False
    return not item or len(before.split()) + len(unit.split()) <= MAX_GROUP_WORDS


def _chunks(paragraphs: Iterable[str]) -> list[str]:
    """Pack one turn's paragraphs into chunks of at most MAX_WORDS, merging short tails."""
    units: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= MAX_CHARS and len(paragraph.split()) <= MAX_WORDS:
            units.append(paragraph)
        else:
            pieces = [piece for s in split_sentences(paragraph) for piece in _cut(s)]
            units.extend(_pack(pieces, joiner=" "))
    return _pack(_glue(units), joiner="\n\n")


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


def _join_introduced(
    turns: list[tuple[str | None, list[str]]],
) -> list[tuple[str | None, list[str]]]:
    """Merge a paragraph group into the one before it (same speaker, or both unlabelled) when
    that one ends with an introduction or a list that this one continues."""
    joined: list[tuple[str | None, list[str]]] = []
    for speaker, paragraphs in turns:
        if joined and joined[-1][0] == speaker and paragraphs:
            last, first = joined[-1][1][-1], paragraphs[0]
            continues_list = is_list_item(first) and (is_list_item(last) or introduces(last))
            if (introduces(last) or continues_list) and heading_text(first) is None:
                joined[-1] = (speaker, [*joined[-1][1], *paragraphs])
                continue
        joined.append((speaker, list(paragraphs)))
    return joined


def split_passages(body: str, *, speakers: Sequence[str] = ()) -> tuple[PassageDraft, ...]:
    """Passages of a cleaned body; headings become the `section` of the passages below them."""
    drafts: list[PassageDraft] = []
    section = ""
    turns = _join_introduced(speaker_turns(body, speakers))
    seen = Counter(
        heading_text(p, in_turn=speaker is not None) for speaker, group in turns for p in group
    )
    for speaker, paragraphs in turns:
        group: list[str] = []
        for paragraph in [*paragraphs, None]:
            heading = (
                heading_text(paragraph, in_turn=speaker is not None)
                if paragraph is not None
                else None
            )
            if paragraph is not None and heading is None:
                group.append(paragraph)
                continue
            if heading is not None and seen[heading] >= RUNNING_HEADER_REPEATS:
                continue  # a running page header (PDF): neither content nor a section
            for text in _chunks(group):
                drafts.append(PassageDraft(len(drafts), text, speaker, section))
            group = []
            if heading is not None:
                section = heading
    return tuple(drafts)
