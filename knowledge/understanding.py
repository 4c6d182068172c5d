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

_SAY = r"(?:say|said|says|think|thinks|thought|argue|argues|argued|tell|told|mean|believe|claim)"
_KIND_WORDS = frozenset(
    "article piece analysis essay report episode podcast show interview transcript broadcast"
    " program programme radio".split()
)
_WHO = re.compile(r"^\W*(?:who(?:'s| is| was)|who are)\s+(.+?)\W*$", re.I)


@dataclass(frozen=True, slots=True)
class Focus:
    """Restrictions and preferences read from the question; empty when there are none."""

    speaker: str | None = None  # only passages this person speaks
    source_id: str | None = None  # only passages of this source
    person: str | None = None  # "who is X": prefer passages that name X, not X's own turns
    note: str = ""  # for /why: how the question was understood

    @property
    def empty(self) -> bool:
        return not (self.speaker or self.source_id or self.person)


def understand(question: str, metas: Iterable[SourceMeta]) -> Focus:
    metas = list(metas)
    words = tokens(question)
    text = " ".join(words)
    people = _people(metas)
    who = _WHO.match(fold(question))
    if who:
        name = _match_person(tokens(who.group(1)), people)
        if name:
            return Focus(person=name, note=f"asks who {name} is: introductions and credits")
    source_id = _match_source(words, metas)
    for name in people:
        for form in _name_forms(name, people):
            if re.search(rf"\b(?:{form}) {_SAY}\b|\baccording to {form}\b", text):
                speakers = {s.name for m in metas for s in m.speakers}
                if name in speakers:
                    return Focus(speaker=name, source_id=source_id, note=f"{name}'s own turns")
                authored = [m.id for m in metas if name in m.authors]
                if len(authored) == 1:
                    return Focus(source_id=authored[0], note=f"written by {name}")
    if source_id:
        return Focus(source_id=source_id, note=f"only the source {source_id}")
    return Focus()


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


def _match_person(words: list[str], people: list[str]) -> str | None:
    text = " ".join(words)
    for name in people:
        if any(text == form for form in _name_forms(name, people)):
            return name
    return None


def _match_source(words: list[str], metas: list[SourceMeta]) -> str | None:
    """A source named as such: its outlet or author next to a kind word ("the NPR episode",
    "the Carnegie article"), "according to <outlet>", or a kind word only one source has."""
    text = " ".join(words)
    found = set()
    for meta in metas:
        handles = {tokens(part)[0] for part in meta.outlet.split(",") if tokens(part)}
        handles |= {tokens(a)[-1] for a in meta.authors if tokens(a)}
        for handle in handles:
            if re.search(rf"\b{handle}(?:'s)? (?:\w+ )?(?:{'|'.join(_KIND_WORDS)})\b", text) or (
                re.search(rf"\baccording to (?:the )?{handle}\b", text)
            ):
                found.add(meta.id)
    if not found:
        for word in words:
            if word in _KIND_WORDS:
                owners = {m.id for m in metas if word in {fold(k) for k in m.keywords}}
                if len(owners) == 1:
                    found |= owners
    return next(iter(found)) if len(found) == 1 else None
