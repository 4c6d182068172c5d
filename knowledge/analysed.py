"""A passage as the Python-side ranking needs it: its stems, content words and sentences.

Computed once per passage and cached by the searcher (per index generation): every question
checks its candidates' words, phrases and sentences, and the same passages come up again and
again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.query import TermGroup
from knowledge.scoring import Sentence, sentences_of, states_any
from knowledge.text import contains_phrase, stems


@dataclass(frozen=True, slots=True)
class Analysed:
    """One passage's words (text, then its keyword column) and sentences."""

    stems: list[str]
    words: frozenset[str]
    content: frozenset[str]  # for overlap between passages
    sentences: tuple[Sentence, ...]
    _states: dict[str, bool] = field(default_factory=dict)

    def states(self, wanted: str) -> bool:
        """Whether some sentence gives the kind of answer asked for (a date, a clock time)."""
        found = self._states.get(wanted)
        if found is None:
            found = self._states[wanted] = states_any(wanted, self.sentences)
        return found


def analyse(text: str, keywords: str) -> Analysed:
    sequence = [*stems(text), "", *stems(keywords)]
    content = frozenset(t for t in sequence if len(t) > 3)  # ~no function words
    return Analysed(sequence, frozenset(sequence), content, sentences_of(text))


def holds(analysed: Analysed, group: TermGroup) -> bool:
    """Whether the passage holds any of the idea's phrases."""
    words = analysed.words
    return any(
        p[0] in words and (len(p) == 1 or contains_phrase(analysed.stems, p)) for p in group.stemmed
    )
