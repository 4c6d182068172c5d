"""Bad files and failing disks as an unlucky operator meets them: the CLI reading unreadable
stdin lines, unopenable database files, a question log that cannot be written, health checks
that notice a corrupt index or a locked database, and two files of the same name."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from aiohttp import ClientSession, web
from helpers import console

from bot.app import App, open_app
from bot.config import HttpSettings, load_settings
from bot.core.model import ReplyKind
from bot.observability.http import open_http
from knowledge.ingest import IngestReport
from knowledge.store import Store
from knowledge.store_errors import StoreOpenError
from knowledge.store_health import DiskAlmostFull, check_free_space

LOCAL = HttpSettings(enabled=True, host="127.0.0.1", port=0)
TIMEOUT = 60.0  # a cold start indexes the bundled sources; generous for a shared machine


async def run_cli(*args: str, stdin: bytes = b"", limit: float = TIMEOUT) -> tuple[int, str, str]:
    """`python -m bot ARGS` as a real process; (exit code, stdout, stderr), killed on overrun."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), limit)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_ask_json_stdin_answers_every_line_and_flags_bad_bytes(tmp_path: Path) -> None:
    stdin = b"what does Kim want?\n\n\xff\xfe broken \xc3(\nwho won the 2018 World Cup?\n"
    code, out, err = await run_cli(
        "ask", "--db", str(tmp_path / "a.sqlite3"), "--json", "-", stdin=stdin
    )
    lines = out.splitlines()
    assert len(lines) == 4, (out, err)
    replies = [json.loads(line) for line in lines]
    assert replies[0]["abstained"] is False
    assert replies[1]["question"] == ""
    assert replies[1]["abstained"] is True
    assert replies[2] == {"line": 3, "error": "line 3 is not valid UTF-8 text"}
    assert replies[3]["abstained"] is True
    assert "broken" not in out  # the bad line is never echoed
    assert "\ufffd" not in out
    assert "Traceback" not in err
    assert code == 1


# -- unusable database files (item 16) ----------------------------------------------------


async def briefbot_db(path: Path) -> Path:
    """A real briefbot database with the bundled sources."""
    async with open_app(load_settings(None), db_path=path):
        pass
    return path


def corrupt_pages(path: Path) -> None:
    """Garbage over every other page after the first few: SQLite's header stays valid."""
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data), 4096 * 2):
        data[offset : offset + 2000] = b"\x5a" * 2000
    path.write_bytes(bytes(data))


def foreign_db(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.commit()
    return path


@pytest.fixture
def read_only_db(tmp_path: Path) -> Iterator[Path]:
    """A briefbot database this process cannot write: chmod for a user, `chattr +i` for root
    (root writes through file modes); skipped where neither works."""
    path = tmp_path / "ro.sqlite3"
    asyncio.run(briefbot_db(path))
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        extra.unlink(missing_ok=True)
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield path
        path.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)


def bad_file(kind: str, path: Path) -> Path:
    if kind == "random-bytes":
        path.write_bytes(os.urandom(5000))
    elif kind == "text-file":
        path.write_text("hello\n")
    elif kind == "other-program":
        foreign_db(path)
    elif kind == "a-folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("random-bytes", "it is not a SQLite database"),
        ("text-file", "it is not a SQLite database"),
        ("other-program", "it is not a briefbot database"),
        ("corrupt", "it is corrupt"),
        ("a-folder", "it cannot be opened"),
    ],
)
async def test_an_unusable_db_file_is_one_line_and_exit_2(
    tmp_path: Path, kind: str, reason: str
) -> None:
    path = bad_file(kind, tmp_path / "bad.sqlite3")
    if kind == "corrupt":
        corrupt_pages(await briefbot_db(path))
    code, out, err = await run_cli("--db", str(path), "sources")
    assert code == 2
    assert err.startswith(f"cannot open the database {path}: {reason}")
    assert len(err.strip().splitlines()) == 1, err  # no traceback, no thread's dying words
    assert out == ""


async def test_a_read_only_db_file_is_one_line_and_exit_2(read_only_db: Path) -> None:
    code, _, err = await run_cli("--db", str(read_only_db), "sources")
    assert code == 2
    assert err.strip().splitlines() == [
        f"cannot open the database {read_only_db}: it is read-only"
        " (the file or its folder cannot be written)"
    ]


