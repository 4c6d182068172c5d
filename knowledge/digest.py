"""The daily digest's content, chosen from the index: never hard-coded text.

A digest is: what is new for this chat (the sources that arrived or changed since it last
looked, each with its most informative passages quoted first: `Library.new_since`; a chat
that never looked: the sources it has not seen yet); then key points grouped by the story's
standing questions (data in `data/story.toml`), each point a verbatim quote found by the same
search and composer as /ask; then two suggested questions.

It must read differently every day even when no source arrived, so the day picks which
standing questions are covered (a sliding window over the list) and how deep into each
question's ranked passages the quotes come from. Consecutive days never share both.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime

from knowledge.answer import Quote, compose
from knowledge.collections import Scope
from knowledge.library import Library, Story
from knowledge.models import Source
from knowledge.whatsnew import Arrival

ANGLES = 3  # standing questions covered per digest
QUOTES_PER_ANGLE = 2
DEPTH = 6  # how far down the ranked passages the daily rotation reaches
CACHE_SIZE = 64
NEWS_SOURCES = 3  # arrivals quoted before the key points
QUOTES_PER_ARRIVAL = 2


@dataclass(frozen=True, slots=True)
class KeyPoints:
    question: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    new_sources: tuple[Source, ...]
    first: bool  # the chat's first digest: every source is new to it
    points: tuple[KeyPoints, ...]  # what is new first (a "New: …" point per arrival)
    suggestions: tuple[str, ...]
    since: datetime | None = None  # the chat's last look, in its zone; None: never looked
    arrivals: tuple[Arrival, ...] = ()  # new or updated since then, the latest first

    @property
    def has_news(self) -> bool:
        """Something arrived or changed for this chat (a quiet subscription waits for it)."""
        return bool(self.new_sources or self.arrivals)

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

    async def build(
        self,
        day: date,
        seen: Collection[str] = (),
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        scope: Scope = None,
    ) -> Digest:
        """The digest for `day` for a chat that last looked at `since` (aware, in the chat's
        zone: /new or its last digest) or, when it never looked, has seen the sources `seen`.
        `until`: what arrived after it (the digest's own time, recorded as the chat's next
        look) waits for the next digest. `scope`: the collections the chat searches (None:
        every one); its sources and quotes come from them only."""
        arrivals: tuple[Arrival, ...] = ()
        if since is not None:
            allowed = await self._library.collections.source_ids(scope)
            arrivals = tuple(
                await self._library.new_since(
                    since, source_ids=allowed, until=until, quoted=NEWS_SOURCES
                )
            )
            new = tuple(a.source for a in arrivals if a.is_new)
        else:
            new = tuple(s for s in await self._library.sources(scope) if s.meta.id not in seen)
        news = tuple((a.source.meta.id, a.status, a.changed_at) for a in arrivals)
        first = since is None and not seen
        generation = self._library.store.generation
        key = (day, tuple(s.meta.id for s in new), news, generation, first, scope)
        if key in self._cache:
            self._cache.move_to_end(key)
            return replace(self._cache[key], since=since)
        digest = Digest(
            day,
            new,
            first,
            (*_news_points(arrivals), *await self._points(day, arrivals, scope)),
            self._suggestions(day, self._chosen(day)),
            since,
            arrivals,
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

    async def _points(
        self, day: date, arrivals: tuple[Arrival, ...], scope: Scope = None
    ) -> tuple[KeyPoints, ...]:
        points: list[KeyPoints] = []
        used = {q.hit.passage.id for point in _news_points(arrivals) for q in point.quotes}
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


def _news_points(arrivals: tuple[Arrival, ...]) -> tuple[KeyPoints, ...]:
    """The first points of a digest: each new or updated source's most informative passages."""
    return tuple(
        KeyPoints(
            f"New: {a.source.meta.title}" if a.is_new else f"Updated: {a.source.meta.title}",
            a.highlights[:QUOTES_PER_ARRIVAL],
        )
        for a in arrivals[:NEWS_SOURCES]
        if a.highlights
    )
