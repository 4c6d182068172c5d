"""Admin chat commands: `/ingest URL` adds a source, `/forget SOURCE` removes one.

Only the users named in `ingest.admins` (as "platform:user_id") may run them; everybody else
gets a polite refusal. The commands are declared here (`commands`) and handed to the core with
the other wings', so adapters need no change; they speak to the knowledge layer only through
`Library`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from bot.core.catalogue import Argument, Audience, ChatCommand
from bot.core.model import Message, Reply, ReplyKind
from knowledge.collections import CollectionError, check_slug
from knowledge.ingest import IngestReport
from knowledge.library import Library
from knowledge.readers.fetch import is_url

REFUSAL = (
    "Sorry, only the bot's admins can add or remove sources. "
    "Ask one of them, or see /sources for what I already know."
)
USAGE = (
    "Usage: /ingest URL [into SLUG] — a web page, PDF, text file or RSS/Atom feed, added to "
    "this chat's first collection or to SLUG (see /collections)."
)
_VERBS = {
    "added": "Added",
    "updated": "Updated",
    "unchanged": "Already indexed, unchanged:",
    "duplicate": "Skipped, a duplicate:",
}


class AdminCommands:
    def __init__(
        self,
        library: Library,
        admins: Iterable[str],
        first_collection: Callable[[Message], Awaitable[str | None]] | None = None,
    ) -> None:
        """`first_collection`: where `/ingest URL` adds in this chat (its first collection,
        see bot/collections/scopes.py); None: the bundled story's collection."""
        self._library = library
        self._admins = frozenset(a.strip() for a in admins)
        self._first_collection = first_collection

    def commands(self) -> tuple[ChatCommand, ...]:
        """The declarations for the catalogue; /ingest also counts against its own limit."""
        admins = Audience.ADMINS
        url = Argument("url", "URL", "A web page, PDF, text file or feed", required=True)
        into = Argument("collection", "into SLUG", "The collection (default: this chat's first)")
        source = Argument("source_id", "SOURCE_ID", "The id /sources shows", required=True)
        ingest = "add a web page, PDF, text file or feed (to this chat's first collection)"
        forget = "remove a source (its id: /sources)"
        return (
            ChatCommand("ingest", ingest, self.ingest, (url, into), admins, ingest_limited=True),
            ChatCommand("forget", forget, self.forget, (source,), admins),
        )

    def is_admin(self, message: Message) -> bool:
        return f"{message.platform}:{message.user_id}" in self._admins

    async def ingest(self, message: Message, argument: str) -> Reply:
        if not self.is_admin(message):
            return _refuse()
        words = argument.split()
        if len(words) == 3 and words[1].lower() == "into":
            del words[1]  # "URL into SLUG"; a slash command's option gives "URL SLUG"
        url = words[0] if words else ""
        if not is_url(url) or len(words) > 2:
            return _info(USAGE)
        if len(words) == 2:
            collection: str | None = words[1]
        elif self._first_collection is not None:
            collection = await self._first_collection(message)
        else:
            collection = None
        try:
            reports = await self._library.ingest_url(url, collection)
        except CollectionError as exc:
            return _info(f"{exc} {USAGE}")
        failed = [r for r in reports if r.failed]
        lines = tuple(_line(r) for r in reports[:10])
        if len(reports) > 10:
            lines += (f"… and {len(reports) - 10} more.",)
        kind = ReplyKind.ERROR if failed and len(failed) == len(reports) else ReplyKind.INFO
        where = f" (into {check_slug(collection)})" if collection else ""
        return Reply(kind=kind, title=f"Ingest{where}", body=lines, footer=("See /sources.",))

    async def forget(self, message: Message, argument: str) -> Reply:
        if not self.is_admin(message):
            return _refuse()
        source_id = argument.strip()
        if not source_id:
            return _info("Usage: /forget SOURCE_ID — the id is shown by /sources.")
        if await self._library.forget(source_id):
            return _info(f"Forgot {source_id}: its passages are no longer quoted.")
        return _info(f"There is no source with id {source_id}. /sources shows each source's id.")


def _line(report: IngestReport) -> str:
    if report.failed:
        return f"Could not ingest: {report.detail}"
    verb = _VERBS.get(report.status, report.status)
    passages = f" ({report.passages} passages)" if report.status in ("added", "updated") else ""
    detail = f" — {report.detail}" if report.detail else ""
    return f"{verb} {report.source_id}{passages}{detail}"


def _refuse() -> Reply:
    return Reply(kind=ReplyKind.REFUSAL, body=(REFUSAL,))


def _info(text: str) -> Reply:
    return Reply(kind=ReplyKind.INFO, body=(text,))
