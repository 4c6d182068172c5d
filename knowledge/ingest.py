"""Ingest what a team adds: files, folders, http(s) URLs and RSS/Atom feeds.

Each source is read and parsed completely before anything is written, then saved in one
transaction with its URLs (`SourceRegistry.save`), so a failure at any step leaves the index as
it was. Every outcome, good or bad, becomes an `IngestReport` line a person can read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.bulk import BulkWriter, parsed
from knowledge.documents import DocumentError
from knowledge.readers import READABLE_SUFFIXES, Readout, read_fetched, read_path
from knowledge.readers.fetch import Fetcher, FetchError, check_url, without_credentials
from knowledge.source_registry import FeedRecord, Saved, SourceRegistry
from knowledge.store import Store

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
    def __init__(self, store: Store, fetcher: Fetcher) -> None:
        self.registry = SourceRegistry(store)
        self._fetcher = fetcher

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
            report(IngestReport(where, one.status, one.source_id, passages, one.detail))

        writer = BulkWriter(self.registry, saved)
        async for path, result in parsed(paths, workers):
            if isinstance(result, str):
                log.warning("not ingested: %s", result)
                report(IngestReport(str(path), "failed", detail=result))
            elif not result:
                report(IngestReport(str(path), "failed", detail=f"{path}: nothing to index"))
            for readout in result if not isinstance(result, str) else ():
                await writer.add(path, readout)
        await writer.flush()
        return reports

    async def ingest_path(self, path: Path) -> list[IngestReport]:
        try:
            readouts = read_path(path)
        except (DocumentError, OSError) as exc:
            log.warning("not ingested: %s", exc)
            return [IngestReport(str(path), "failed", detail=str(exc))]
        return await self._save_all(str(path), readouts)

    async def ingest_url(self, url: str) -> list[IngestReport]:
        """Fetch and index a page, PDF, text file or every entry of a feed (not remembered)."""
        shown = without_credentials(url)  # a password in the URL is used, never stored or shown
        try:
            readouts = read_fetched(await self._fetcher.fetch(url))
        except (FetchError, DocumentError) as exc:
            log.warning("not ingested: %s", exc)
            return [IngestReport(shown, "failed", detail=str(exc))]
        return await self._save_all(shown, readouts)

    async def add_feed(self, url: str) -> tuple[bool, list[IngestReport]]:
        """Check that `url` is a feed, remember it, and ingest its entries now.

        Returns (newly remembered, reports); a URL that is not a feed is not remembered.
        """
        from knowledge.readers.feed import parse_feed

        url = without_credentials(url)  # remembered and polled without them
        try:
            fetched = await self._fetcher.fetch(check_url(url))
            feed = parse_feed(fetched.body, name=url)
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
        """Fetch every remembered feed once and index new or changed entries."""
        from knowledge.readers.feed import parse_feed

        reports: list[IngestReport] = []
        for record in await self.registry.feeds():
            try:
                feed = parse_feed((await self._fetcher.fetch(record.url)).body, name=record.url)
            except (FetchError, DocumentError) as exc:
                await self.registry.mark_polled(record.url, entries=record.entries, error=str(exc))
                reports.append(IngestReport(record.url, "failed", detail=str(exc)))
                continue
            readouts = [Readout(e.document, e.keys) for e in feed.entries]
            reports += await self._save_all(record.url, readouts)
            await self.registry.mark_polled(record.url, entries=len(feed.entries))
        return reports

    async def _save_all(self, origin: str, readouts: list[Readout]) -> list[IngestReport]:
        if not readouts:
            return [IngestReport(origin, "failed", detail=f"{origin}: nothing to index in it")]
        reports = []
        for readout in readouts:
            doc = readout.document
            where = readout.keys[0] if len(readouts) > 1 and readout.keys else origin
            saved = await self.registry.save(doc, readout.keys)
            if doc.removed:
                log.info("%s: cleaning removed %d boilerplate spans", where, len(doc.removed))
            reports.append(
                IngestReport(where, saved.status, saved.source_id, len(doc.passages), saved.detail)
            )
        return reports
