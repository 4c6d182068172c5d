"""Tokens and stems the way the FTS5 index sees them (unicode61 + porter), for Python-side work.

The index tokenizes with `porter unicode61 remove_diacritics 2`; doing the same here lets the
answer composer tell which query terms a sentence contains without another database trip.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from wordfreq import zipf_frequency

_WORD = re.compile(r"[^\W_]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_STEMMER = snowballstemmer.stemmer("porter")


def sanitize(text: str) -> str:
    """Drop what no query or message should carry: NUL and other control bytes, lone surrogates."""
    text = _SURROGATES.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def fold(text: str) -> str:
    """Lowercase and strip diacritics, like unicode61's remove_diacritics."""
    if text.isascii():  # nothing to decompose (and most text is ASCII): ~10x faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def token_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each token of already-folded text, so a caller can rewrite words."""
    return [m.span() for m in _WORD.finditer(folded)]


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    stemmed: str = _STEMMER.stemWord(token)  # snowballstemmer has no type hints
    return stemmed


def stems(text: str) -> list[str]:
    return [stem(t) for t in tokens(text)]


def contains_phrase(haystack: list[str], phrase: tuple[str, ...]) -> bool:
    """True when the stemmed `phrase` occurs contiguously in the stemmed `haystack`."""
    n = len(phrase)
    if n == 1:
        return phrase[0] in haystack
    first = phrase[0]
    return any(
        haystack[i : i + n] == list(phrase)
        for i, token in enumerate(haystack[: len(haystack) - n + 1])
        if token == first
    )


@lru_cache(maxsize=65536)
def specificity(words: str) -> float:
    """How much a word says about a topic, from its general English frequency (0.15-1.0).

    In a small index every word is rare, so corpus idf alone overrates "going" or "long";
    scaling by everyday frequency (Zipf scale: "the" ~7.7, "war" ~5.5, "Baikonur" ~2.2) lets
    a missing common word matter little and a missing specific name matter a lot.
    """
    zipf = zipf_frequency(words, "en") if words else 0.0
    return min(1.0, max(0.15, (7.0 - zipf) / 3.5))


def text_hash(text: str) -> str:
    """A passage's identity by content: vectors are cached by it, and a re-ingest compares the
    old and new passages by it (knowledge/passage_changes.py)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
