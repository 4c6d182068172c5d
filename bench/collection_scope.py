"""Benchmark: `ask` in one collection of a large index vs the same passages indexed alone.

    python bench/collection_scope.py [--collections 20] [--passages 5000] [--questions 80]
                                [--engine fts5|tantivy|both] [--workdir DIR]

Synthetic stories (bench/corpus.py needs Debian's HTML documentation, which a fresh machine
lacks): every collection draws its passages from a shared everyday vocabulary and a vocabulary
of its own (its story's names and things), so the question's words also occur in other
collections, as they do between real stories. Collection 0 is also indexed alone: the baseline
a one-collection install would have.

Prints a table of ask p50/p90 in ms (BM25; the question set is the same for every row, each
row a fresh library warmed on other questions, the rows alternated `--repeats` times) and the
ratio to the baseline, then how often the scoped answer's quotes are the baseline's, with the
idea weights counted in the scope (what the searcher does) and counted over every collection
(the alternative). Numbers, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from itertools import accumulate
from pathlib import Path

from rich.console import Console
from rich.table import Table

from knowledge.collections import Collection, Scope
from knowledge.library import Library
from knowledge.models import Passage
from knowledge.query import QueryParser
from knowledge.storage import SearchEngine
from knowledge.store import ScopeIds, Store

SHARED_WORDS = 3000
OWN_WORDS = 400
OWN_SHARE = 0.3  # of a passage's words, from its collection's own vocabulary
PASSAGES_PER_SOURCE = 50
WARM_UP = 10  # questions asked before timing (index caches, first query), not timed
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]


def pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


class Corpus:
    """Deterministic synthetic passages, questions built from collection 0's passages."""

    def __init__(self, collections: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        taken: set[str] = set()
        self.shared = pseudo_words(self.rng, SHARED_WORDS, taken)
        self.own = [pseudo_words(self.rng, OWN_WORDS, taken) for _ in range(collections)]
        self.zipf = list(accumulate(1 / (rank + 1) for rank in range(SHARED_WORDS)))
        self.own_zipf = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(OWN_WORDS)))

    def passage(self, collection: int) -> str:
        sentences = []
        for _ in range(self.rng.randint(4, 6)):
            count = self.rng.randint(9, 15)
            own = self.rng.choices(self.own[collection], cum_weights=self.own_zipf, k=count)
            shared = self.rng.choices(self.shared, cum_weights=self.zipf, k=count)
            pairs = zip(own, shared, strict=True)
            words = [o if self.rng.random() < OWN_SHARE else s for o, s in pairs]
            sentences.append(" ".join(words).capitalize() + ".")
        return " ".join(sentences)

    def write(self, folder: Path, collection: int, passages: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for start in range(0, passages, PASSAGES_PER_SOURCE):
            name = f"c{collection}-s{start // PASSAGES_PER_SOURCE}"
            body = "\n\n".join(
                self.passage(collection) for _ in range(min(PASSAGES_PER_SOURCE, passages - start))
            )
            (folder / f"{name}.md").write_text(
                f"---\nid: {name}\ntitle: Source {name}\noutlet: Bench\ndate: '2024-01-01'\n"
                f"kind: article\n---\n{body}\n",
                encoding="utf-8",
            )

    def questions(self, texts: list[str], count: int) -> list[str]:
        """ "What about A B and C?": two words of a passage of collection 0 (one its own, one
        shared) and one shared word, so the question is answerable and shares words with
        other collections."""
        own = set(self.own[0])
        asked = []
        for text in self.rng.sample(texts, count):
            words = [w.strip(".").lower() for w in text.split()]
            mine = [w for w in words if w in own] or words
            common = [w for w in words if w not in own] or words
            asked.append(
                f"What about {self.rng.choice(mine)} {self.rng.choice(common)} and "
                f"{self.rng.choice(self.shared[20:400])}?"
            )
        return asked


class EveryCollectionCounts:
    """An engine whose idea counts ignore the scope (idf over every collection): the
    alternative the searcher's per-scope counts are compared with."""

    def __init__(self, engine: SearchEngine) -> None:
        self._engine = engine

    async def fts_search(
        self, match: str, limit: int, scope: ScopeIds = None
    ) -> list[tuple[Passage, str, float]]:
        return await self._engine.fts_search(match, limit, scope)

    async def term_document_counts(
        self, terms: Iterable[str], scope: ScopeIds = None
    ) -> tuple[int, dict[str, int]]:
        return await self._engine.term_document_counts(terms, None)


def engine_for(name: str, store: Store) -> SearchEngine | None:
    if name == "tantivy":
        from knowledge.tantivy_engine import TantivyEngine

        return TantivyEngine(store)
    return None


async def build(db: Path, corpus_dir: Path, collections: int, passages: int) -> None:
    """The large index: `collections` collections of `passages` passages each (kept on disk
    between runs), and beside it collection 0 alone."""
    async with await Store.open(db) as store:
        library = Library(store, QueryParser.from_files())
        have = {c.slug: c.sources for c in await library.list_collections()}
        for index in range(collections):
            slug = f"story-{index:02d}"
            if have.get(slug):
                continue
            await library.collections.ensure(Collection(slug, f"Story {index}"))
            await library.ingest([corpus_dir / slug], collection=slug)
        await library.aclose()


async def timed(ask: Callable[[str], Awaitable[object]], questions: list[str]) -> list[float]:
    timings = []
    for question in questions:
        started = time.perf_counter()
        await ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def quotes(
    library: Library, questions: list[str], scope: Scope
) -> list[tuple[tuple[tuple[str, int], ...], bool]]:
    found = []
    for question in questions:
        answer, _ = await library.answer(question, scope=scope)
        cited = tuple((q.hit.source.id, q.hit.passage.position) for q in answer.quotes)
        found.append((cited, answer.abstained))
    return found


async def run(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench-collections-"))
    corpus = Corpus(args.collections)
    corpus_dir = workdir / "corpus"
    for index in range(args.collections):
        if not (corpus_dir / f"story-{index:02d}").exists():
            corpus.write(corpus_dir / f"story-{index:02d}", index, args.passages)
    started = time.perf_counter()
    big, alone = workdir / "big.sqlite3", workdir / "alone.sqlite3"
    await build(big, corpus_dir, args.collections, args.passages)
    await build(alone, corpus_dir, 1, args.passages)
    built = time.perf_counter() - started
    texts = [
        block
        for path in sorted((corpus_dir / "story-00").glob("*.md"))
        for block in path.read_text(encoding="utf-8").split("---\n", 2)[2].split("\n\n")
    ]
    questions = corpus.questions(texts, args.questions + WARM_UP)
    warm, questions = questions[:WARM_UP], questions[WARM_UP:]
    one = frozenset({"story-00"})
    engines = ["fts5", "tantivy"] if args.engine == "both" else [args.engine]
    table = Table(
        "engine", "index", "searched", "passages", "ask p50 ms", "p90 ms", "vs alone (p50)",
        title=f"ask in one collection: {args.collections} x {args.passages:,} passages",
    )  # fmt: skip
    same: dict[str, tuple[int, int, int]] = {}
    for engine in engines:
        timings: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeats):  # alternate, so a busy moment hits every row alike
            for index_name, db, scope in (
                ("alone", alone, None),
                ("all", big, one),
                ("all", big, None),
            ):
                async with await Store.open(db) as store:
                    library = Library(
                        store, QueryParser.from_files(), engine=engine_for(engine, store)
                    )
                    for question in warm:  # a fresh library, warmed on other questions
                        await library.answer(question, scope=scope)
                    key = (index_name, "every collection" if scope is None else "story-00 only")
                    timings.setdefault(key, []).extend(
                        await timed(
                            lambda q, lib=library, s=scope: lib.answer(q, scope=s), questions
                        )
                    )
                    await library.aclose()
        base_p50 = statistics.median(timings["alone", "every collection"])
        for (index_name, searched), values in timings.items():
            p50 = statistics.median(values)
            p90 = statistics.quantiles(values, n=10)[-1]
            passages = args.passages if index_name == "alone" else args.collections * args.passages
            table.add_row(
                engine, index_name, searched, f"{passages:,}", f"{p50:.2f}", f"{p90:.2f}",
                f"{p50 / base_p50:.2f}",
            )  # fmt: skip
        async with await Store.open(alone) as store:
            library = Library(store, QueryParser.from_files(), engine=engine_for(engine, store))
            baseline = await quotes(library, questions, None)
            await library.aclose()
        async with await Store.open(big) as store:
            library = Library(store, QueryParser.from_files(), engine=engine_for(engine, store))
            per_scope = await quotes(library, questions, one)
            await library.aclose()
            wide = Library(
                store,
                QueryParser.from_files(),
                engine=EveryCollectionCounts(engine_for(engine, store) or store),
            )
            global_idf = await quotes(wide, questions, one)
            await wide.aclose()
        same[engine] = (
            sum(a == b for a, b in zip(per_scope, baseline, strict=True)),
            sum(a == b for a, b in zip(global_idf, baseline, strict=True)),
            len(questions),
        )
    console = Console()
    console.print(table)
    quality = Table(
        "engine", "idea weights counted", "answers identical to the index alone",
        title="same quotes (and same refusals) as collection 0 indexed alone",
    )  # fmt: skip
    for engine, (scoped_same, global_same, n) in same.items():
        quality.add_row(engine, "in the scope searched", f"{scoped_same}/{n}")
        quality.add_row(engine, "over every collection", f"{global_same}/{n}")
    console.print(quality)
    console.print(f"index built in {built:.0f} s (cached in {workdir})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", type=int, default=20)
    parser.add_argument("--passages", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=80)
    parser.add_argument("--engine", choices=["fts5", "tantivy", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=3, help="rounds over every row")
    parser.add_argument("--workdir", help="keep the corpus and indexes here between runs")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
