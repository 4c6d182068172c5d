"""BERT's uncased WordPiece tokeniser in pure Python, for the bundled MiniLM.

It reproduces what the `tokenizers` package does with the model's `tokenizer.json` (clean the
text, space out CJK characters, strip accents, lowercase, split on whitespace and punctuation,
then greedy longest-match WordPiece) without its 12 MB native wheel: the base install stays
small and a test checks the ids match `tokenizers` on the bundled sources. Word pieces are
cached per word, so a corpus's repeated words cost one dictionary look-up.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

MAX_WORD_CHARS = 100  # longer "words" become [UNK], as in BERT
CACHE_LIMIT = 50_000  # distinct words kept; the cache is cleared past it (bounded memory)


class WordPiece:
    """Text -> token ids ([CLS] … [SEP]) for an uncased BERT vocabulary."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self._vocab = vocab
        self._unk = vocab["[UNK]"]
        self.cls_id = vocab["[CLS]"]
        self.sep_id = vocab["[SEP]"]
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        """Load a `vocab.txt` (one token a line, the line number is its id)."""
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls({token: index for index, token in enumerate(lines)})

    def encode(self, text: str, max_length: int) -> list[int]:
        """Ids of `text` wrapped in [CLS]/[SEP], truncated to `max_length` ids in all."""
        ids = [self.cls_id]
        budget = max_length - 1
        for word in _words(text):
            ids.extend(self._pieces(word))
            if len(ids) >= budget:
                break
        del ids[budget:]
        ids.append(self.sep_id)
        return ids

    def _pieces(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        pieces = self._cache[word] = self._split(word)
        return pieces

    def _split(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self._unk]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self._vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self._unk]
            pieces.append(found)
            start = end
        return pieces


def _words(text: str) -> list[str]:
    """Normalised words and punctuation marks, in order (BERT's basic tokeniser)."""
    out: list[str] = []
    for chunk in _normalise(text).split():
        word: list[str] = []
        for char in chunk:
            if _is_punctuation(char):
                if word:
                    out.append("".join(word))
                    word = []
                out.append(char)
            else:
                word.append(char)
        if word:
            out.append("".join(word))
    return out


def _normalise(text: str) -> str:
    """Drop control characters, space out CJK, strip accents, lowercase."""
    chars: list[str] = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            chars.append(" ")
        elif _is_cjk(code):
            chars.extend((" ", char, " "))
        else:
            chars.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(chars))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return stripped.lower()


def _is_whitespace(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf", "Cn", "Co", "Cs")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )
