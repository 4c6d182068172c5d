"""Ingest what a team adds: files, folders, http(s) URLs and RSS/Atom feeds.

Each source is read and parsed completely before anything is written, then saved in one
transaction with its URLs (`SourceRegistry.save`), so a failure at any step leaves the index as
it was. Every outcome, good or bad, becomes an `IngestReport` line a person can read.

Nothing here may stall the bot: a URL has a total deadline, parsing runs in the limited parser
process (`readers.sandbox`), feeds are fetched a few at a time, and one document keeps at most
`max_passages` passages.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.bulk import BulkWriter, parsed
from knowledge.documents import DocumentError
from knowledge.readers import READABLE_SUFFIXES, Readout, read_fetched, read_path
from knowledge.readers.fetch import Fetched, Fetcher, FetchError, check_url, without_credentials
from knowledge.readers.sandbox import ParseLimits, ParserPool
from knowledge.source_registry import FeedRecord, SourceRegistry
from knowledge.source_registry_types import Saved
from knowledge.storage import Registry
from knowledge.store import Store

if TYPE_CHECKING:
    from knowledge.readers.feed import ParsedFeed

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestReport:
    path: str  # the file, URL or feed entry key
    status: str  # added | updated | unchanged | duplicate | failed
    source_id: str = ""
    passages: int = 0
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """What one ingest may cost: passages kept per document, feeds fetched at once, and the
    parser process's limits (the `[ingest]` settings)."""

    max_passages: int = 5000
    feed_concurrency: int = 4
    parse: ParseLimits = field(default_factory=ParseLimits)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the readable files inside any directory given, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix.lower() in READABLE_SUFFIXES)
            )
        else:
            found.append(path)
    return found


class Ingestor:
    def __init__(self, store: Store, fetcher: Fetcher, limits: IngestLimits | None = None) -> None:
        self.registry: Registry = SourceRegistry(store)
        self._fetcher = fetcher
        self.limits = limits or IngestLimits()
        self.parser = ParserPool(self.limits.parse)
        # What turns a fetched response into documents, in the parser process (a module-level
        # function; a test swaps in a hostile one).
        self.reader: Callable[[Fetched], list[Readout]] = read_fetched

    async def aclose(self) -> None:
        """Stop the parser process."""
        await self.parser.aclose()

    async def ingest_paths(
        self,
        paths: Sequence[Path],
        *,
        workers: int = 1,
        progress: Callable[[IngestReport], None] | None = None,
    ) -> list[IngestReport]:
        """Index many files (see `knowledge.bulk`); a bad file is reported, never half-written."""
        reports: list[IngestReport] = []

        def report(item: IngestReport) -> None:
            reports.append(item)
            if progress is not None:
                progress(item)

        def saved(path: Path, readout: Readout, one: Saved) -> None:
            where = readout.keys[0] if readout.keys else str(path)
            passages = len(readout.document.passages)
            detail = "; ".join(d for d in (one.detail, cut.pop(id(readout), "")) if d)
            report(IngestReport(where, one.status, one.source_id, passages, detail))

        cut: dict[int, str] = {}  # why a readout was shortened, by its id until it is saved

        writer = BulkWriter(self.registry, saved)
        async for path, result in parsed(paths, workers, self.parser):
            if isinstance(result, str):
                log.warning("not ingested: %s", result)
                report(IngestReport(str(path), "failed", detail=result))
            elif not result:
                report(IngestReport(str(path), "failed", detail=f"{path}: nothing to index"))
            for readout in result if not isinstance(result, str) else ():
                capped, note = self._capped(readout)
                if note:
                    cut[id(capped)] = note
                await writer.add(path, capped)
        await writer.flush()
        return reports

    async def ingest_path(self, path: Path) -> list[IngestReport]:
        try:
            readouts = await self.parser.run(path.name, read_path, path)
        except (DocumentError, OSError) as exc:
            log.warning("not ingested: %s", exc)
            return [IngestReport(str(path), "failed", detail=str(exc))]
        return await self._save_all(str(path), readouts)

    async def ingest_url(self, url: str) -> list[IngestReport]:
        """Fetch and index a page, PDF, text file or every entry of a feed (not remembered)."""
        shown = without_credentials(url)  # a password in the URL is used, never stored or shown
        try:
            fetched = await self._fetch(url)
            readouts = await self.parser.run(url, self.reader, fetched)
        except (FetchError, DocumentError) as exc:
            log.warning("not ingested: %s", exc)
            return [IngestReport(shown, "failed", detail=str(exc))]
        return await self._save_all(shown, readouts)

    async def add_feed(self, url: str) -> tuple[bool, list[IngestReport]]:
        """Check that `url` is a feed, remember it, and ingest its entries now.

        Returns (newly remembered, reports); a URL that is not a feed is not remembered.
        """
        url = without_credentials(url)  # remembered and polled without them
        try:
            feed = await self._read_feed(check_url(url))
        except (FetchError, DocumentError) as exc:
            return False, [IngestReport(url, "failed", detail=str(exc))]
        new = await self.registry.add_feed(url, feed.title)
        readouts = [Readout(e.document, e.keys) for e in feed.entries]
        reports = await self._save_all(url, readouts)
        await self.registry.mark_polled(url, entries=len(feed.entries))
        return new, reports

    async def feeds(self) -> list[FeedRecord]:
        return await self.registry.feeds()

    async def poll_feeds(self) -> list[IngestReport]:
        """Fetch every remembered feed once (`feed_concurrency` at a time) and index new or
        changed entries; the reports come in the feeds' order."""
        gate = asyncio.Semaphore(self.limits.feed_concurrency)

        async def poll(record: FeedRecord) -> list[IngestReport]:
            async with gate:
                try:
                    feed = await self._read_feed(record.url)
                except (FetchError, DocumentError) as exc:
                    await self.registry.mark_polled(
                        record.url, entries=record.entries, error=str(exc)
                    )
                    return [IngestReport(record.url, "failed", detail=str(exc))]
            readouts = [Readout(e.document, e.keys) for e in feed.entries]
            reports = await self._save_all(record.url, readouts)
            await self.registry.mark_polled(record.url, entries=len(feed.entries))
            return reports

        polled = await asyncio.gather(*(poll(r) for r in await self.registry.feeds()))
        return [report for reports in polled for report in reports]

    async def _fetch(self, url: str) -> Fetched:
        """The whole fetch, redirects included, within `fetch_deadline` however slowly the
        server trickles (the connect and read timeouts bound only each wait)."""
        deadline = self._fetcher.limits.deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._fetcher.fetch(url)
        except TimeoutError:
            raise FetchError(f"{url}: the server took longer than {deadline:g} s in all") from None

    async def _read_feed(self, url: str) -> ParsedFeed:
        from knowledge.readers.feed import parse_feed

        fetched = await self._fetch(url)
        return await self.parser.run(url, functools.partial(parse_feed, name=url), fetched.body)

    def _capped(self, readout: Readout) -> tuple[Readout, str]:
        """The readout with at most `max_passages` passages, and a note when it was cut."""
        doc, cap = readout.document, self.limits.max_passages
        if len(doc.passages) <= cap:
            return readout, ""
        note = f"kept the first {cap:,} of {len(doc.passages):,} passages (ingest.max_passages)"
        log.warning("%s: %s", doc.meta.id, note)
        return replace(readout, document=replace(doc, passages=doc.passages[:cap])), note

    async def _save_all(self, origin: str, readouts: list[Readout]) -> list[IngestReport]:
        if not readouts:
            return [IngestReport(origin, "failed", detail=f"{origin}: nothing to index in it")]
        reports = []
        for original in readouts:
            readout, note = self._capped(original)
            doc = readout.document
            where = readout.keys[0] if len(readouts) > 1 and readout.keys else origin
            saved = await self.registry.save(doc, readout.keys)
            if doc.removed:
                log.info("%s: cleaning removed %d boilerplate spans", where, len(doc.removed))
            detail = "; ".join(d for d in (saved.detail, note) if d)
            reports.append(
                IngestReport(where, saved.status, saved.source_id, len(doc.passages), detail)
            )
        return reports
