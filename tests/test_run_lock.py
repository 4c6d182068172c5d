"""`briefbot run` holds `<db>.lock`: a second copy is told who runs and exits 2; the lock goes
with its owner, so the next start after a stop (or a crash) works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.run_lock import AlreadyRunning, lock_path_for, run_lock


def test_a_second_lock_on_the_same_database_is_refused_with_the_owners_pid(tmp_path: Path):
    db = tmp_path / "data" / "bot.sqlite3"
    with run_lock(db) as held:
        assert held == lock_path_for(db) == tmp_path / "data" / "bot.sqlite3.lock"
        assert held.read_text().strip() == str(os.getpid())
        with pytest.raises(AlreadyRunning) as second, run_lock(db):
            pass  # pragma: no cover - never reached
        assert f"already running (pid {os.getpid()})" in str(second.value)
        with run_lock(tmp_path / "other.sqlite3"):  # another database: its own lock
            pass
    with run_lock(db):  # released with its owner
        pass


def test_cli_run_exits_2_while_another_copy_holds_the_lock(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    db = tmp_path / "bot.sqlite3"
    with run_lock(db):
        assert main(["run", "--db", str(db)]) == 2
    assert f"already running (pid {os.getpid()})" in capsys.readouterr().err
    assert not db.exists()  # refused before the database was even opened


def test_a_lock_file_that_cannot_be_made_is_one_line_and_exit_2(tmp_path: Path, capsys):
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    assert main(["run", "--db", str(not_a_folder / "bot.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot create the lock file ")
    assert "Traceback" not in err
