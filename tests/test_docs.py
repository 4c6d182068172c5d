"""The docs tell the truth: every CLI command is documented, CI runs the README's test command."""

from __future__ import annotations

from pathlib import Path

from bot.cli import build_parser

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
