"""The default install (no semantic extra) answers on BM25 alone: numpy must never be needed."""

from __future__ import annotations

import json
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
