"""`briefbot collections` (list, create, rename, delete) and the `--collection` option of
`ask`, `ingest` and `eval`: a slug checked before anything is searched or written.

`rename SLUG "New title"` changes the title; `rename SLUG --slug NEW` changes the slug (chats
bound to the collection stay bound: they refer to it by id, not by slug).
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from bot.app import App
from knowledge.collections import CollectionError, Scope, scope_of


def add_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """The `collections` command and its actions (added to the CLI's parser)."""
    parser = commands.add_parser(
        "collections", parents=[common], help="list, create, rename or delete collections"
    )
    actions = parser.add_subparsers(dest="collections_command", metavar="ACTION")
    actions.add_parser("list", parents=[common], help="each collection with its source count")
    create = actions.add_parser("create", parents=[common], help="a new, empty collection")
    create.add_argument("slug", metavar="SLUG", help="e.g. city-council-2024")
    create.add_argument("title", metavar="TITLE", help='e.g. "City council budget, 2024"')
    rename = actions.add_parser(
        "rename", parents=[common], help="a new title (or --slug: a new slug)"
    )
    rename.add_argument("slug", metavar="SLUG")
    rename.add_argument("title", metavar="NEW_TITLE", nargs="?")
    rename.add_argument("--slug", dest="new_slug", metavar="NEW_SLUG", help="a new slug")
    delete = actions.add_parser(
        "delete", parents=[common], help="remove it and the sources only it holds"
    )
    delete.add_argument("slug", metavar="SLUG")
    delete.add_argument("--yes", action="store_true", help="required: it removes sources")
    delete.add_argument(
        "--unbind",
        action="store_true",
        help="also when chats search only it (they will then search every collection)",
    )


def add_collection_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--collection",
        action="append",
        metavar="SLUG",
        help=f"{what} (repeatable; default: every collection)",
    )


async def chosen_scope(app: App, args: argparse.Namespace, err: Console) -> tuple[bool, Scope]:
    """The `--collection` slugs as a scope, checked against the index: (ok, scope)."""
    try:
        scope = scope_of(getattr(args, "collection", None))
        await app.library.collections.ids(scope)
    except CollectionError as exc:
        err.print(str(exc), markup=False)
        return False, None
    return True, scope


async def cmd_collections(app: App, args: argparse.Namespace, out: Console, err: Console) -> int:
    library = app.library
    action = args.collections_command or "list"
    try:
        if action == "create":
            made = await library.create_collection(args.slug, args.title)
            out.print(f"Created {made.slug} — {made.title}.", markup=False)
        elif action == "rename":
            if args.title is None and args.new_slug is None:
                err.print('usage: briefbot collections rename SLUG "New title" | --slug NEW_SLUG')
                return 2
            done = await library.rename_collection(
                args.slug, title=args.title, new_slug=args.new_slug
            )
            out.print(f"Renamed: {done.slug} — {done.title}.", markup=False)
        elif action == "delete":
            if not args.yes:
                collection = await library.collections.get(args.slug)
                err.print(
                    f"not deleting {collection.slug} ({collection.sources} sources): it removes "
                    "the sources no other collection holds; confirm with --yes",
                    markup=False,
                )
                return 2
            stranded = await app.chats.bound_only_to(args.slug)
            if stranded and not args.unbind:
                chats = ", ".join(f"{platform}:{chat}" for platform, chat in stranded[:5])
                more = f" and {len(stranded) - 5} more" if len(stranded) > 5 else ""
                err.print(
                    f"not deleting {args.slug}: {_chats(len(stranded))} only it ({chats}"
                    f"{more}), and without it they would search every collection. Give them "
                    "another with /use there, or confirm with --unbind",
                    markup=False,
                )
                return 2
            removed = await library.delete_collection(args.slug)
            out.print(f"Deleted {args.slug} and {removed} sources only it held.", markup=False)
        else:
            table = Table("slug", "title", "sources")
            for collection in await library.list_collections():
                table.add_row(collection.slug, collection.title, str(collection.sources))
            out.print(table)
    except CollectionError as exc:
        err.print(str(exc), markup=False)
        return 2
    return 0


def _chats(count: int) -> str:
    return "1 chat searches" if count == 1 else f"{count} chats search"
