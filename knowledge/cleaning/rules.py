"""The cleaner's rule tables (regexes as data, with why each exists) and the line tests built
on them; see the package docstring for the rules in order."""

from __future__ import annotations

import re
from functools import lru_cache

# A span of the working text, as [start, end) character offsets.
Span = tuple[int, int]


def _any_case(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """A rule table matched case-insensitively: chrome and comment forms come in any case."""
    return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)


# --------------------------------------------------------------------------------------------
# Rule tables
# --------------------------------------------------------------------------------------------

# Sentence end: terminal punctuation, optional closing quotes/brackets, then space or line end.
_SENTENCE_END = r"""[.!?]["'”’)\]]*(?=\s|$)"""
# A cue "ends a sentence" when it is followed by a sentence end or by the end of the line.
_CUE_TAIL = rf"(?:{_SENTENCE_END}|\s*$)"

# Whole-line page chrome, matched case-insensitively against the stripped line.
CHROME_LINES: tuple[re.Pattern[str], ...] = _any_case(
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
FOOTER_HEADINGS: tuple[re.Pattern[str], ...] = _any_case(
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

# Comment-form lines. Bare labels like "Name *" or "Website" are only chrome right after a
# footer heading, never on their own.
FOOTER_FORM_LINES: tuple[re.Pattern[str], ...] = _any_case(
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


def _alternatives(patterns: tuple[re.Pattern[str], ...]) -> str:
    """The rules as one alternation; each keeps its own case flag via a scoped group (the
    tables use no backreferences)."""
    return "|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in patterns)


@lru_cache(maxsize=16)
def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One regex for a rule table: a single fullmatch instead of one per rule (ingest speed)."""
    return re.compile(_alternatives(patterns))


@lru_cache(maxsize=16)
def _anywhere(patterns: tuple[re.Pattern[str], ...], whole_line: bool) -> re.Pattern[str]:
    """A whole-text pre-check for a rule table: if it finds nothing, no line can match, so the
    per-line rules are skipped (most sources have no chrome, footer or sponsor read at all).

    It matches a superset of what the per-line rules match (MULTILINE anchors, whitespace
    around a whole line), so skipping on "no match" never changes the result.
    """
    alternatives = _alternatives(patterns)
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
