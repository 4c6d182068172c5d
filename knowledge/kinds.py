"""What kind of answer a question asks for, read from its question words, and whether a
sentence gives that kind of answer.

"when did …" wants a date, "where …" a place, "who …" a person, "why …" a reason, "how many …"
a number, "did they …?" a yes or no, "what are the risks" several points. A sentence that
carries the asked kind (a date, a place after a preposition, a person's name or title, a
"because") answers better than one that only shares the question's words. Everything here is
about English question and answer words, never about a story's names or topics.
"""

from __future__ import annotations

import re

KINDS = ("yes/no", "number", "date", "clock", "place", "person", "reason", "list", "other")
# The kinds a sentence can be seen to carry (date and clock are `knowledge.scoring`'s).
TYPED = frozenset({"number", "place", "person", "reason"})

# Chat openers before the real question: "so", "ok and", "background:", "two things:".
_FILLER = re.compile(
    r"^\W*(?:(?:so|ok|okay|and|but|well|hey|also|quick question|background|two things|"
    r"one more|then)\b[\s,:;-]*)+",
    re.I,
)
_AUX = (
    r"is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|"
    r"isn't|aren't|wasn't|weren't|don't|doesn't|didn't|hasn't|haven't|won't|wouldn't|can't"
)
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("clock", re.compile(r"^what time\b")),
    (
        "date",
        re.compile(
            r"^(?:when|since when|what (?:year|date|day|month)|which (?:year|date|day|month)|"
            r"how long ago)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"^(?:how (?:many|much|long|old|far|big|large|often)|what (?:percentage|share|"
            r"number|amount|proportion)|what is the (?:number|size|amount|cost|price))\b"
        ),
    ),
    (
        "place",
        re.compile(r"^(?:where|from where|which (?:country|city|place|town|region|countries))\b"),
    ),
    (
        "person",
        re.compile(
            r"^(?:who|whom|whose|which (?:person|people|official|officials|leader|leaders|"
            r"guest|guests|expert|experts))\b"
        ),
    ),
    ("reason", re.compile(r"^(?:why|how come|what for|for what reason|what (?:caused|made))\b")),
    ("list", re.compile(r"^(?:list|name|give me|what (?:are|were) the|which|what else)\b")),
    ("yes/no", re.compile(rf"^(?:{_AUX})\b")),
)
# A question word that starts a later clause: "two things: where did kim head after …".
_CLAUSE_WORD = re.compile(
    r"(?:^|[,:;?!-]\s*)(when|where|who|why)\b|\b(who)(?= (?:is|was|are|were) (?:she|he|they)\b)"
)
_CLAUSE_KINDS = {"when": "date", "where": "place", "who": "person", "why": "reason"}
# A plural ask ("what does X want", "what are the risks") is a list of points.
_LIST_HINT = re.compile(
    r"\b(?:want|wants|risks|options|things|everything|ways|steps|reasons|timeline|facets|"
    r"involved|consequences|implications|goals|demands|benefits|gains)\b"
)


def kind_of(question: str) -> str:
    """One of KINDS for `question` (any case, any punctuation)."""
    text = _FILLER.sub("", " ".join(question.lower().split())).strip()
    for kind, pattern in _RULES:
        if pattern.search(text):
            return kind
    clause = _CLAUSE_WORD.search(text)
    if clause:
        return _CLAUSE_KINDS[clause.group(1) or clause.group(2)]
    if text.startswith("what") and _LIST_HINT.search(text):
        return "list"
    return "other"


_PLACE = re.compile(
    r"\b(?:in|at|to|from|near|outside|inside|across|via|toward|towards|into|between|visited|"
    r"visit|visiting)\s+(?:the\s+)?[A-Z][\w'’-]+"
)
_TITLE = re.compile(
    r"\b(?:president|prime minister|minister|spokesperson|spokesman|spokeswoman|host|"
    r"correspondent|professor|director|chief|secretary|adviser|advisor|ambassador|chairman|"
    r"leader|senior fellow|fellow|author|reporter|journalist|analyst)\b",
    re.I,
)
# Two capitalised words in a row, not at the very start of the sentence: a person's name.
_FULL_NAME = re.compile(r"(?<=\w[\s,(])[A-Z][a-z'’-]+ (?:[A-Z]\.? )?[A-Z][a-z'’-]+")
_REASON = re.compile(
    r"\b(?:because|since|so that|in order to|so as to|in exchange for|in return for|in return|"
    r"due to|owing to|thanks to|as a result|the reason|that's why|which is why|that is why|"
    r"driven by|motivated by|for fear|aims? to|seeks? to|wants? to|hopes? to|needs? to|"
    r"in hopes of|is why|given that|out of)\b",
    re.I,
)
# Words that state a quantity; digits are added by each expression below.
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|"
    r"trillions?|dozens?|percent|half|twice|double|once|single"
)
_NUMBER = re.compile(rf"\b(?:\d[\d,.]*|{NUMBER_WORDS})\b", re.I)
# An amount: as above, but a year alone ("in 2019") is a date, not an amount.
AMOUNT = re.compile(rf"\b(?:(?!(?:1[89]|20)\d\d\b)\d[\d,.]*|{NUMBER_WORDS})\b", re.I)
# Units of time: a number counting them is a length of time ("forty years", "thirty days"), the
# answer to "how long" or "how many weeks", never to "how many workers" or "what is the price".
TIME_UNITS = (
    r"seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|centuries|century"
)
COUNT = re.compile(rf"{AMOUNT.pattern}(?![\s-]+(?:{TIME_UNITS})\b)", re.I)
_SENTENCE_PATTERNS = {"place": (_PLACE,), "person": (_FULL_NAME, _TITLE), "reason": (_REASON,)}
_SENTENCE_PATTERNS["number"] = (_NUMBER,)