async def test_a_failed_open_leaves_no_thread_behind(tmp_path: Path) -> None:
    """An aiosqlite connection is a non-daemon thread: one left open kept the CLI alive
    forever after printing its error."""
    junk = bad_file("random-bytes", tmp_path / "junk.sqlite3")
    foreign = foreign_db(tmp_path / "foreign.sqlite3")
    before = set(threading.enumerate())
    for path in (junk, foreign, tmp_path):
        with pytest.raises(StoreOpenError, match=f"cannot open the database {path}: "):
            await Store.open(path)
    left = [
        t
        for t in threading.enumerate()
        if t not in before and "_connection_worker_thread" in t.name  # aiosqlite's
    ]
    for thread in left:  # a stopping thread gets a moment to finish
        await asyncio.to_thread(thread.join, 2.0)
    assert not [t for t in left if t.is_alive()]


# -- /healthz checks the index and a write (item 15) ---------------------------------------


async def healthz(app: App) -> tuple[int, dict[str, Any]]:
    async with open_http(LOCAL, app.health, app.metrics) as server:
        assert server is not None
        async with ClientSession() as http, http.get(server.url + "/healthz") as response:
            return response.status, await response.json()


async def test_healthz_fails_when_the_search_index_is_corrupt(app: App) -> None:
    assert (await healthz(app))[0] == 200
    async with aiosqlite.connect(app.store.path) as db:  # the index's pages, zeroed
        await db.execute("UPDATE passages_fts_data SET block = zeroblob(length(block))")
        await db.commit()
    status, body = await healthz(app)
    assert status == 503
    assert body["checks"]["database"] == "error: IndexUnreadable"


async def test_healthz_fails_when_the_search_index_lost_its_rows(app: App) -> None:
    async with aiosqlite.connect(app.store.path) as db:
        await db.execute("INSERT INTO passages_fts (passages_fts) VALUES ('delete-all')")
        await db.commit()
    status, body = await healthz(app)
    assert status == 503
    assert body["checks"]["database"] == "error: IndexUnreadable"


async def test_healthz_fails_while_another_connection_holds_the_write_lock(app: App) -> None:
    async with aiosqlite.connect(app.store.path, isolation_level=None) as other:
        await other.execute("BEGIN IMMEDIATE")
        await other.execute("UPDATE health SET checked_at = 'held'")
        status, body = await healthz(app)
        await other.execute("ROLLBACK")
    assert status == 503
    assert body["checks"]["database"] == "error: DatabaseNotWritable"
    assert (await healthz(app))[0] == 200  # the lock gone, healthy again


# -- a question log that cannot be written (item 18) ---------------------------------------


async def refuse_writes(app: App, table: str, event: str = "INSERT") -> None:
    """Make every write of `table` fail inside SQLite, as a full disk does (SQLITE_FULL's
    message), from another connection: the bot's own code is not touched."""
    async with aiosqlite.connect(app.store.path) as db:
        await db.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE {event} ON {table}"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        await db.commit()


