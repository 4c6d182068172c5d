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


def test_ingest_of_a_missing_file_is_one_line_and_fails(db, tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    assert main(["ingest", *db, str(missing)]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"no such file: {missing}\n"
    assert captured.out == ""


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
    assert 'semantic.enabled = "off"' in out  # conftest turns it off; brackets shown as written


def test_run_without_a_token_says_what_to_set(db, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_BOT_TOKEN", raising=False)
    assert main(["run", *db]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err
    assert "briefbot chat" in err


@pytest.mark.parametrize("argv", [["ask", ""], ["ask", "   "]])
def test_an_empty_question_says_so_and_exits_2(db, capsys, argv):
    assert main([*argv[:1], *db, *argv[1:]]) == 2
    captured = capsys.readouterr()
    assert "the question is empty" in captured.err
    assert 'briefbot ask "' in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(("k", "says"), [("0", "1 or more"), ("-1", "1 or more"), ("x", "a whole")])
def test_k_below_one_is_refused_with_exit_2(db, capsys, k, says):
    with pytest.raises(SystemExit) as exited:
        main(["ask", *db, "--k", k, "what does Kim want?"])
    assert exited.value.code == 2
    assert f"argument --k: must be {says}" in capsys.readouterr().err


def test_ask_offers_no_chat_only_more_command(db, capsys):
    assert main(["ask", *db, "what does Kim want?"]) == 0
    out = capsys.readouterr().out
    assert "• “" in out
    assert "/more" not in out


def test_forget_removes_a_source_by_the_id_sources_shows(db, tmp_path, capsys):
    note = tmp_path / "notes.txt"
    note.write_text("Field notes\n\n" + "The delegation toured a tractor factory. " * 10)
    assert main(["ingest", *db, str(note)]) == 0
    assert main(["sources", *db]) == 0
    listed = capsys.readouterr().out
    source_id = next(word for word in listed.split() if word.startswith("notes"))
    assert main(["forget", *db, source_id]) == 2  # stdin is no terminal: --yes is needed
    assert "--yes" in capsys.readouterr().err
    assert main(["forget", *db, source_id, "--yes"]) == 0
    assert f"Forgot “Field notes” ({source_id}" in capsys.readouterr().out
    assert main(["sources", *db]) == 0
    assert source_id not in capsys.readouterr().out
    assert main(["forget", *db, source_id, "--yes"]) == 1
    assert "no source with id" in capsys.readouterr().err


def test_square_brackets_in_a_source_are_shown_not_read_as_markup(db, tmp_path, capsys):
    """As in the eval's "pip install 'briefbot[semantic]'" hint: rich markup is never read."""
    note = tmp_path / "brackets.md"
    note.write_text(
        "---\ntitle: 'Install the [semantic] extra :smile:'\noutlet: '[draft] Notes'\n---\n"
        + "The delegation toured a tractor factory near the border. " * 8
    )
    assert main(["ingest", *db, str(note)]) == 0
    assert main(["sources", *db]) == 0
    out = capsys.readouterr().out
    assert "Install the [semantic]" in out  # the table may wrap the title's cell
    assert "extra :smile:" in out
    assert "[draft] Notes" in out
