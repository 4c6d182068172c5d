"""What a question is about beyond its words: whose turns, which source, which person.

"what did Stent say about South Korea?" should be answered from Angela Stent's turns; "what does
the NPR episode say about sanctions?" only from that episode; "who is Jean Lee?" from the
passages that introduce or credit her, not from her own answers. The names come from the
indexed sources' metadata (speakers, authors, outlets, keywords), never from a fixed list, so a
new source brings its own people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.models import SourceMeta
from knowledge.text import fold, tokens

_SAY = (
    r"(?:say|said|says|think|thinks|thought|argue|argues|argued|tell|told|mean|believe|claim|"
    r"ask|asks|asked|explain|explains|explained|warn|warns|warned|suggest|suggests|suggested)"
)
# Whose view a question asks for, besides "X said" and "according to X": "per X", "in X's
# view", "X's take" (the question's words, tokenised: "x s view").
_VIEW = r"(?:view|views|opinion|take|words|reading|analysis|assessment)"
KIND_WORDS = frozenset(
    "article piece analysis essay report episode podcast show interview transcript broadcast"
    " program programme radio".split()
)
_ARTICLES = frozenset({"the", "a", "an"})
_WHO = re.compile(r"^\W*(?:who(?:'s| is| was)|who are)\s+(.+?)\W*$", re.I)
# "who were the guests?", "who was on the show?", "who spoke?": the people a source introduces.
_CAST = re.compile(
    r"^\W*(?:so |and |ok )?who(?:'s|'re| is| are| was| were)? (?:(?:all )?the (?:guests?|speakers?|"
    r"panel(?:ists)?|participants?|interviewees?|experts?|people (?:on|in) (?:it|the \w+))|"
    r"(?:on|in) (?:the |this |that )?(?:show|episode|podcast|programme|program|panel|"
    r"interview|broadcast)|(?:interviewed|speaking|talking|featured))\b"
    r"|^\W*who (?:spoke|speaks|took part|takes part|appeared|appears)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Focus:
    """Restrictions and preferences read from the question; empty when there are none."""

    speaker: str | None = None  # only passages this person speaks
    source_id: str | None = None  # only passages of this source
    person: str | None = None  # "who is X": prefer passages that name X, not X's own turns
    cast: tuple[str, ...] = ()  # "who were the guests?": the people the sources introduce
    note: str = ""  # for /why: how the question was understood

    @property
    def empty(self) -> bool:
        return not (self.speaker or self.source_id or self.person or self.cast)


def understand(question: str, metas: Iterable[SourceMeta]) -> Focus:
    return Cast(metas).understand(question)


class Cast:
    """The people and sources of an index, with the patterns that find them in a question.

    Built once per index generation (the searcher keeps one), so a question costs a few regex
    searches rather than re-deriving every name form and source handle from the metadata."""

    def __init__(self, metas: Iterable[SourceMeta]) -> None:
        metas = list(metas)
        self._metas = metas
        self._people = _people(metas)
        self._forms = {name: _name_forms(name, self._people) for name in self._people}
        self._speakers = {s.name for m in metas for s in m.speakers}
        self._authored = {name: [m.id for m in metas if name in m.authors] for name in self._people}
        self._says = [
            (
                name,
                re.compile(
                    rf"\b(?:{form}) {_SAY}\b|\b(?:according to|per) {form}\b"
                    rf"|\b{form} s {_VIEW}\b"
                ),
            )
            for name in self._people
            for form in self._forms[name]
        ]
        kinds = "|".join(KIND_WORDS)
        self._handles = [
            (
                meta.id,
                re.compile(
                    "|".join(
                        rf"\b{h}(?:'s)? (?:\w+ )?(?:{kinds})\b|\baccording to (?:the )?{h}\b"
                        for h in sorted(_handles(meta))
                    )
                ),
            )
            for meta in metas
            if _handles(meta)
        ]
        self._kind_owners = {
            word: {m.id for m in metas if word in _kind_words(m)} for word in KIND_WORDS
        }

    def understand(self, question: str) -> Focus:
        words = tokens(question)
        text = " ".join(words)
        who = _WHO.match(fold(question))
        if who:
            name = self._match_person(" ".join(tokens(who.group(1))))
            if name:
                return Focus(person=name, note=f"asks who {name} is: introductions and credits")
        if _CAST.search(question) and self._speakers:
            cast = tuple(sorted(self._speakers & set(self._people)))
            return Focus(cast=cast, note="asks who takes part: the introductions")
        source_id = self._match_source(words, text)
        for name, says in self._says:
            if says.search(text):
                if name in self._speakers:
                    return Focus(speaker=name, source_id=source_id, note=f"{name}'s own turns")
                authored = self._authored[name]
                if len(authored) == 1:
                    return Focus(source_id=authored[0], note=f"written by {name}")
        if source_id:
            return Focus(source_id=source_id, note=f"only the source {source_id}")
        return Focus()

    def _match_person(self, text: str) -> str | None:
        for name in self._people:
            if text in self._forms[name]:
                return name
        return None

    def _match_source(self, words: list[str], text: str) -> str | None:
        """A source named as such: its outlet or author next to a kind word ("the NPR
        episode", "the Carnegie article"), "according to <outlet>", or a kind word only one
        source has."""
        found = {source_id for source_id, pattern in self._handles if pattern.search(text)}
        if not found:
            for word in words:
                owners = self._kind_owners.get(word)
                if owners is not None and len(owners) == 1:
                    found |= owners
        return next(iter(found)) if len(found) == 1 else None


def _people(metas: list[SourceMeta]) -> list[str]:
    names = {s.name for m in metas for s in m.speakers if s.name != "Guest"}
    names |= {a for m in metas for a in m.authors}
    return sorted(names)


def _name_forms(name: str, people: list[str]) -> list[str]:
    """The full name, and each part of it that no other person shares ("Stent", "Angela")."""
    parts = tokens(name)
    forms = [" ".join(parts)]
    for part in parts:
        if len(part) > 2 and sum(part in tokens(other) for other in people) == 1:
            forms.append(part)
    return forms


def _handles(meta: SourceMeta) -> set[str]:
    """The words a question names a source by: its outlet's first word (after an article:
    "the" in "The X Gazette" names nothing, and "on the radio" must not read as "the …
    radio"), its authors' surnames."""
    handles = {words[0] for part in meta.outlet.split(",") if (words := _named(tokens(part)))}
    return handles | {tokens(a)[-1] for a in meta.authors if tokens(a)}


def _named(words: list[str]) -> list[str]:
    return words[1:] if words and words[0] in _ARTICLES else words


def _kind_words(meta: SourceMeta) -> set[str]:
    """The kind words a source answers to: in its keywords, its kind, its title or its outlet
    ("the radio" is the source whose outlet is a radio station, "the interview" the one
    titled as one)."""
    described = " ".join([*meta.keywords, meta.kind, meta.title, meta.outlet])
    return set(tokens(described)) & KIND_WORDS
