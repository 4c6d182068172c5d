"""The curated sources in knowledge/sources/ are faithful copies of the seeds they were cut from.

Curation may only drop boilerplate, re-flow whitespace and add speaker labels. The verbatim test
proves it: the body's tokens, labels removed, must equal the seed's tokens once the spans listed
in `CURATED` (exact start/end markers, cut in order, both ends inclusive) are deleted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

SOURCES = Path(__file__).resolve().parents[1] / "knowledge" / "sources"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

TOKEN = re.compile(r"\w+|[^\w\s]")
DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)
LABEL = re.compile(r"([A-Z][A-Z.' -]*[A-Z]): ")
MAX_TRANSCRIPT_PARAGRAPH_WORDS = 120

# source id -> (seed file, removed spans as (start marker, end marker)), in seed order.
CURATED: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "npr-consider-this-2023-09-11": (
        "000_a205b58bbcd4976e.txt",
        [
            # page header: show title, episode date + description, "Transcript", "Discussion (0)"
            ("Consider This from NPR - What Putin", "Discussion (0)"),
            ("This message comes from Indiana University. Indiana", "More at iu.edu."),
            ("This message comes from WISE", "T's and C's apply."),
            ("This message comes from Indiana University.\nIndiana", "More at iu.edu forward."),
            ("This message comes from Pushkin.", "wherever you get your audiobooks."),
            ("Support for NPR and the following message", "or geography. Thank you."),
        ],
    ),
    "carnegie-panda-2023-09": (
        "003_973d8bd04d2513b1.txt",
        [
            ("What Putin and Kim Want From Each Other", "What Putin and Kim Want From Each Other"),
            ("Russian President Vladimir Putin shakes hands", "Pool/AFP via Getty Images"),
            ("Russian President Vladimir Putin shakes hands", "Pool/AFP via Getty Images"),
            ("Deja una respuesta", "Los campos obligatorios están marcados con *"),
        ],
    ),
}

FORBIDDEN_IN_BODY = (
    "This message comes from",
    "Support for NPR",
    "Kauffman",
    "iu.edu",
    "WISE",
    "Pushkin",
    "Transcript",
    "Discussion (0)",
    "Episode Date",
    "Getty Images",
    "Deja una respuesta",
    "correo electrónico",
)

SOURCE_IDS = sorted(CURATED)


def load(source_id: str) -> tuple[dict[str, Any], str]:
    text = (SOURCES / f"{source_id}.md").read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    assert match, f"{source_id}: no front matter between '---' lines"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta, match.group(2)


def paragraphs(body: str) -> list[str]:
    return [p for p in body.strip().split("\n\n") if p.strip()]


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def strip_label(paragraph: str) -> str:
    match = LABEL.match(paragraph)
    return paragraph[match.end() :] if match else paragraph


def seed_text(source_id: str) -> str:
    seed = SEEDS / CURATED[source_id][0]
    if not seed.exists():
        pytest.skip(f"seed not available: {seed}")
    return seed.read_text(encoding="utf-8")


def cut(text: str, spans: list[tuple[str, str]]) -> str:
    """Delete each span in turn; a span runs from its start marker through its end marker."""
    pos = 0
    for start, end in spans:
        i = text.find(start, pos)
        assert i >= 0, f"start marker not found: {start!r}"
        j = text.find(end, i)
        assert j >= 0, f"end marker not found after {start!r}: {end!r}"
        text = text[:i] + "\n" + text[j + len(end) :]
        pos = i
    return text


def squeeze(text: str) -> str:
    """Text without whitespace: the scraped header runs words together ("2023When")."""
    return "".join(text.split())


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_front_matter(source_id: str) -> None:
    meta, _ = load(source_id)
    assert meta["id"] == source_id
    for key in ("title", "outlet", "origin"):
        assert isinstance(meta[key], str), key
        assert meta[key].strip(), key
    assert isinstance(meta["authors"], list)
    assert meta["authors"]
    assert all(isinstance(a, str) and a.strip() for a in meta["authors"])
    assert isinstance(meta["speakers"], list)
    for speaker in meta["speakers"]:
        assert set(speaker) == {"name", "role"}, speaker
        assert all(isinstance(v, str) and v.strip() for v in speaker.values()), speaker
    assert isinstance(meta["date"], str), "quote the date so YAML keeps it a string"
    assert DATE.fullmatch(meta["date"]), meta["date"]
    assert meta["kind"] in {"transcript", "article"}
    assert "url" in meta
    assert meta["url"] is None or isinstance(meta["url"], str)
    if meta["kind"] == "transcript":
        assert meta["speakers"], "a transcript declares its speakers"
        assert isinstance(meta["description"], str)
        assert meta["description"].strip()
        aliases = meta["search_aliases"]
        assert isinstance(aliases, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items())
    else:
        assert meta["speakers"] == []
        assert isinstance(meta["caption"], str)
        assert meta["caption"].strip()


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_labels_are_declared_speakers(source_id: str) -> None:
    meta, body = load(source_id)
    declared = {s["name"].upper() for s in meta["speakers"]}
    paras = paragraphs(body)
    labels = [m.group(1) for p in paras if (m := LABEL.match(p))]
    assert set(labels) <= declared, set(labels) - declared
    if meta["kind"] == "transcript":
        assert LABEL.match(paras[0]), "the first paragraph of a transcript opens a turn"
        assert set(labels) == declared, "every declared speaker has a turn"


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_body_layout(source_id: str) -> None:
    meta, body = load(source_id)
    paras = paragraphs(body)
    assert "\n\n\n" not in body.strip()
    assert all("\n" not in p and p == p.strip() for p in paras), "one line per paragraph"
    if meta["kind"] == "transcript":
        long = [p[:60] for p in paras if len(p.split()) > MAX_TRANSCRIPT_PARAGRAPH_WORDS]
        assert not long, long
    for alias in meta.get("search_aliases", {}):
        assert alias in body, f"search alias {alias!r} does not occur in the body"
    for heard in meta.get("corrections", {}):
        assert heard in body, f"correction {heard!r} does not occur in the body"


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_body_has_no_boilerplate(source_id: str) -> None:
    _, body = load(source_id)
    found = [s for s in FORBIDDEN_IN_BODY if s in body]
    assert not found, found


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_body_is_verbatim(source_id: str) -> None:
    seed = seed_text(source_id)
    _, body = load(source_id)
    kept = cut(seed, CURATED[source_id][1])
    unlabelled = "\n\n".join(strip_label(p) for p in paragraphs(body))
    assert tokens(unlabelled) == tokens(kept)


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_metadata_quotes_are_verbatim(source_id: str) -> None:
    seed = squeeze(seed_text(source_id))
    meta, _ = load(source_id)
    for key in ("description", "caption"):
        if key in meta:
            assert squeeze(meta[key]) in seed, key
