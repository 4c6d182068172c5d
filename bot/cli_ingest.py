"""The CLI's source commands: `briefbot ingest PATH_OR_URL…` and `briefbot feeds add|list`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import App
from bot.progress import ProgressFactory
from knowledge.collections import Collection, CollectionError, check_slug
from knowledge.ingest import IngestReport, expand_paths
from knowledge.readers.fetch import is_url, without_credentials


def report_table(reports: Sequence[IngestReport]) -> Table:
    table = Table("file / URL", "status", "source id", "passages", "detail")
    for report in reports:
        table.add_row(
            report.path, report.status, report.source_id, str(report.passages), report.detail
        )
    return table


async def cmd_ingest(
    app: App, args: argparse.Namespace, out: Console, err: Console, progress: ProgressFactory
) -> int:
    """Files and folders first, then URLs (a progress bar if it takes a while); a path that
    does not exist is one line, not a report; exit 1 if anything failed."""
    urls = [t for t in args.paths if is_url(t)]
    paths = [Path(t) for t in args.paths if not is_url(t)]
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        err.print(f"no such file: {path}")
    files = expand_paths([p for p in paths if p.exists()])
    if not files and not urls:
        return 1
    reports: list[IngestReport] = []
    collection = args.collection
    try:
        if collection is not None:  # named on the command line: made when it is new
            collection = check_slug(collection)
            await app.library.collections.ensure(Collection(collection, collection))
    except CollectionError as exc:
        err.print(str(exc), markup=False)
        return 2
    async with progress("ingesting", len(files) + len(urls)) as tick:
        reports += await app.library.ingest(files, progress=tick, collection=collection)
        for url in urls:
            reports += await app.library.ingest_url(url, collection)
            tick(url)
    out.print(report_table(reports))
    return 1 if missing or any(r.failed for r in reports) else 0


async def cmd_feeds(app: App, args: argparse.Namespace, out: Console, err: Console) -> int:
    ingestor = app.library.ingestor
    if args.feeds_command == "add":
        new, reports = await ingestor.add_feed(args.url)
        await app.library.adopt_homeless()  # its entries join the bundled story's collection
        if reports and reports[0].failed and len(reports) == 1:
            err.print(f"not remembered: {reports[0].detail}")
            return 1
        shown = without_credentials(args.url)  # stored without them, so never echoed
        out.print(f"{'remembered' if new else 'already remembered'}: {shown}")
        out.print(report_table(reports))
        return 1 if any(r.failed for r in reports) else 0
    table = Table("url", "title", "added", "last polled", "entries", "last error")
    for feed in await ingestor.feeds():
        table.add_row(
            feed.url,
            feed.title,
            feed.added_at,
            feed.polled_at or "never",
            str(feed.entries),
            feed.last_error,
        )
    out.print(table)
    return 0
