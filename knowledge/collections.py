"""Collections: named groups of sources (one story each), and the scope a search runs in.

A source belongs to one or more collections; a chat, a CLI call or the digest searches a
`Scope`: a set of collection slugs, or None for every collection (a single-story install never
names one). Slugs are short, stable, typed by people (`/use SLUG`), so they are checked here
with replies a person can act on. The bundled story's own collection is data: its slug and
title come from `data/story.toml`, never from code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

Scope = frozenset[str] | None  # None: every collection

SLUG_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
MAX_TITLE = 120
RESERVED = frozenset({"all", "into"})  # words the chat commands read themselves


class CollectionError(ValueError):
    """A bad slug or title, an unknown or duplicate collection: the message is for people."""


@dataclass(frozen=True, slots=True)
class Collection:
    slug: str
    title: str
    sources: int = 0  # how many sources it holds


def check_slug(slug: str) -> str:
    """The slug, lower-cased, or a CollectionError that says what a slug may be."""
    text = slug.strip().lower()
    if text in RESERVED:
        raise CollectionError(f"“{text}” is a reserved word; choose another slug.")
    if not SLUG_RE.fullmatch(text):
        raise CollectionError(
            f"“{slug.strip()[:40]}” is not a valid collection slug: use 1-40 lower-case "
            "letters, digits and hyphens, starting and ending with a letter or digit "
            "(e.g. city-council-2024)."
        )
    return text


def check_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise CollectionError("A collection needs a title, e.g. “City council budget, 2024”.")
    if len(text) > MAX_TITLE:
        raise CollectionError(f"A collection title has at most {MAX_TITLE} characters.")
    return text


def scope_of(slugs: list[str] | tuple[str, ...] | None) -> Scope:
    """A scope from what a person typed (CLI `--collection`, repeatable); none typed: all."""
    if not slugs:
        return None
    return frozenset(check_slug(s) for s in slugs)


def story_file() -> Path:
    return Path(str(resources.files("knowledge") / "data" / "story.toml"))


def bundled_collection(path: Path | None = None) -> Collection:
    """The collection the bundled sources form (and that un-named ingests join): the story
    file's `slug` and `name`."""
    data = tomllib.loads((path or story_file()).read_text(encoding="utf-8"))
    return Collection(check_slug(str(data["slug"])), check_title(str(data.get("name", ""))))
