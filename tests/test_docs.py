"""The docs tell the truth: every CLI command is documented, CI runs the README's test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import console

from bot.cli import build_parser
from bot.render.text import render_text

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme():
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    for name in subparsers.choices:
        assert f"`briefbot {name}" in README, name


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = (
        "pip install --quiet torch==2.13.0 && "
        'pip install --quiet -e ".[telegram,discord,semantic,test]" && python -m pytest'
    )
    assert command.replace("--quiet ", "") in README
    assert command in ci


def test_the_readme_test_command_ends_with_a_summary_line():
    """pyproject adds no -q of its own, so `python -m pytest` (even with the -q people add)
    still ends with "N passed" (two -q's together hide it)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_query.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout.strip().splitlines()[-1]


async def test_the_first_session_capture_shows_todays_console(app):
    """docs/first-session.md (README links it) shows the console's current /help commands and
    the steps the README promises; re-make it with docs/first-session.sh when this fails."""
    session = (ROOT / "docs" / "first-session.md").read_text(encoding="utf-8")
    assert "(docs/first-session.md)" in README
    for typed in ("you> /help", "you> and Putin?", "you> /why", "you> /sources"):
        assert typed in session
    assert "[briefbot exited with status 0]" in session  # Ctrl-C left cleanly
    help_text = render_text(await app.core.handle(console("/help")))
    commands = help_text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    for line in commands.splitlines():
        if line.startswith("  /"):
            assert line in session, line
