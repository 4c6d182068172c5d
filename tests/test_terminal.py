"""`briefbot` on a real terminal, as a person types at it: a pty driven by pexpect.

Each wait is bounded (the first start builds the index, so it gets the longest); nothing sleeps.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from bot.app import open_app
from bot.config import load_settings
from bot.progress import terminal_progress
from bot.terminal import wrap

ROOT = Path(__file__).resolve().parents[1]
START = 120  # seconds: a first start indexes the bundled sources on a busy machine
STEP = 60
UP, CTRL_C, CTRL_D = "\x1b[A", "\x03", "\x04"
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]|\r")


def plain(text: str) -> str:
    """What the person sees, near enough: terminal control sequences removed."""
    return _ESCAPES.sub("", text)


def briefbot(db: Path, *args: str, columns: int = 60) -> pexpect.spawn:
    # a pty answers no cursor-position requests as a terminal emulator would: say so
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "bot", "--db", str(db), *args],
        cwd=str(ROOT),
        dimensions=(40, columns),
        encoding="utf-8",
        timeout=STEP,
        env=env,
    )


def test_chat_edits_lines_keeps_history_and_leaves_on_ctrl_c_and_ctrl_d(tmp_path):
    db = tmp_path / "chat.sqlite3"
    chat = briefbot(db, "chat", columns=60)
    chat.expect_exact("you>", timeout=START)
    chat.send("what does Kim want?\r")
    chat.expect_exact("• “")  # past the prompt's own redraw of the accepted line
    chat.expect_exact("you>")
    answer = plain("• “" + chat.before)
    lines = [line for line in answer.splitlines() if line.strip()]
    assert any(line.startswith("• “") for line in lines)
    assert all(len(line) <= 60 for line in lines), max(lines, key=len)
    assert any(line.startswith("  ") for line in lines)  # a quote's second line hangs under it
    chat.send(UP)
    chat.expect_exact("what does Kim want?")
    assert "^[[A" not in plain(chat.before)
    chat.send(CTRL_C)  # leaves at once, no Enter needed
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
    history = tmp_path / "chat_history"
    assert "what does Kim want?" in history.read_text(encoding="utf-8")
    assert history.stat().st_mode & 0o077 == 0  # readable by its owner only

    again = briefbot(db, "chat", columns=60)  # the history outlives the session
    again.expect_exact("you>", timeout=START)
    again.send(UP + "\r")
    again.expect_exact("what does Kim want?")
    again.expect_exact("• “")
    again.expect_exact("you>")
    again.send(CTRL_D)
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0


def test_sources_shows_whole_ids_on_a_narrow_terminal(tmp_path):
    listing = briefbot(tmp_path / "s.sqlite3", "sources", columns=80)
    listing.expect(pexpect.EOF, timeout=START)
    shown = plain(listing.before)
    listing.close()
    assert listing.exitstatus == 0
    assert "npr-consider-this-2023-09-11" in shown
    assert "carnegie-panda-2023-09" in shown


def test_forget_on_a_terminal_asks_first(tmp_path):
    db = tmp_path / "f.sqlite3"
    note = tmp_path / "notes.txt"
    note.write_text("Field notes\n\n" + "The delegation toured a tractor factory. " * 10)
    ingest = briefbot(db, "ingest", str(note))
    ingest.expect(pexpect.EOF, timeout=START)
    ingest.close()
    source_id = re.search(r"notes[\w-]*", plain(ingest.before)).group(0)

    kept = briefbot(db, "forget", source_id)
    kept.expect_exact("[y/N]")
    kept.send("n\r")
    kept.expect(pexpect.EOF)
    kept.close()
    assert kept.exitstatus == 1
    assert "Nothing forgotten" in plain(kept.before)

    gone = briefbot(db, "forget", source_id)
    gone.expect_exact("[y/N]")
    gone.send("y\r")
    gone.expect(pexpect.EOF)
    gone.close()
    assert gone.exitstatus == 0
    assert f"Forgot “Field notes” ({source_id}" in " ".join(plain(gone.before).split())


@pytest.mark.parametrize("width", [24, 40, 72])
def test_wrapping_breaks_only_between_words(width):
    bullet = (
        "• “Active facilitation of such transfers—while a violation of sanctions—would "
        "assist in fulfilling military ambitions, as https://example.org/a/long/path says.”"
    )
    text = f"{bullet}\n  — Analyst Name · Some Outlet · 11 September 2023 [1]"
    wrapped = wrap(text, width)
    assert " ".join(wrapped.split()) == " ".join(text.split())  # no word cut or lost
    for line in wrapped.splitlines():
        assert len(line) <= width or " " not in line.strip()  # only a lone long word overflows
    assert all(line.startswith("  ") for line in wrapped.splitlines()[1:])


async def test_an_index_build_shows_a_progress_bar_only_on_a_terminal(tmp_path):
    settings = load_settings(None)
    screen, pipe = io.StringIO(), io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=80)
    piped = Console(file=pipe, force_terminal=False, width=80)
    async with open_app(
        settings, db_path=tmp_path / "a.sqlite3", progress=terminal_progress(terminal, delay=0)
    ):
        pass
    async with open_app(
        settings, db_path=tmp_path / "b.sqlite3", progress=terminal_progress(piped, delay=0)
    ):
        pass
    assert "indexing the bundled sources" in screen.getvalue()
    assert pipe.getvalue() == ""
