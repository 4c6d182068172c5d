"""The CLI's commands: each takes the app and parsed arguments, prints, returns an exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from bot import cli_ingest
from bot.adapters.console import ConsoleChat
from bot.app import App
from bot.core.model import Message
from bot.render.text import render_text
from knowledge.answer import Answer
from knowledge.evaluation import EvalFormatError, evaluate, load_items

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)
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
    questions = sys.stdin if args.question == "-" else [args.question]
    for line in questions:
        question = line.rstrip("\n")
        if args.question == "-" and not question.strip():
            continue
        reply, answer = await app.core.ask(CLI_CHAT, question)
        if args.json:
            sys.stdout.write(answer_json(question, answer, reply.to_dict(), args.k) + "\n")
            sys.stdout.flush()
        else:
            out.print(render_text(reply), markup=False)
            if args.question == "-":
                out.print()
    return 0


async def cmd_chat(app: App, args: argparse.Namespace) -> int:
    await ConsoleChat(app.core, out).run()
    return 0


async def cmd_ingest(app: App, args: argparse.Namespace) -> int:
    return await cli_ingest.cmd_ingest(app, args, out, err)


async def cmd_feeds(app: App, args: argparse.Namespace) -> int:
    return await cli_ingest.cmd_feeds(app, args, out, err)


async def cmd_sources(app: App, args: argparse.Namespace) -> int:
    table = Table("id", "title", "outlet", "authors / speakers", "date", "kind", "passages")
    for source in await app.library.sources():
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


async def cmd_eval(app: App, args: argparse.Namespace) -> int:
    if args.file is None:
        err.print("usage: briefbot eval FILE   (e.g. ../shared/eval/dev.jsonl)")
        return 2
    try:
        items = load_items(args.file)
    except (OSError, EvalFormatError) as exc:
        err.print(f"cannot read eval set: {exc}")
        return 2

    async def answer(question: str) -> Answer:
        return (await app.library.answer(question))[0]

    report = await evaluate(items, answer, k=args.k)
    per_question = Table("id", "ok", "evidence hit@5", "abstained", "question")
    for res in report.results:
        found = sum(1 for r in res.first_hit_ranks if r is not None and r <= 5)
        shown = f"{found}/{len(res.first_hit_ranks)}" if res.item.answerable else "out of scope"
        per_question.add_row(
            res.item.id,
            "yes" if res.success else "NO",
            shown,
            "yes" if res.abstained else "",
            res.item.question,
        )
    out.print(per_question)
    ok, total = report.success
    precision, recall = report.abstention
    summary = Table(
        "configuration",
        "R@1",
        "R@3",
        "R@5",
        "MRR",
        "success",
        "bullet cov.",
        "abst. P",
        "abst. R",
        "p50 ms",
        "p99 ms",
    )
    summary.add_row(
        "bm25",
        f"{report.recall_at(1):.3f}",
        f"{report.recall_at(3):.3f}",
        f"{report.recall_at(5):.3f}",
        f"{report.mrr:.3f}",
        f"{ok}/{total}",
        f"{report.bullet_coverage:.3f}",
        f"{precision:.2f}",
        f"{recall:.2f}",
        f"{report.latency(0.5):.2f}",
        f"{report.latency(0.99):.2f}",
    )
    out.print(summary)
    return 0


PLATFORM_SETUP_HINT = (
    "No chat platform token is set. Set TELEGRAM_BOT_TOKEN (and install the telegram extra: "
    "pip install 'briefbot[telegram]') to run the Telegram bot, or try the console bot with "
    "`briefbot chat`, which needs no token."
)


async def cmd_run(app: App, args: argparse.Namespace) -> int:
    """Run the chat adapters whose tokens are set until SIGINT/SIGTERM, then close cleanly."""
    token = app.settings.telegram_bot_token
    if args.platform not in (None, "telegram") or token is None:
        err.print(PLATFORM_SETUP_HINT if token is None else f"unknown platform: {args.platform}")
        return 2
    try:
        from bot.adapters.telegram import TelegramAdapter
    except ImportError:
        err.print("The telegram extra is not installed: pip install 'briefbot[telegram]'")
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    adapter = TelegramAdapter(app.core, token.get_secret_value())
    try:
        await adapter.start()
        err.print("Telegram bot running; Ctrl-C to stop.")
        await stop.wait()
    finally:
        await adapter.aclose()
        err.print("stopped cleanly")
    return 0


COMMANDS: dict[str, Callable[[App, argparse.Namespace], Awaitable[int]]] = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "ingest": cmd_ingest,
    "feeds": cmd_feeds,
    "sources": cmd_sources,
    "eval": cmd_eval,
    "run": cmd_run,
}
