"""The `briefbot` command as a script or a person uses it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", str(tmp_path / "cli.sqlite3")]


def test_ask_prints_an_attributed_answer(db, capsys):
    assert main([*db, "ask", "what does Kim want?"]) == 0
    out = capsys.readouterr().out
    assert "• “" in out
    assert "[1]" in out
    assert "[2]" in out


def test_ask_json_has_bullets_and_ranked_passages(db, capsys):
    assert main(["ask", *db, "--json", "--k", "3", "what does Putin want?"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["abstained"] is False
    assert reply["bullets"]
    assert {"text", "citation"} <= set(reply["bullets"][0])
    assert len(reply["passages"]) == 3
    assert {"text", "source", "title", "speaker", "score"} <= set(reply["passages"][0])
    scores = [p["score"] for p in reply["passages"]]
    assert all(isinstance(s, float) for s in scores)


def test_ask_json_stdin_writes_one_object_per_line(db, capsys, monkeypatch):
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("what does Kim want?\n\nwho won the 2018 World Cup?\n")
    )
    assert main(["ask", *db, "--json", "-"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    replies = [json.loads(line) for line in lines]
    assert [r["abstained"] for r in replies] == [False, True, True]  # one line per input line
    assert replies[1]["question"] == ""


def test_ingest_then_sources_lists_the_new_file(db, tmp_path, capsys):
    note = tmp_path / "field_notes.txt"
    note.write_text("Field notes\n\n" + "The delegation toured a tractor factory. " * 10)
    assert main(["ingest", *db, str(note)]) == 0
    assert main(["sources", *db]) == 0
    out = capsys.readouterr().out
    assert "field-notes" in out
    assert "added" in out


def test_ingest_reports_a_missing_file_and_fails(db, tmp_path, capsys):
    assert main(["ingest", *db, str(tmp_path / "nope.txt")]) == 1
    assert "not found" in capsys.readouterr().err


def test_chat_reads_lines_until_quit(db, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("/sources\nwhat does Kim want?\n/quit\n"))
    assert main(["chat", *db]) == 0
    out = capsys.readouterr().out
    assert "passages indexed" in out
    assert "• “" in out


@pytest.mark.skipif(not EVAL.exists(), reason="shared/eval is not beside the repository")
def test_eval_meets_the_foundation_bar(db, capsys):
    """Guard: answerable Recall@5 >= 0.8 and every out-of-scope question abstained."""
    assert main(["eval", *db, str(EVAL)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.strip("│ ").startswith("bm25"))
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    recall5, abstain_recall = float(cells[3]), float(cells[8])
    assert recall5 >= 0.8
    assert abstain_recall == 1.0


def test_run_without_a_token_says_what_to_set(db, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert main(["run", *db]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err
    assert "briefbot chat" in err
