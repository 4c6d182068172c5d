"""Resolve a follow-up ("and Putin?", "what about the US?", "why?") against the previous question.

A chat's previous question is in the store; this module only rewrites text, so it is pure and
knows nothing of chats. The rewrite is a whole question the user can read back ("Reading this
as: what does Putin want?"), because a silent rewrite that went wrong looks like a bad answer:

- a follow-up naming someone or something else swaps the subject of the previous question for
  it: "what does kim want" + "and Putin?" -> "what does Putin want"; the subject is the first
  name in the question (capitalised, or a name the corpus knows, via `is_name`), else the
  words after the question's auxiliary ("what does *the US* want");
- a follow-up about a topic rather than a name narrows the previous question ("… regarding
  sanctions?");
- a bare "why?" asks for the reasons behind the previous answer ("why does kim want that?");
  the caller then looks for reasons and skips what it already showed.

Only language is matched here (question words, auxiliaries, determiners), never a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_ABOUT = re.compile(
    r"^\W*(?:and what about|and how about|what about|how about|and|but|same for|same with)"
    r"\s+(.+?)[\s?!.]*$",
    re.I,
)
_WHY = re.compile(r"^\W*(?:and\s+)?(?:why|why so|why is that|why's that|how so|why not)\W*$", re.I)
_WORD = re.compile(r"[\w'’.-]+")
# A capitalised word not at the start of the question: a name, or part of one ("Kim Jong Un").
_CAPITAL = re.compile(r"[A-Z][\w'’.-]*")
_WH = r"what|who|whom|which|how|where|when|why|is|are|was|were|does|did|do|will|can|could"
_AUX = frozenset(
    "does did do is are was were will would can could should has have had may might".split()
)
_DETERMINERS = frozenset("the a an this that these those".split())
# Words that end a subject: verbs and prepositions most questions use after it.
_STOP_SUBJECT = frozenset(
    "want wants need needs think say said says get gain mean plan plans do doing feel see about"
    " to from for with in on of at by after before than really actually".split()
)
MAX_FOLLOWUP_WORDS = 6
MAX_SUBJECT_WORDS = 4
NOT_NAMES = frozenset(
    "i what who whom which why how when where does did do is are was were will can the a an"
    " and but so ok okay".split()
)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The question to answer, and how it came from the follow-up."""

    question: str
    rewritten: bool = False  # show it to the user: "Reading this as: …"
    reasons: bool = False  # "why?": look for reasons behind the previous answer
    previous: str = ""  # the question it follows, when rewritten


def resolve(
    question: str, previous: str | None, *, is_name: Callable[[str], bool] | None = None
) -> Resolved:
    """`question` itself unless it only makes sense after `previous`.

    `is_name` says whether lowercase words are a name the indexed sources know ("china",
    "kim"); without it only capitalised words count as names.
    """
    known = is_name or (lambda words: False)
    if not previous:
        return Resolved(question)
    if _WHY.match(question):
        return Resolved(_why(previous), rewritten=True, reasons=True, previous=previous)
    about = _ABOUT.match(question)
    if not about or len(about.group(1).split()) > MAX_FOLLOWUP_WORDS:
        return Resolved(question)
    subject = about.group(1).strip()
    if "?" in subject or _starts_question(subject):
        return Resolved(question)  # "and china, is beijing sending ammo too?" stands alone
    base = previous.strip()
    slot = _subject_slot(base, known)
    if slot is not None and _is_name_like(subject, known):
        start, end = slot
        rewritten = base[:start] + subject + base[end:]
    else:
        rewritten = f"{base.rstrip(' ?.!')}, regarding {subject}?"
    return Resolved(rewritten, rewritten=True, previous=previous)


def _why(previous: str) -> str:
    """ "what does kim want" -> "why does kim want that?"; otherwise "why: <previous>"."""
    text = previous.strip().rstrip(" ?.!")
    words = text.split()
    if len(words) > 2 and words[0].lower() == "what" and words[1].lower() in _AUX:
        return f"why {' '.join(words[1:])} that?"
    if len(words) > 1 and words[0].lower() in _AUX:  # "is kim friendly with putin" -> "why is …"
        return f"why {text[0].lower()}{text[1:]}?"
    return f"why: {text}?"


def _starts_question(text: str) -> bool:
    first = text.split()[0].lower().strip(",")
    return bool(re.fullmatch(_WH, first)) and len(text.split()) > 2


def _is_name_like(subject: str, known: Callable[[str], bool]) -> bool:
    """A name: capitalised ("Putin", "the US"), or words the corpus knows as a name."""
    words = [w for w in subject.split() if w.lower() not in _DETERMINERS]
    if not words:
        return False
    return words[0][:1].isupper() or known(" ".join(words).lower())


def _subject_slot(text: str, known: Callable[[str], bool]) -> tuple[int, int] | None:
    """Where the previous question's subject is: its first name, else the noun after the
    auxiliary ("what does *the US* want"), as (start, end) character offsets."""
    spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    for i, (_, _, word) in enumerate(spans):
        if i == 0 or word.lower() in NOT_NAMES:
            continue
        if _CAPITAL.fullmatch(word) or known(_clean(word)):
            j = i
            while (  # extend over the rest of a many-word name
                j + 1 < len(spans)
                and j + 1 - i < MAX_SUBJECT_WORDS
                and (
                    _CAPITAL.fullmatch(spans[j + 1][2])
                    or known(" ".join(_clean(s[2]) for s in spans[i : j + 2]))
                )
            ):
                j += 1
            begin = _with_determiner(spans, i)
            return begin, _name_end(spans[j][0], spans[j][2])
    for i, (_, _, word) in enumerate(spans[:-1]):
        if word.lower() in _AUX and i <= 2:
            k = i + 1
            first = k
            while k < len(spans) and spans[k][2].lower() in _DETERMINERS:
                k += 1
            end = k
            while (
                end < len(spans)
                and end - k < MAX_SUBJECT_WORDS
                and spans[end][2].lower() not in _STOP_SUBJECT
            ):
                end += 1
            if end > k and end < len(spans):
                return spans[first][0], _name_end(spans[end - 1][0], spans[end - 1][2])
            return None
    return None


def _with_determiner(spans: list[tuple[int, int, str]], i: int) -> int:
    """Start the slot at "the" before a name ("what does the US want" + "and China?")."""
    if i > 0 and spans[i - 1][2].lower() in _DETERMINERS:
        return spans[i - 1][0]
    return spans[i][0]


def _name_end(start: int, word: str) -> int:
    """A possessive or a trailing dot stays out of the slot: "kim's" -> "kim" + "'s"."""
    for suffix in ("'s", "’s"):
        if word.lower().endswith(suffix):
            return start + len(word) - len(suffix)
    return start + len(word.rstrip("."))


def _clean(word: str) -> str:
    word = word.lower()
    for suffix in ("'s", "’s"):
        word = word.removesuffix(suffix)
    return word.rstrip(".")
