"""The house has floors: nothing imports upwards.

The README's architecture table says, per folder, what it must not import; this test reads that
table (so the documentation cannot drift from the code) and checks every module's imports
against it, lazy imports inside functions included. A wrong arrow is how a codebase starts to
scatter, so it fails here rather than waiting for a review.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENTRY_POINTS = frozenset(
    {
        "bot/__main__.py",
        "bot/cli.py",
        "bot/cli_collections.py",
        "bot/cli_commands.py",
        "bot/cli_ingest.py",
        "bot/runner.py",
    }
)
_ROW = re.compile(r"^\| `(?P<folder>[a-z_/]+)/` \| .+ \| (?P<forbidden>(?:`[a-z_.]+`(?:, )?)+) \|$")


def layer_rules() -> dict[str, tuple[str, ...]]:
    """{folder: modules it must not import}, from the README's architecture table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rules = {}
    for line in readme.splitlines():
        if match := _ROW.match(line):
            rules[match["folder"]] = tuple(re.findall(r"`([a-z_.]+)`", match["forbidden"]))
    return rules


def imported(path: Path) -> set[str]:
    """Every module a file imports, at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: str) -> Iterator[Path]:
    yield from sorted((ROOT / folder).rglob("*.py"))


def offending(
    folder: str, forbidden: tuple[str, ...], *, skip: frozenset[str] = frozenset()
) -> list[str]:
    found = []
    for path in python_files(folder):
        relative = path.relative_to(ROOT).as_posix()
        if relative in skip:
            continue
        for name in sorted(imported(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{relative} imports {name}")
    return found


def test_the_readme_table_covers_every_package_folder() -> None:
    rules = layer_rules()
    packages = {
        p.parent.relative_to(ROOT).as_posix()
        for p in [*ROOT.glob("bot/*/__init__.py"), *ROOT.glob("bot/adapters/*/__init__.py")]
    }
    assert "knowledge" in rules
    assert packages - set(rules) == set()


@pytest.mark.parametrize(("folder", "forbidden"), sorted(layer_rules().items()))
def test_no_import_runs_back_up_the_house(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offending(folder, forbidden) == []


def test_only_the_entry_points_see_the_whole_app() -> None:
    assert offending("bot", ("bot.app",), skip=ENTRY_POINTS | {"bot/app.py"}) == []


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The check itself works: a lazy import inside a function is found."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.app import App\n", encoding="utf-8")
    assert "bot.app" in imported(module)
