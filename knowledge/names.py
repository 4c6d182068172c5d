"""The names an index knows, so a misspelt or misheard name still finds its passages.

"jake sulivan" or "angela stant" share no word with the passages about Jake Sullivan or Angela
Stent, so BM25 finds nothing and the bot says "not covered". The vocabulary is read from the
indexed corpus itself (capitalised words inside sentences, speakers, authors), never from a
fixed list, so the next story a team ingests brings its own names. A question word the corpus
does not contain at all is read as the closest name when the spelling is one or two edits
away or sounds the same; the answer then says so ("read as: Jake Sullivan").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from wordfreq import zipf_frequency

from knowledge.text import fold, tokens

# A capitalised word, then any capitalised words right after it ("Kim Jong Un").
_NAME_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:[ -][A-Z][\w'’-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(\n])\s*$")
_LOOK_BACK = 3  # characters before a run that say whether a sentence starts there
# Words that start a sentence in front of a name ("And Jean Lee", "While Beijing"): language.
_LEADING = frozenset("and but for while from the so or if when as it's i'm should".split())
MIN_WORD = 4  # shorter words are too often one edit from some other word
MIN_SEEN = 1  # a capitalised word seen once mid-sentence is a name (new sources are small)
MAX_NAME_WORDS = 4
# A word as common in English as this (Zipf scale: "best" 5.8, "sats" 2.8, "stant" 1.6) is
# what it says, not a misspelt name; names the sources use are in the corpus anyway.
MAX_ZIPF = 2.5
MIN_SOUND = 3  # a phonetic key this short matches too many words to mean anything
MAX_CACHED = 10_000  # question words remembered with their reading


def edit_limit(word: str) -> int:
    """Edits allowed for a word of this length: one up to six letters, then two."""
    return 1 if len(word) <= 6 else 2


@dataclass(frozen=True, slots=True)
class Correction:
    asked: str  # the word as typed (folded)
    name: str  # the name it was read as, as the sources write it ("Jake Sullivan")
    word: str  # the corrected word (folded), which replaces `asked` in the question


class NameVocabulary:
    """Every word of the corpus, and which of them are (parts of) names, with their forms."""

    def __init__(self, texts: Iterable[str], people: Iterable[str] = ()) -> None:
        self._words: set[str] = set()
        runs: Counter[str] = Counter()
        for text in texts:
            self._words.update(tokens(text))
            for match in _NAME_RUN.finditer(text):
                run = match.group(0)
                before = text[max(0, match.start() - _LOOK_BACK) : match.start()]
                if _SENTENCE_START.search(before) or match.start() < _LOOK_BACK:
                    first, _, rest = run.partition(" ")
                    if not rest:
                        continue  # "The" or "Now" at a sentence start is not a name
                    if fold(first) in _LEADING:
                        run = rest
                runs[run] += 1
        for person in people:
            self._words.update(tokens(person))
            runs[person] += MIN_SEEN
        # folded phrase -> how the sources write it (most often)
        self._phrases: dict[str, str] = {}
        counts: dict[str, int] = {}
        for run, seen in runs.items():
            parts = run.split()
            if len(parts) > MAX_NAME_WORDS:
                continue
            key = " ".join(tokens(run))
            if key and seen >= MIN_SEEN and seen > counts.get(key, 0):
                self._phrases[key], counts[key] = run, seen
        self._name_words = {w for key in self._phrases for w in key.split() if len(w) >= MIN_WORD}
        self._by_key: dict[str, list[str]] = {}
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self._name_words):
            self._by_length.setdefault(len(word), []).append(word)
        self._closest_cache: dict[str, str | None] = {}
        for word in self._name_words:
            self._by_key.setdefault(sound(word), []).append(word)

    def is_name(self, phrase: str) -> bool:
        """Whether `phrase` (any case) is a name the sources use, or one word of one."""
        key = " ".join(tokens(phrase))
        return key in self._phrases or key in self._name_words

    def knows(self, word: str) -> bool:
        return fold(word) in self._words

    def correct(self, question: str) -> tuple[str, tuple[Correction, ...]]:
        """`question` with each unknown word that is near a name replaced by that name's word,
        and what was replaced; unchanged (and no corrections) when every word is known."""
        folded = fold(question)
        found: list[tuple[int, int, Correction]] = []
        spans = [(m.start(), m.end()) for m in re.finditer(r"[^\W_]+", folded)]
        words = [folded[a:b] for a, b in spans]
        for i, word in enumerate(words):
            if len(word) < MIN_WORD or word in self._words or not word.isalpha():
                continue
            best = self._closest(word)
            if best is None:
                continue
            context = [*words[max(0, i - 1) : i], best, *words[i + 1 : i + 2]]
            found.append((*spans[i], Correction(word, self._display(context, best), best)))
        if not found:
            return question, ()
        out, cursor = [], 0
        for start, end, correction in found:
            out += [question[cursor:start], correction.word]
            cursor = end
        out.append(question[cursor:])
        return "".join(out), tuple(c for _, _, c in found)

    def _closest(self, word: str) -> str | None:
        """The name word `word` is a misspelling of, or None (cached: chats repeat words)."""
        if word not in self._closest_cache:
            if len(self._closest_cache) > MAX_CACHED:
                self._closest_cache.clear()
            common = zipf_frequency(word, "en") >= MAX_ZIPF
            self._closest_cache[word] = None if common else self._nearest(word)
        return self._closest_cache[word]

    def _nearest(self, word: str) -> str | None:
        limit = edit_limit(word)
        best: tuple[int, str] | None = None
        for length in range(len(word) - limit, len(word) + limit + 1):
            for name in self._by_length.get(length, ()):
                distance = bounded_distance(word, name, limit)
                if distance <= limit and (best is None or (distance, name) < best):
                    best = (distance, name)
        if best is not None:
            return best[1]
        key = sound(word)
        same = self._by_key.get(key, []) if len(key) >= MIN_SOUND else []
        return min(same, key=lambda n: (abs(len(n) - len(word)), n)) if same else None

    def _display(self, context: list[str], word: str) -> str:
        """The longest run of a name the sources write that holds `word` and the question's
        words around it ("jake" + "sullivan" -> "Jake Sullivan", also out of "Mayor Jake
        Sullivan"), else the name word as the sources write it."""
        at = context.index(word)
        best: tuple[int, str] = (0, "")
        for key, written in self._phrases.items():
            parts, shown = key.split(), written.split()
            if word not in parts or len(parts) != len(shown):
                continue
            for i in (i for i, part in enumerate(parts) if part == word):
                lo, hi = i, i + 1
                while (
                    lo > 0
                    and at - (i - lo) - 1 >= 0
                    and context[at - (i - lo) - 1] == parts[lo - 1]
                ):
                    lo -= 1
                while (
                    hi < len(parts)
                    and at + (hi - i) < len(context)
                    and context[at + (hi - i)] == parts[hi]
                ):
                    hi += 1
                if hi - lo > best[0]:
                    best = (hi - lo, " ".join(shown[lo:hi]))
        return best[1] or word.title()


def bounded_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count one) distance, or limit + 1 once above it."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


_SOUNDS = (
    ("ph", "f"),
    ("ck", "k"),
    ("gh", "g"),
    ("sch", "sh"),
    ("ce", "se"),
    ("ci", "si"),
    ("c", "k"),
    ("q", "k"),
    ("z", "s"),
    ("x", "ks"),
    ("j", "g"),
    ("y", "i"),
    ("w", "v"),
)


def sound(word: str) -> str:
    """A rough phonetic key: letters that sound alike merged, vowels after the first dropped,
    doubled letters collapsed ("Shoigu"/"Shoygu", "Gene"/"Jean")."""
    key = fold(word)
    for spelled, heard in _SOUNDS:
        key = key.replace(spelled, heard)
    head, tail = key[:1], re.sub(r"[aeiouh]", "", key[1:])
    if head in "aeiou":
        head = "a"
    return re.sub(r"(.)\1+", r"\1", head + tail)
