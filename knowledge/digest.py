"""The daily digest's content, chosen from the index: never hard-coded text.

A digest is: the sources this chat has not seen yet; then key points grouped by the story's
standing questions (data in `data/story.toml`), each point a verbatim quote found by the same
search and composer as /ask; then two suggested questions.

It must read differently every day even when no source arrived, so the day picks which
standing questions are covered (a sliding window over the list) and how deep into each
question's ranked passages the quotes come from. Consecutive days never share both.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from knowledge.answer import Quote, compose
from knowledge.collections import Scope
from knowledge.library import Library, Story
from knowledge.models import Source

ANGLES = 3  # standing questions covered per digest
QUOTES_PER_ANGLE = 2
DEPTH = 6  # how far down the ranked passages the daily rotation reaches
CACHE_SIZE = 64


@dataclass(frozen=True, slots=True)
class KeyPoints:
    question: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    new_sources: tuple[Source, ...]
    first: bool  # the chat's first digest: every source is new to it
    points: tuple[KeyPoints, ...]
    suggestions: tuple[str, ...]

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(sorted({q.hit.source.id for p in self.points for q in p.quotes}))

    def fingerprint(self) -> tuple[object, ...]:
        """What a reader would notice changing (tests compare consecutive days with it)."""
        quotes = tuple((p.question, tuple(q.text for q in p.quotes)) for p in self.points)
        return (tuple(s.meta.id for s in self.new_sources), quotes, self.suggestions)


class DigestBuilder:
    """Builds digests from a `Library`; memoised per (day, new sources, index generation),
    so a thousand chats due at 08:00 cost a handful of searches."""

    def __init__(
        self,
        library: Library,
        story: Story,
        *,
        angles: int = ANGLES,
        quotes_per_angle: int = QUOTES_PER_ANGLE,
    ) -> None:
        self._library = library
        self._story = story
        self._angles = angles
        self._per_angle = quotes_per_angle
        self._cache: OrderedDict[tuple[object, ...], Digest] = OrderedDict()

    async def build(self, day: date, seen: Collection[str] = (), *, scope: Scope = None) -> Digest:
        """The digest for `day` for a chat that has already seen the sources `seen` and
        searches the collections `scope` (None: every one): its sources and quotes only."""
        sources = await self._library.sources(scope)
        new = tuple(s for s in sources if s.meta.id not in seen)
        key = (day, tuple(s.meta.id for s in new), self._library.store.generation, not seen, scope)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        digest = Digest(
            day,
            new,
            not seen,
            await self._points(day, scope),
            self._suggestions(day, self._chosen(day)),
        )
        self._cache[key] = digest
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return digest

    def _chosen(self, day: date) -> list[str]:
        questions = self._story.standing_questions
        if not questions:
            return []
        start = day.toordinal() % len(questions)
        count = min(self._angles, len(questions))
        return [questions[(start + i) % len(questions)] for i in range(count)]

    async def _points(self, day: date, scope: Scope) -> tuple[KeyPoints, ...]:
        points: list[KeyPoints] = []
        used: set[int] = set()
        cycle = day.toordinal() // max(1, len(self._story.standing_questions))
        for index, question in enumerate(self._chosen(day)):
            result = await self._library.search(question, scope=scope)
            if result.abstained:
                continue
            span = max(1, min(len(result.hits), DEPTH) - self._per_angle + 1)
            offset = (cycle * self._per_angle + index) % span
            answer = compose(result, offset=offset, max_bullets=self._per_angle + 1)
            if len(answer.quotes) < self._per_angle:  # too deep: fall back to the best
                answer = compose(result, max_bullets=self._per_angle + 1)
            fresh = [q for q in answer.quotes if q.hit.passage.id not in used]
            quotes = tuple(fresh[: self._per_angle])
            used.update(q.hit.passage.id for q in quotes)
            if quotes:
                points.append(KeyPoints(question, quotes))
        return tuple(points)

    def _suggestions(self, day: date, covered: list[str]) -> tuple[str, ...]:
        rest = [q for q in self._story.standing_questions if q not in covered]
        pool = list(dict.fromkeys([*self._story.examples, *rest]))
        if len(pool) <= 2:
            return tuple(pool)
        start = (day.toordinal() * 2) % len(pool)
        return (pool[start], pool[(start + 1) % len(pool)])
