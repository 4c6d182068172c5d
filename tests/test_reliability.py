"""Bad files and failing disks as an unlucky operator meets them: the CLI reading unreadable
stdin lines, unopenable database files, a question log that cannot be written, health checks
that notice a corrupt index or a locked database, and two files of the same name."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

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
