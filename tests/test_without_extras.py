"""Without the semantic extra (no torch) the bot still matches by meaning with the bundled
numpy model; and with numpy missing too it still answers, on BM25 alone. Without a platform's
extra, `briefbot run` says in one line which extra to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_ask_works_when_numpy_and_sentence_transformers_are_missing(tmp_path):
    # a None entry in sys.modules makes `import numpy` raise ImportError, as on a base install
    script = (
        "import sys\n"
        "for name in ('numpy', 'sentence_transformers', 'torch'):\n"
        "    sys.modules[name] = None\n"
        "from bot.cli import main\n"
        f"sys.exit(main(['ask', '--db', {str(tmp_path / 'db.sqlite3')!r}, '--json', "
        "'what does Kim want?']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reply = json.loads(done.stdout)
    assert not reply["abstained"]
    assert reply["bullets"]


def test_the_base_install_searches_by_meaning_without_torch(tmp_path):
    db = tmp_path / "db.sqlite3"
    script = (
        "import sys, sqlite3\n"
        "for name in ('sentence_transformers', 'torch', 'transformers', 'tokenizers'):\n"
        "    sys.modules[name] = None\n"
        "from bot.cli import main\n"
        f"code = main(['ask', '--db', {str(db)!r}, '--json', "
        "'was putin friendly with kim when they met?'])\n"
        f"rows = sqlite3.connect({str(db)!r}).execute("
        "'SELECT DISTINCT model FROM embeddings').fetchall()\n"
        "print(sorted(r[0] for r in rows), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "BRIEFBOT_SEMANTIC__ENABLED": "auto"}  # conftest turns it off
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reply = json.loads(done.stdout)
    # BM25 alone abstains on this paraphrase (tests/test_semantic.py); the vectors answer it
    assert not reply["abstained"]
    assert any("familiarity" in b["text"] for b in reply["bullets"]), reply["bullets"]
    assert "all-MiniLM-L6-v2-int8" in done.stderr


def test_run_without_the_platform_extra_names_the_extra_in_one_line(tmp_path):
    # as on `pip install .`: the platform libraries are missing, the table still loads
    script = (
        "import sys\n"
        "for name in ('telegram', 'discord'):\n"
        "    sys.modules[name] = None\n"
        "from bot.cli import main\n"
        f"sys.exit(main(['run', 'telegram', '--db', {str(tmp_path / 'db.sqlite3')!r}]))\n"
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:not-used"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 2, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if "extra" in line]
    assert lines == ["The telegram extra is not installed: pip install 'briefbot[telegram]'"]
    assert "Traceback" not in done.stderr
