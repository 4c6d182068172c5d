"""`briefbot`: ask, chat, ingest, sources and eval from a terminal, on the embedded store.

Library code raises; only this module prints errors and chooses exit codes (2 = bad config or
usage or an unusable database file, 1 = the job failed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__, event_loop
from bot.adapters.platforms import PLATFORMS
from bot.app import open_app
from bot.cli_collections import add_collection_option, add_parsers
from bot.cli_commands import COMMANDS, err
from bot.config import ConfigError, Settings, load_settings
from bot.observability.logging import configure_logging, secrets_of
from bot.progress import terminal_progress
from bot.run_lock import LockError, run_lock
from knowledge.library import load_story
from knowledge.store_errors import StoreFailure, StoreOpenError, is_a_bug, open_error

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefbot", description="A briefing bot that answers by quoting its sources."
    )
    # --db and --config work before or after the command; SUPPRESS keeps a value given
    # before the command from being reset by the subcommand's default.
    common = argparse.ArgumentParser(add_help=False)
    for target, default in ((parser, None), (common, argparse.SUPPRESS)):
        target.add_argument("--db", type=Path, default=default, help="SQLite index file")
        target.add_argument("--config", type=Path, default=default, help="TOML config file")
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer one question and exit")
    ask.add_argument("question", help='the question, or "-" to read one question a line from stdin')
    ask.add_argument("--json", action="store_true", help="print the reply as one JSON object")
    ask.add_argument(
        "--k", type=at_least_one, default=5, help="how many ranked passages --json includes"
    )
    ask.add_argument("--why", action="store_true", help="also show how the answer was found")
    add_collection_option(ask, "search only this collection")

    commands.add_parser("chat", parents=[common], help="interactive console chat (/help inside)")

    ingest = commands.add_parser(
        "ingest", parents=[common], help="index files, folders, http(s) URLs or feeds"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument(
        "--collection", metavar="SLUG", help="the collection they join (default: the story's)"
    )
    add_parsers(commands, common)

    feeds = commands.add_parser("feeds", parents=[common], help="remember and list RSS/Atom feeds")
    feed_commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_add = feed_commands.add_parser("add", parents=[common], help="remember a feed, ingest it")
    feeds_add.add_argument("url")
    feed_commands.add_parser("list", parents=[common], help="the remembered feeds")

    commands.add_parser("sources", parents=[common], help="list the indexed sources")
    forget = commands.add_parser(
        "forget", parents=[common], help="remove a source and its passages from the index"
    )
    forget.add_argument("source_id", metavar="SOURCE_ID", help="as `briefbot sources` shows it")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    evaluate = commands.add_parser("eval", parents=[common], help="score against an eval set")
    evaluate.add_argument("file", nargs="*", type=Path, help="JSON Lines eval sets")
    evaluate.add_argument(
        "--k", type=at_least_one, default=5, help="passages considered per question"
    )
    evaluate.add_argument(
        "--folds",
        type=int,
        default=0,
        help="held-out figures: choose the refusal rule on the other folds (e.g. 5)",
    )
    add_collection_option(evaluate, "answer from this collection only")
    health = commands.add_parser(
        "serve-health", parents=[common], help="serve /healthz and /metrics only (no chat)"
    )
    health.add_argument("--host", help="address to bind (default: http.host)")
    health.add_argument("--port", type=int, help="port, 0 for a free one (default: http.port)")
    run = commands.add_parser("run", parents=[common], help="run the chat bots (tokens from env)")
    run.add_argument(
        "platform", nargs="?", choices=[p.name for p in PLATFORMS], help="only this platform"
    )
    stats = commands.add_parser(
        "stats", parents=[common], help="questions, abstentions, votes and coverage gaps"
    )
    stats.add_argument("--days", type=float, default=7.0, help="period, in days (default 7)")
    digest = commands.add_parser("digest", parents=[common], help="show today's digest")
    digest.add_argument("--preview", action="store_true", help="print it; send nothing")
    digest.add_argument("--chat", help="as this subscribed chat would get it (its zone, sources)")
    commands.add_parser("subscriptions", parents=[common], help="list digest subscriptions")
    new = commands.add_parser(
        "new", parents=[common], help="what arrived or changed since you last looked"
    )
    new.add_argument(
        "--since", default="", help='e.g. 24h, 3d, "monday", 2026-12-01 (default: last look)'
    )
    return parser


def at_least_one(text: str) -> int:
    """`--k`: a whole number of passages, 1 or more (0 or -1 would silently mean none)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with arguments argparse accepts, said before the index is opened."""
    if args.command == "ask" and not args.question.strip():
        examples = load_story().examples
        example = f' e.g. briefbot ask "{examples[0]}"' if examples else ""
        return f"briefbot ask: the question is empty; ask one,{example}"
    if args.command == "forget" and not args.source_id.strip():
        return "briefbot forget: the source id is empty; `briefbot sources` shows the ids"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if (problem := usage_error(args)) is not None:
        sys.stderr.write(problem + "\n")
        return EXIT_USAGE
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        sys.stderr.write(f"config error: {exc}\n")
        return EXIT_USAGE
    logs = configure_logging(settings.logging, secrets_of(settings))
    try:
        return event_loop.run(_run(args, settings))
    except ConfigError as exc:  # a setting that only fails when used (search.engine)
        sys.stderr.write(f"config error: {exc}\n")
        return EXIT_USAGE
    except StoreOpenError as exc:  # read-only, corrupt, not a briefbot database, …
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    except StoreFailure as exc:  # a bad page met later, the disk full, …
        if is_a_bug(exc):
            raise  # a bug, not the file: keep its traceback
        sys.stderr.write(f"{open_error(args.db or settings.store.path, exc)}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    finally:
        logs.restore()


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":  # one running bot per database (and so per token)
        try:
            with run_lock(args.db or settings.store.path):
                return await _with_app(args, settings)
        except LockError as exc:  # already running, or the folder is read-only
            sys.stderr.write(f"{exc}\n")
            return EXIT_USAGE
    return await _with_app(args, settings)


async def _with_app(args: argparse.Namespace, settings: Settings) -> int:
    async with open_app(settings, db_path=args.db, progress=terminal_progress(err)) as app:
        return await COMMANDS[args.command](app, args)


if __name__ == "__main__":
    sys.exit(main())
