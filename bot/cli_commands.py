"""The CLI's commands: each takes the app and parsed arguments, prints, returns an exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Column, Table
from rich.text import Text

from bot import cli_collections, cli_ingest
from bot.app import App
from bot.cli_collections import chosen_scope
from bot.core.delivery import ChatTarget
from bot.core.model import Message, ReplyKind
from bot.core.why import explain_lines
from bot.digest.reply import digest_reply
from bot.eval_table import eval_table, kinds_table, rules_table, summary_table
from bot.progress import terminal_progress
from bot.render.preview import PreviewSender
from bot.render.text import render_text
from bot.terminal import stderr_console, stdout_console, wrap
from knowledge.answer import Answer
from knowledge.evaluation import EvalFormatError, evaluate, load_items
from knowledge.folds import held_out_report
from knowledge.source_identity import bundled_sources_dir

out = stdout_console()
err = stderr_console()
CLI_CHAT = Message(platform="cli", chat_id="cli", user_id="cli", text="")


def answer_json(question: str, answer: Answer | None, reply_dict: dict[str, Any], k: int) -> str:
    """One JSON object per question: the reply plus the ranked passages behind it."""
    passages = []
    if answer is not None:
        for rank, hit in enumerate(answer.result.hits[: max(k, 0)], 1):
            passages.append(
                {
                    "rank": rank,
                    "text": hit.passage.text,
                    "source": hit.source.id,
                    "title": hit.source.title,
                    "speaker": hit.passage.speaker,
                    "section": hit.passage.section,
                    "score": round(hit.bm25, 4),
                    "coverage": round(hit.coverage, 3),
                }
            )
    data = {
        "question": question,
        "abstained": answer.abstained if answer is not None else True,
        "reason": answer.reason if answer is not None else "empty question",
        "title": reply_dict["title"],
        "body": reply_dict["body"],
        "bullets": [
            {"text": b["text"], "citation": b["citation"], "speaker": b["speaker"]}
            for b in reply_dict["bullets"]
        ],
        "citations": reply_dict["citations"],
        "passages": passages,
    }
    return json.dumps(data, ensure_ascii=False)


async def cmd_ask(app: App, args: argparse.Namespace) -> int:
    """One question, or (`-`) one question a line from stdin. With `--json -` every input line
    gets exactly one output line, in order, so a script can zip them: a blank line gets the
    "empty question" reply and a line that is not UTF-8 gets `{"line": N, "error": ...}`
    (exit 1 at the end; the other lines are still answered)."""
    ok, scope = await chosen_scope(app, args, err)
    if not ok:
        return 2
    lines = stdin_lines() if args.question == "-" else iter([args.question])
    unreadable = False
    for number, line in enumerate(lines, 1):
        if line is None:
            unreadable = True
            problem = f"line {number} is not valid UTF-8 text"
            if args.json:
                sys.stdout.write(json.dumps({"line": number, "error": problem}) + "\n")
                sys.stdout.flush()
            else:
                err.print(f"skipped: {problem}", markup=False)
            continue
        question = line.rstrip("\r\n")
        if args.question == "-" and not args.json and not question.strip():
            continue
        reply, answer = await app.core.ask(CLI_CHAT, question, within=scope)
        if args.json:
            sys.stdout.write(answer_json(question, answer, reply.to_dict(), args.k) + "\n")
            sys.stdout.flush()
        else:
            # no buttons: "[More: /more]" names a chat command that `ask` has not got
            text = render_text(replace(reply, buttons=()))
            if args.why and answer is not None:
                text += "\n".join(["\n", *explain_lines(answer)])
            say(text)
            if args.question == "-":
                out.print()
    return 1 if unreadable else 0


def stdin_lines() -> Iterator[str | None]:
    """stdin's lines decoded as UTF-8, None for a line that is not: read as bytes, so one bad
    line neither stops the run (a text stream raises mid-iteration) nor is echoed back."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (a StringIO in tests)
        yield from sys.stdin
        return
    for raw in stream:
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield None


def say(text: str) -> None:
    """Plain text on stdout, wrapped at word boundaries to the terminal's width (in a pipe:
    unwrapped, so scripts get whole lines)."""
    out.print(wrap(text, out.width) if out.is_terminal else text)


