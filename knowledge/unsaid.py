"""What the question asks that the quoted passages do not say, measured by meaning.

A near-miss question names what the sources know and asks for an attribute they never
mention ("what is the town's population?", "how did X react", "what did Y say about it"): the
passages about the entity are close to it in meaning, so closeness alone answers it. Word
overlap cannot tell either: answerable paraphrases hold words no passage holds too ("distros",
"ep", "hunger" for "food shortages"). The difference is what the missing word does to the meaning:
drop "hunger" and the question moves away from the passage about food shortages (the passage
said it in other words); drop "population" and the question moves towards the passages (they
are about the rest of the question, not that). So, for each idea no passage holds, the question
is encoded again without it, and `Unsaid.pull` is how much closer (cosine) the quoted
sentences come: the abstention rule weighs it against the evidence (`knowledge.abstention`).

Only ideas absent from the whole index are tried, at most MAX_IDEAS, encoded in the same batch
as the question (~4 ms each on the 2-core box, against ~12 ms for a forward pass of its own),
and the sentences' vectors are the ones the ranking already loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from knowledge.vectors import VectorIndex

MAX_IDEAS = 4  # absent ideas tried per question: a bound on the extra encoding's cost


@dataclass(frozen=True, slots=True)
class Unsaid:
    """How much closer the quoted sentences come to the question without `idea` (0 when no
    absent idea pulls the question away from them)."""

    pull: float = 0.0
    idea: str = ""


NOTHING = Unsaid()


def without(text: str, asked: str) -> str:
    """`text` with the words `asked` removed (any case, any punctuation between them), or ""
    when they are not found as written."""
    words = asked.split()
    if not words:
        return ""
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", re.I)
    reduced, count = pattern.subn(" ", text)
    return " ".join(reduced.split()) if count else ""


def variants(text: str, absent: list[str]) -> list[tuple[str, str]]:
    """(idea, `text` without it) for the first MAX_IDEAS `absent` ideas (as asked) found in
    it: encode these with the question itself, in one batch (a second forward pass would cost
    as much as the question's own; a longer batch costs a third of that per text)."""
    found = ((idea, without(text, idea)) for idea in absent)
    return [(idea, reduced) for idea, reduced in found if reduced][:MAX_IDEAS]


async def unsaid(
    index: VectorIndex,
    vector: np.ndarray,
    reduced: list[tuple[str, str]],
    passages: list[tuple[int, str]],
) -> Unsaid:
    """The largest pull among the question's `variants` (`reduced`) over the sentences of the
    quoted `passages` (id, text); `vector` is the whole question's."""
    if not reduced or not passages:
        return NOTHING
    closest = _closest(await index.sentences.cosines(vector, passages))
    if closest is None:
        return NOTHING
    vectors = await index.query_vectors([r for _, r in reduced])
    best = NOTHING
    for (idea, _), other in zip(reduced, vectors, strict=True):
        moved = _closest(await index.sentences.cosines(other, passages))
        if moved is not None and moved - closest > best.pull:
            best = Unsaid(moved - closest, idea)
    return best


def _closest(cosines: dict[int, list[float]]) -> float | None:
    return max((c for values in cosines.values() for c in values), default=None)