async def test_the_answer_still_arrives_when_the_question_log_cannot_be_written(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    await refuse_writes(app, "questions")
    reply = await app.core.handle(console("what does Kim want?"))
    assert reply.kind is ReplyKind.ANSWER
    assert reply.bullets
    assert not [b for b in reply.buttons if b.action.startswith("vote:")]  # nothing to vote on
    assert "question not logged" in caplog.text


async def test_more_still_answers_when_its_position_cannot_be_saved(app: App) -> None:
    assert (await app.core.handle(console("what does Kim want?"))).kind is ReplyKind.ANSWER
    await refuse_writes(app, "chat_state", "UPDATE")
    reply = await app.core.handle(console("/more"))
    assert reply.kind is ReplyKind.ANSWER
    assert reply.bullets


# -- a source is its file, not its file name (item 17) ------------------------------------


def note(path: Path, words: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Field notes\n\n{words} " * 12)
    return path


def by_id(reports: list[IngestReport]) -> dict[str, str]:
    return {r.source_id: r.status for r in reports}


async def test_two_files_of_the_same_name_are_two_sources(app: App, tmp_path: Path) -> None:
    first = note(tmp_path / "a" / "notes.txt", "The delegation toured a tractor factory.")
    second = note(tmp_path / "b" / "notes.txt", "The envoy inspected a shipyard at dawn.")
    assert by_id(await app.library.ingest([first])) == {"notes": "added"}
    [added] = await app.library.ingest([second])
    assert (added.source_id, added.status) == ("notes-2", "added")  # was "updated"
    assert added.detail == "notes is another source's id"

    note(first, "The delegation toured a rocket factory instead.")
    assert by_id(await app.library.ingest([first])) == {"notes": "updated"}
    same = tmp_path / "b" / ".." / "b" / "notes.txt"  # the same file, spelled differently
    assert by_id(await app.library.ingest([same])) == {"notes-2": "unchanged"}

    ids = {s.meta.id for s in await app.library.sources()}
    assert {"notes", "notes-2"} <= ids
    found = await app.library.search("envoy inspected shipyard")
    assert found.hits[0].source.id == "notes-2"


async def test_same_names_in_one_folder_ingest_are_kept_apart(app: App, tmp_path: Path) -> None:
    for n, place in enumerate(("factory", "shipyard", "farm")):
        note(tmp_path / f"d{n}" / "notes.md", f"They visited a {place} number {n}.")
    reports = await app.library.ingest([tmp_path])
    assert sorted(by_id(reports)) == ["notes", "notes-2", "notes-3"]
    assert set(by_id(reports).values()) == {"added"}
    again = await app.library.ingest([tmp_path])
    assert set(by_id(again).values()) == {"unchanged"}


async def test_a_source_indexed_before_identity_keys_keeps_its_id(app: App, tmp_path: Path) -> None:
    first = note(tmp_path / "a" / "notes.txt", "The delegation toured a tractor factory.")
    await app.library.ingest([first])
    async with app.store.transaction() as db:  # as an index built by an older release
        await db.execute("DELETE FROM source_urls")
    note(first, "The delegation toured a rocket factory instead.")
    assert by_id(await app.library.ingest([first])) == {"notes": "updated"}
    other = note(tmp_path / "c" / "notes.txt", "A third text about fishing boats.")
    assert by_id(await app.library.ingest([other])) == {"notes-2": "added"}


async def test_two_urls_of_the_same_name_are_two_sources(tmp_path: Path) -> None:
    settings = load_settings(None, ingest={"allow_private_networks": True})  # a 127.0.0.1 site
    async with open_app(settings, db_path=tmp_path / "urls.sqlite3") as app:
        await ingest_two_pages_of_one_name(app)


async def ingest_two_pages_of_one_name(app: App) -> None:
    texts = {
        "/a/page.txt": "Field notes\n\n" + "The delegation toured a tractor factory. " * 12,
        "/b/page.txt": "Field notes\n\n" + "The envoy inspected a shipyard at dawn. " * 12,
    }

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=texts[request.path])

    site = web.Application()
    for route in texts:
        site.router.add_get(route, serve)
    runner = web.AppRunner(site)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        first = await app.library.ingest_url(base + "/a/page.txt")
        second = await app.library.ingest_url(base + "/b/page.txt")
        again = await app.library.ingest_url(base + "/a/page.txt")
    finally:
        await runner.cleanup()
    assert by_id(first) == {"page": "added"}
    assert by_id(second) == {"page-2": "added"}  # was "updated", replacing the first page
    assert by_id(again) == {"page": "unchanged"}


def test_an_unusable_db_file_is_refused_within_a_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refusal itself, without the interpreter's start-up: well inside the second."""
    from bot.cli import main

    for kind in ("random-bytes", "other-program", "a-folder"):
        path = bad_file(kind, tmp_path / f"{kind}.sqlite3")
        started = time.monotonic()
        assert main(["--db", str(path), "sources"]) == 2
        assert time.monotonic() - started < 1.0
        assert capsys.readouterr().err.startswith(f"cannot open the database {path}: ")


async def test_a_nearly_full_disk_is_reported(app: App, tmp_path: Path) -> None:
    """A full disk can still take the one-row health write (SQLite reuses its log's space)
    while the next question's log entry fails: the free space itself is checked. No test
    can fill the machine's disk, so the limit is raised past any disk's size instead."""
    check_free_space(app.store.path)  # this machine has room
    with pytest.raises(DiskAlmostFull):
        check_free_space(app.store.path, minimum=2**62)


def test_ask_text_stdin_skips_an_unreadable_line_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli import main

    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe broken\nwhat does Kim want?\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["--db", str(tmp_path / "t.sqlite3"), "ask", "-"]) == 1
    captured = capsys.readouterr()
    assert "skipped: line 1 is not valid UTF-8 text" in captured.err
    assert "broken" not in captured.out
    assert "• “" in captured.out  # the next line is still answered
