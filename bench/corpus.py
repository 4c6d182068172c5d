"""Build the scale benchmark's corpus: Debian's HTML documentation, stripped to text.

Each HTML page goes through briefbot's own HTML reader (trafilatura) and is written as a `.md`
source with front matter; short extracted lines (list items, code, captions) are joined into
paragraphs of at least MIN_WORDS words so passages look like prose passages. The text corpus is
cached (default ~/.cache/briefbot/bench-corpus) so only the first run pays for extraction.

Install the documentation first (any subset works; more packages, more passages):

    apt-get install -y python3.11-doc postgresql-doc-15 git-doc debian-handbook sqlite3-doc \\
        debian-reference-en developers-reference ruby3.1-doc
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from knowledge.documents import DocumentError, slugify
from knowledge.readers.html import extract_html

DOC_ROOTS = {
    "Python 3.11 documentation": Path("/usr/share/doc/python3.11/html"),
    "PostgreSQL 15 documentation": Path("/usr/share/doc/postgresql-doc-15/html"),
    "Git documentation": Path("/usr/share/doc/git-doc"),
    "The Debian Administrator's Handbook": Path("/usr/share/doc/debian-handbook/html/en-US"),
    "SQLite documentation": Path("/usr/share/doc/sqlite3"),
    "Debian Reference": Path("/usr/share/debian-reference"),
    "Debian Developer's Reference": Path("/usr/share/developers-reference"),
    "Django documentation": Path("/usr/share/doc/python-django-doc/html"),
    "GIMP user manual": Path("/usr/share/gimp/2.0/help/en"),
    "Apache HTTP Server documentation": Path("/usr/share/doc/apache2-doc/manual/en"),
    "CMake documentation": Path("/usr/share/doc/cmake-data/html"),
    "Sphinx documentation": Path("/usr/share/doc/sphinx-doc/html"),
}
SKIP_PARTS = frozenset({"_modules", "_sources", "genindex", "search"})
MIN_WORDS = 40
MAX_FILE_BYTES = 3_000_000  # a few generated API indexes are huge tables, not prose


def html_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.html")):
        if SKIP_PARTS.isdisjoint(path.parts) and path.stat().st_size <= MAX_FILE_BYTES:
            yield path


def reflow(body: str) -> str:
    """Join short paragraphs until each holds at least MIN_WORDS words."""
    out: list[str] = []
    pending: list[str] = []
    count = 0
    for paragraph in body.split("\n\n"):
        pending.append(paragraph)
        count += len(paragraph.split())
        if count >= MIN_WORDS:
            out.append(" ".join(pending))
            pending, count = [], 0
    if pending:
        out.append(" ".join(pending))
    return "\n\n".join(out)


def convert(job: tuple[str, str, str]) -> tuple[str, int]:
    """HTML file -> .md source in `out_dir`; returns (file name or "", words)."""
    outlet, html_path, out_dir = job
    path = Path(html_path)
    try:
        body, front = extract_html(path.read_bytes(), name=path.stem, fast=True)
    except (DocumentError, OSError):
        return "", 0
    body = reflow(body)
    name = slugify(f"{outlet}-{path.relative_to(path.anchor)}")[-120:]
    meta = {
        "id": name,
        "title": front.title or path.stem,
        "outlet": outlet,
        "kind": "article",
        "origin": f"file {path}",
    }
    text = "---\n" + json.dumps(meta, ensure_ascii=False) + "\n---\n" + body + "\n"
    (Path(out_dir) / f"{name}.md").write_text(text, encoding="utf-8")
    return f"{name}.md", len(body.split())


def build_corpus(out_dir: Path, *, workers: int = 2) -> tuple[int, int]:
    """Convert every installed HTML page once; returns (files, words) over all packages.

    Each package is converted once and marked done, so installing another later only
    converts that one.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = words = 0
    for outlet, root in DOC_ROOTS.items():
        marker = out_dir / f"DONE-{slugify(outlet)}.json"
        if not marker.exists() and root.is_dir():
            jobs = [(outlet, str(path), str(out_dir)) for path in html_files(root)]
            done = {"files": 0, "words": 0}
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for name, count in pool.map(convert, jobs, chunksize=8):
                    done["files"] += bool(name)
                    done["words"] += count
            marker.write_text(json.dumps(done))
        if marker.exists():
            done = json.loads(marker.read_text())
            files += int(done["files"])
            words += int(done["words"])
    return files, words
