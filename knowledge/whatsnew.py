"""What arrived or changed in the index since a moment: `Library.new_since` answers with this.

A source is *new* when it was first ingested after the moment (`sources.added_at`), *updated*
when a re-ingest since then changed its passages (`passage_changes`, netted so a passage added
and removed again is no change). A new source shows its most informative passages; an update
shows the passages it added (the most informative first) and lists the ones it removed, never
the whole source again. Rankings are memoised per source content, so a thousand chats asking
after one ingest cost one ranking per source.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from knowledge.answer import Quote
from knowledge.informative import most_informative
from knowledge.models import Passage, Source
from knowledge.passage_changes import Change, net_changes
from knowledge.storage import IndexStore
from knowledge.store import parse_stamp
from knowledge.text import text_hash

HIGHLIGHTS = 3  # quotes per source
QUOTED = 20  # sources ranked for quotes (the latest): a bulk ingest of thousands stays cheap
CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Arrival:
    """One source that is new, or was changed in place, since the moment asked about."""

    source: Source
    arrived_at: datetime  # first ingested
    changed_at: datetime  # its latest change (a new source: when it arrived)
    status: str  # "new" | "updated"
    highlights: tuple[Quote, ...]  # its most informative passages (an update: of those added)
    added: tuple[Passage, ...] = ()  # an update's passages that were not there before
    removed: tuple[str, ...] = ()  # the text of an update's passages that are gone

    @property
    def is_new(self) -> bool:
        return self.status == "new"


class WhatsNew:
    def __init__(self, store: IndexStore, stopwords: frozenset[str]) -> None:
        self._store = store
        self._stopwords = stopwords
        self._cache: OrderedDict[tuple[object, ...], tuple[Quote, ...]] = OrderedDict()

    async def since(
        self,
        since: datetime,
        *,
        source_ids: frozenset[str] | None = None,
        until: datetime | None = None,
        limit: int = HIGHLIGHTS,
        quoted: int = QUOTED,
    ) -> list[Arrival]:
        """The sources new or updated after `since` (aware) and up to `until` (None: now),
        the latest first; `source_ids` narrows them to some sources (a chat's collections),
        None means all. A chat that looked at `until` has seen exactly these.

        Only the first `quoted` arrivals get `highlights` (`limit` each): ranking reads every
        passage of a source, and nobody reads quotes from the thousandth file of a folder."""
        since = since.astimezone(UTC)
        end = until.astimezone(UTC) if until is not None else None

        def within(moment: datetime) -> bool:
            return moment > since and (end is None or moment <= end)

        sources = {
            s.meta.id: s
            for s in await self._store.sources()
            if source_ids is None or s.meta.id in source_ids
        }
        arrivals = [
            Arrival(source, arrived, arrived, "new", ())
            for source in sources.values()
            if within(arrived := parse_stamp(source.added_at))
        ]
        fresh = {a.source.meta.id for a in arrivals}
        by_source: dict[str, list[Change]] = {}
        for change in await self._changes(since, within):
            if change.source_id in sources and change.source_id not in fresh:
                by_source.setdefault(change.source_id, []).append(change)
        for source_id, changes in by_source.items():
            updated = await self._updated(sources[source_id], changes)
            if updated is not None:
                arrivals.append(updated)
        arrivals.sort(key=lambda a: (a.changed_at, a.source.meta.id), reverse=True)
        return [await self._quoted(a, limit) if n < quoted else a for n, a in enumerate(arrivals)]

    async def _quoted(self, arrival: Arrival, limit: int) -> Arrival:
        """The arrival with its most informative passages (an update: of those it added)."""
        source = arrival.source
        passages = await self._store.passages_of(source.meta.id)
        candidates = passages if arrival.is_new else list(arrival.added)
        return replace(arrival, highlights=await self._ranked(source, passages, candidates, limit))

    async def _updated(self, source: Source, changes: list[Change]) -> Arrival | None:
        added, removed = net_changes(changes)
        if not added and not removed:  # edited and edited back: nothing to show
            return None
        passages = await self._store.passages_of(source.meta.id)
        wanted = {c.text_hash for c in added}
        return Arrival(
            source,
            parse_stamp(source.added_at),
            max(parse_stamp(c.changed_at) for c in changes),
            "updated",
            (),
            tuple(p for p in passages if text_hash(p.text) in wanted),
            tuple(c.text for c in removed),
        )

    async def _changes(self, since: datetime, within: Callable[[datetime], bool]) -> list[Change]:
        """Changes `within` the period from `since`, in the order they were made. The SQL filter
        is coarse (to the second); the exact one is done here."""
        changes = await self._store.changes_since(since)
        return [c for c in changes if within(parse_stamp(c.changed_at))]

    async def _ranked(
        self,
        source: Source,
        passages: list[Passage],
        candidates: Collection[Passage],
        limit: int,
    ) -> tuple[Quote, ...]:
        key = (
            source.meta.id,
            source.content_hash,
            self._store.generation,
            tuple(p.id for p in candidates),
            limit,
        )
        if key not in self._cache:
            self._cache[key] = await most_informative(
                self._store, source.meta, passages, tuple(candidates), self._stopwords, limit
            )
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]
