"""The house has floors: nothing imports upwards.

`knowledge` (the index and answers) knows nothing of chats; `bot.core` (the platform-neutral
bot) knows nothing of the features built on it, the renderers, the platforms or the object
graph; only the entry points (CLI, runner) see the whole `App`. A wrong arrow here is how a
codebase starts to scatter, so it fails a test rather than waiting for a review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = {
    "bot/__main__.py",
    "bot/cli.py",
    "bot/cli_commands.py",
    "bot/cli_ingest.py",
    "bot/runner.py",
}


def modules(folder: str) -> Iterator[Path]:
    yield from sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offending(
    folder: str, forbidden: tuple[str, ...], *, skip: frozenset[str] = frozenset()
) -> list[str]:
    found = []
    for path in modules(folder):
        relative = path.relative_to(ROOT).as_posix()
        if relative in skip:
            continue
        for name in imported(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{relative} imports {name}")
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("knowledge", ("bot",)),
        ("bot/core", ("bot.digest", "bot.render", "bot.app", "bot.adapters", "bot.runner")),
        ("bot/digest", ("bot.adapters", "bot.app", "bot.runner")),
        ("bot/render", ("bot.adapters", "bot.digest", "bot.app")),
        ("bot/observability", ("bot.adapters", "bot.digest", "bot.app")),
    ],
)
def test_no_import_runs_back_up_the_house(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offending(folder, forbidden) == []


def test_only_the_entry_points_see_the_whole_app() -> None:
    assert offending("bot", ("bot.app",), skip=ENTRY_POINTS | {"bot/app.py"}) == []


def test_platforms_do_not_know_each_other() -> None:
    assert offending("bot/adapters/telegram", ("bot.adapters.discord",)) == []
    assert offending("bot/adapters/discord", ("bot.adapters.telegram",)) == []