# "did X ask about …", "what did X ask": the answer is someone's question, so a sentence that is
# a question answers it ("can I ask …" / "let me ask" are the user's own politeness, not that).
_ASKED = re.compile(
    r"\b(?:did|does|do|has|have|had|what|which|who)\b(?:(?!\b(?:can|could|may|let)\b)[^?])*"
    r"\b(?:ask|asks|asked)\b",
    re.I,
)


def asks_what_was_asked(question: str) -> bool:
    """Whether the question asks what someone asked (then the sources' questions answer it)."""
    return _ASKED.search(question) is not None


def carries(kind: str, sentence: str) -> bool:
    """Whether `sentence` gives the kind of answer asked for (TYPED kinds only)."""
    return any(p.search(sentence) for p in _SENTENCE_PATTERNS.get(kind, ()))


# The markers that give a reason outright (not "since", which is often a time, or "wants to").
_GIVES_REASON = re.compile(
    r"\b(?:because|so that|in order to|so as to|in exchange for|in return for|in return|due to|"
    r"owing to|thanks to|as a result|the reason|that's why|which is why|that is why|is why|"
    r"driven by|motivated by|for fear|given that)\b",
    re.I,
)


def reason_marked(text: str) -> bool:
    """Whether a text gives a reason outright ("because", "so that", "in exchange for", …)."""
    return _GIVES_REASON.search(text) is not None


_LEADING_AUX = re.compile(rf"^\W*(?:(?:so|ok|okay|and|but)\b[\s,]*)*(?:{_AUX})\s+", re.I)


def statement(question: str, kind: str) -> str:
    """A yes/no question as the proposition it asks about, for matching by meaning: "did they
    sign a deal?" -> "they sign a deal". The passage that settles it states (or denies) the
    proposition; it does not ask it, and a question embeds closest to other questions."""
    if kind != "yes/no":
        return question
    return _LEADING_AUX.sub("", question).rstrip(" ?")