async def cmd_chat(app: App, args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleChat  # prompt_toolkit: only `chat` pays its import

    await ConsoleChat(app.core, out, history=history_path(app)).run()
    return 0


def history_path(app: App) -> Path:
    """`briefbot chat`'s line history, in the data folder beside the index."""
    return Path(app.store.path).parent / "chat_history"


async def cmd_ingest(app: App, args: argparse.Namespace) -> int:
    return await cli_ingest.cmd_ingest(app, args, out, err, terminal_progress(err))


async def cmd_feeds(app: App, args: argparse.Namespace) -> int:
    return await cli_ingest.cmd_feeds(app, args, out, err)


async def cmd_sources(app: App, args: argparse.Namespace) -> int:
    sources = await app.library.sources()
    table = Table("title", "outlet", "authors / speakers", "date", "kind", "passages")
    # the id is what `forget` takes: never cut or folded, so it can be copied whole
    longest = max((len(s.meta.id) for s in sources), default=2)
    table.columns.insert(0, Column("id", no_wrap=True, min_width=longest, overflow="ignore"))
    for source in sources:
        meta = source.meta
        people = ", ".join(s.name for s in meta.speakers if s.name != "Guest") or ", ".join(
            meta.authors
        )
        table.add_row(
            meta.id,
            meta.title,
            meta.outlet,
            people,
            meta.display_date,
            meta.kind,
            str(source.passage_count),
        )
    out.print(table)
    return 0


async def cmd_forget(app: App, args: argparse.Namespace) -> int:
    """Remove a source; on a terminal it asks first (scripts pass --yes)."""
    source_id = args.source_id.strip()
    source = next((s for s in await app.library.sources() if s.meta.id == source_id), None)
    if source is None:
        err.print(f"no source with id {source_id}; `briefbot sources` lists the ids")
        return 1
    described = f"“{source.meta.title}” ({source_id}, {source.passage_count} passages)"
    if not args.yes:
        if not sys.stdin.isatty():
            err.print(f"not forgetting {described}: stdin is not a terminal, so confirm with --yes")
            return 2
        err.print(f"Forget {described}? [y/N] ", end="")
        try:
            answer = await asyncio.to_thread(sys.stdin.readline)
        except KeyboardInterrupt:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            err.print("Nothing forgotten.")
            return 1
    await app.library.forget(source_id)
    say(f"Forgot {described}: its passages are no longer quoted.")
    if app.settings.store.bundled_sources and is_bundled(source.path):
        say(
            "It is a bundled source, so the next start indexes it again; set "
            "store.bundled_sources = false to keep it out."
        )
    return 0


def is_bundled(path: str) -> bool:
    """Whether a source came from the package's own sources (they are re-indexed at start)."""
    return bool(path) and Path(path).resolve().parent == bundled_sources_dir().resolve()


async def cmd_eval(app: App, args: argparse.Namespace) -> int:
    if not args.file:
        err.print(
            "usage: briefbot eval FILE [FILE ...] [--folds K]   (e.g. ../shared/eval/dev.jsonl)"
        )
        return 2
    if args.folds == 1 or args.folds < 0:
        err.print("--folds takes 2 or more (0: no held-out figures)")
        return 2
    try:
        items = [item for path in args.file for item in load_items(path)]
    except (OSError, EvalFormatError) as exc:
        err.print(f"cannot read eval set: {exc}")
        return 2
    if args.folds > len(items):
        err.print(f"--folds {args.folds} is more than the {len(items)} questions")
        return 2

    ok, scope = await chosen_scope(app, args, err)
    if not ok:
        return 2
    configurations = ["bm25", *(["hybrid"] if app.library.searcher.semantic else [])]
    reports, held = {}, {}
    for name in configurations:

        async def answer(question: str, hybrid: bool = name == "hybrid") -> Answer:
            return (await app.library.answer(question, hybrid=hybrid, scope=scope))[0]

        if name == "hybrid":
            await answer("warm-up")  # load the model before timing
        answers: list[Answer] = []
        reports[name] = await evaluate(items, answer, k=args.k, answers=answers)
        out.print(eval_table(name, reports[name]))
        if args.folds:
            held[name], rules = held_out_report(
                reports[name],
                answers,
                args.folds,
                semantic=name == "hybrid",
                max_bullets=app.settings.answers.max_bullets,
            )
            out.print(rules_table(name, rules))
    out.print(summary_table(reports))
    if held:
        out.print(summary_table(held, title=f"held-out, {args.folds} folds"))
        out.print(kinds_table(held))
    if len(configurations) == 1:
        if app.settings.semantic.enabled == "off":
            say('(hybrid: off, as semantic.enabled = "off" in the settings)')
        else:
            say("(hybrid: install the semantic extra, pip install 'briefbot[semantic]')")
    return 0


async def cmd_stats(app: App, args: argparse.Namespace) -> int:
    """Usage and the coverage gaps (abstained on or voted down), so a team knows what to add."""
    if args.days <= 0:
        err.print("--days must be more than 0")
        return 2
    stats = await app.chats.stats(args.days)
    period = f"the last {args.days:g} day{'s' if args.days != 1 else ''}"
    usage = Table("platform", "questions", "abstained", "abstention rate", "👍", "👎")
    usage.title = f"Questions in {period}"
    for row in stats.platforms:
        usage.add_row(
            Text(row.platform),
            str(row.questions),
            str(row.abstained),
            f"{row.abstention_rate:.0%}",
            str(row.up),
            str(row.down),
        )
    if not stats.platforms:
        usage.add_row("—", "0", "0", "—", "0", "0")
    out.print(usage)
    daily = Table("day (UTC)", "questions", "abstained")
    daily.title = "Questions a day"
    for day, asked, abstained in stats.per_day:
        daily.add_row(day, str(asked), str(abstained))
    out.print(daily if stats.per_day else "No questions in this period.")
    top = Table("times", "question")
    top.title = "Top questions"
    for question, times in stats.top:
        top.add_row(str(times), Text(question))
    if stats.top:
        out.print(top)
    gaps = Table("times", "abstained", "👎", "question")
    gaps.title = "Coverage gaps: abstained on or voted down, most frequent first"
    for gap in stats.gaps:
        gaps.add_row(str(gap.times), str(gap.abstained), str(gap.down), Text(gap.question))
    out.print(gaps if stats.gaps else "No coverage gaps in this period.")
    return 0


async def cmd_run(app: App, args: argparse.Namespace) -> int:
    """Run the chat adapters whose tokens are set until SIGINT/SIGTERM (see bot.runner)."""
    # imported here: the runner brings aiohttp.web and the scheduler (~0.1 s), which a
    # one-off `briefbot ask` never needs and would wait for on every cold start
    from bot.runner import RunError, build_adapters, run

    try:
        adapters = build_adapters(app.core, app.settings, args.platform)
    except RunError as exc:
        err.print(str(exc), markup=False)
        return 2
    return await run(app, adapters, say=lambda line: err.print(line, markup=False))


async def cmd_serve_health(app: App, args: argparse.Namespace) -> int:
    """/healthz and /metrics only (see bot.observability.serve; imported on use, as in run)."""
    from bot.observability.serve import serve_health

    update = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    return await serve_health(app.settings.http.model_copy(update=update), app.health, app.metrics)


async def cmd_digest(app: App, args: argparse.Namespace) -> int:
    """Today's digest as a chat would get it, printed through the preview sender."""
    if not args.preview:
        err.print("usage: briefbot digest --preview [--chat ID]  (briefbot run sends them)")
        return 2
    subs = [s for s in await app.subscriptions.all(active_only=False) if s.chat_id == args.chat]
    if args.chat and not subs:
        err.print(f"no subscription for chat {args.chat}; `briefbot subscriptions` lists them")
        return 1
    sub = subs[0] if subs else None
    tz = ZoneInfo(sub.timezone if sub else app.settings.digest.default_timezone)
    scope = await app.core.chat_scope(sub.platform, sub.chat_id) if sub else None
    now = app.clock.now().astimezone(tz)
    since = sub.looked_at.astimezone(tz) if sub and sub.looked_at else None
    digest = await app.digests.build(
        now.date(), sub.seen_sources if sub else (), since=since, until=now, scope=scope
    )
    target = sub.target if sub else ChatTarget("console", "preview")
    await PreviewSender(lambda text: out.print(text, markup=False)).send(
        target, digest_reply(digest)
    )
    return 0


async def cmd_collections(app: App, args: argparse.Namespace) -> int:
    return await cli_collections.cmd_collections(app, args, out, err)


async def cmd_subscriptions(app: App, args: argparse.Namespace) -> int:
    table = Table("platform", "chat", "time", "zone", "quiet", "active", "last delivered", "result")
    for sub in await app.subscriptions.all(active_only=False):
        table.add_row(
            sub.platform,
            sub.chat_id,
            sub.local_time,
            sub.timezone,
            "yes" if sub.quiet else "",
            "yes" if sub.active else "no",
            sub.last_delivered_date or "",
            sub.last_result,
        )
    out.print(table)
    return 0


NEW_USAGE = "Use --since 24h, --since 3d, --since monday or --since 2026-12-01."


async def cmd_new(app: App, args: argparse.Namespace) -> int:
    """/new for the terminal: the CLI is one chat, so its last look is remembered too."""
    since = args.since.strip()
    if since and not since.lower().startswith("since ") and not since[:1].isdigit():
        since = f"since {since}"  # --since monday reads as /new since monday
    reply = await app.core.handle(replace(CLI_CHAT, text=f"/new {since}".strip()))
    if reply.kind is ReplyKind.ERROR:
        err.print(render_text(reply), markup=False)
        return 1
    if not reply.title:  # a usage hint: --since was unreadable
        problem = render_text(reply).split(" Use ")[0]
        err.print(f"briefbot new: {problem} {NEW_USAGE}", markup=False)
        return 2
    say(render_text(reply))
    return 0


COMMANDS: dict[str, Callable[[App, argparse.Namespace], Awaitable[int]]] = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "ingest": cmd_ingest,
    "feeds": cmd_feeds,
    "sources": cmd_sources,
    "forget": cmd_forget,
    "eval": cmd_eval,
    "run": cmd_run,
    "serve-health": cmd_serve_health,
    "stats": cmd_stats,
    "digest": cmd_digest,
    "subscriptions": cmd_subscriptions,
    "new": cmd_new,
    "collections": cmd_collections,
}
