"""Turn a free-text question into term groups and a safe FTS5 MATCH expression.

No user text reaches MATCH as syntax: the question is reduced to word tokens (letters and
digits only), each phrase is double-quoted, and the only operator we write is OR. Aliases
from `data/aliases.toml` widen a term to its equivalents ("Pyongyang" -> North Korea, Kim ...).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from knowledge.kinds import TIME_UNITS, asks_what_was_asked, kind_of, statement
from knowledge.text import fold, sanitize, stem, token_spans, tokens

MAX_QUESTION_CHARS = 1000
MAX_GROUPS = 12
_UPPER_ABBREVIATIONS = {"US": "U.S.", "UN": "U.N."}
_UPPER_WORD = re.compile(r"\b(US|UN)\b")


@dataclass(frozen=True, slots=True)
class TermGroup:
    """One idea in the question: the words as asked and every equivalent phrase, stemmed."""

    label: str
    phrases: tuple[tuple[str, ...], ...]
    stemmed: tuple[tuple[str, ...], ...]
    asked: str = ""  # the words as the question put them, for weighting
    negatable: bool = False  # an intent: "not"/"little" just before it says the opposite

    def fts(self) -> str:
        """Surface words go to FTS5, which stems them itself (stemming twice is not a no-op)."""
        return " OR ".join(quote_phrase(p) for p in self.phrases)


_DATE_QUESTION = re.compile(r"^\W*(when\b|what (year|date|day|month)\b|how long ago\b)", re.I)
_CLOCK_QUESTION = re.compile(r"\bwhat time\b", re.I)
# "how many ...", "how long ...", "what's the price of ...": the answer is an amount, so a
# sentence without a number does not answer it, however much it shares with the question.
# Only at the start (after chat filler): "what colour, and how big?" asks for more than that.
_LEADING_FILLER = r"^\W*(?:(?:so|ok|okay|and|but|well|hey|um|also)\W+)*"
_AMOUNT_QUESTION = re.compile(
    _LEADING_FILLER + r"(how (many|long|old|far|fast|big|large|tall|heavy|high|deep|wide)\b"
    r"(?! ago\b)|what(?:'s|s| is| was| are| were)? the (number|population|price|cost|size|"
    r"total|toll|range|speed|distance|length|height|weight|value|amount|budget)\b)",
    re.I,
)
# An amount that is a length of time: any number answers it, a duration included ("how long",
# "how many weeks"); other amounts are not answered by one ("how many workers": "forty years").
_DURATION_QUESTION = re.compile(
    _LEADING_FILLER + rf"how (?:long|old|many (?:{TIME_UNITS}))\b", re.I
)
# "how much" asks for an amount only when it is about money ("how much does it matter" is not).
_MONEY_QUESTION = re.compile(
    _LEADING_FILLER + r"how much\b.*\b(cost|costs|spend|spent|spending|pay|paid|price|worth|"
    r"money|budget|dollars?|rubles?|euros?|funds?|funded|funding|invest|invested)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    groups: tuple[TermGroup, ...]
    # "date" for "when ...?", "clock" for "what time ...?", "amount" for "how many ...?",
    # "duration" for "how long ...?": the answer must state one
    wants: str = ""
    kind: str = "other"  # what kind of answer it asks for: one of `knowledge.kinds.KINDS`
    asking: bool = False  # it asks what someone asked: a question in a source answers it

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def statement(self) -> str:
        """The text to match by meaning: a yes/no question as its proposition."""
        return statement(self.text, self.kind)

    def fts(self) -> str:
        return " OR ".join(g.fts() for g in self.groups)


def quote_phrase(phrase: tuple[str, ...]) -> str:
    """A double-quoted FTS5 string; quotes inside are doubled (tokens never hold any, still)."""
    joined = " ".join(phrase)
    return '"' + joined.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class AliasGroup:
    name: str
    phrases: tuple[tuple[str, ...], ...]
    negatable: bool = False

    @property
    def stemmed(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(stem(t) for t in p) for p in self.phrases)


class QueryParser:
    """Holds the stopwords and alias table; `parse` is pure and cheap."""

    def __init__(self, aliases: list[AliasGroup], stopwords: frozenset[str]):
        self._stopwords = stopwords
        self._groups = aliases
        self._by_phrase: dict[tuple[str, ...], AliasGroup] = {}
        for group in aliases:
            for phrase in group.stemmed:
                self._by_phrase.setdefault(phrase, group)
        self._longest = max((len(p) for p in self._by_phrase), default=1)

    @property
    def stopwords(self) -> frozenset[str]:
        return self._stopwords

    @classmethod
    def from_files(cls, aliases: Path | None = None, stopwords: Path | None = None) -> QueryParser:
        data = resources.files("knowledge") / "data"
        alias_text = (aliases or data / "aliases.toml").read_text(encoding="utf-8")
        stop_text = (stopwords or data / "stopwords.txt").read_text(encoding="utf-8")
        return cls(load_aliases(alias_text), frozenset(tokens(stop_text)))

    def parse(self, question: str) -> Query:
        text = sanitize(question)[:MAX_QUESTION_CHARS]
        text = _UPPER_WORD.sub(lambda m: _UPPER_ABBREVIATIONS[m.group(1)], text)
        words = tokens(text)
        groups: list[TermGroup] = []
        seen: set[str] = set()
        i = 0
        while i < len(words) and len(groups) < MAX_GROUPS:
            match = self._alias_at(words, i)
            if match is not None:
                group, length = match
                if group.name not in seen:
                    seen.add(group.name)
                    asked = " ".join(words[i : i + length])
                    groups.append(
                        TermGroup(group.name, group.phrases, group.stemmed, asked, group.negatable)
                    )
                i += length
                continue
            word = words[i]
            i += 1
            if word in self._stopwords or (len(word) < 2 and not word.isdigit()):
                continue
            key = stem(word)
            if key not in seen:
                seen.add(key)
                groups.append(TermGroup(word, ((word,),), ((key,),), word))
        wants = ""
        if _AMOUNT_QUESTION.search(text) or _MONEY_QUESTION.search(text):
            wants = "duration" if _DURATION_QUESTION.search(text) else "amount"
        wants = "clock" if _CLOCK_QUESTION.search(text) else wants
        wants = "date" if _DATE_QUESTION.search(text) else wants
        return Query(
            text=text.strip(),
            groups=tuple(groups),
            wants=wants,
            kind=kind_of(text),
            asking=asks_what_was_asked(text),
        )

    def canonical(self, text: str, *, keep: bool = False) -> str:
        """`text` (folded) with each name of an entity replaced by the entity's own name.

        "is pyongyang backing moscow's war" -> "is north korea backing russia's war": an
        embedding model knows "north korea" far better than "pyongyang" or "nk". Only entity
        groups (capitalised names in the alias table) are rewritten: concept groups ("want":
        need, hope, benefit ...) are not synonyms in meaning. `keep` appends the name after
        the asked words instead ("moscow russia").
        """
        folded = fold(text)
        spans = token_spans(folded)
        words = [folded[start:end] for start, end in spans]
        parts: list[str] = []
        cursor = i = 0
        while i < len(words):
            match = self._alias_at(words, i)
            if match is None or not match[0].name[:1].isupper():
                i += 1
                continue
            group, length = match
            start, end = spans[i][0], spans[i + length - 1][1]
            if "." in folded[start:end] and folded[end : end + 1] == ".":
                end += 1  # "u.s." is the tokens u, s and both dots
            asked, name = folded[start:end], fold(group.name)
            if asked != name:
                parts += [folded[cursor:start], f"{asked} {name}" if keep else name]
                cursor = end
            i += length
        return "".join([*parts, folded[cursor:]])

    def _alias_at(self, words: list[str], i: int) -> tuple[AliasGroup, int] | None:
        for length in range(min(self._longest, len(words) - i), 0, -1):
            phrase = tuple(stem(w) for w in words[i : i + length])
            group = self._by_phrase.get(phrase)
            if group is not None:
                return group, length
        return None


def load_aliases(toml_text: str) -> list[AliasGroup]:
    data = tomllib.loads(toml_text)
    groups = []
    for entry in data.get("group", []):
        phrases = {tuple(tokens(term)) for term in entry["terms"]}
        phrases.discard(())
        negatable = bool(entry.get("negatable", False))
        groups.append(AliasGroup(entry["name"], tuple(sorted(phrases)), negatable))
    return groups
