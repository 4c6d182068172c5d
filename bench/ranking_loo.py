"""Leave-one-out choice of the hybrid ranking weights on an eval set (default: shared dev set).

    python bench/ranking_loo.py [--db PATH] [--method NAME ...] [EVAL.jsonl]

Each method is a way of ranking (see METHODS) with a small grid of weights. Every
configuration of the grid ranks every question once, on one open index: the question is
encoded once (the query-vector cache) and only the ranking is redone. Then, for each held-out
answerable question, the configuration with the best mean MRR on the other questions is chosen
(ties: Recall@5, then the grid's fixed order, which starts at the previous defaults) and the
held-out question is scored with it. Printed per method: the in-sample best configuration with
its MRR / R@1 / R@5, bullet coverage and abstention, the held-out MRR / R@5, and how many folds
chose the in-sample configuration. The held-out figures are the honest ones: they are what the
method would score on a question it was not tuned on.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import open_app
from bot.config import load_settings
from knowledge.answer import Answer, compose
from knowledge.evaluation import EvalItem, EvalReport, evaluate, load_items
from knowledge.ranking import DEFAULT_WEIGHTS, RankingWeights

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
# The grid every method is searched over (the same for each, so held-out figures compare).
GRID: dict[str, tuple[float, ...]] = {
    "bm25": (0.5, 0.25, 1.0),
    "sentence": (1.0, 0.5),
    "sentence_vector": (1.0, 0.5, 2.0),
    "rrf": (5.0, 2.5, 10.0),
    "cosine": (0.5, 0.25, 1.0),
}
# name -> the fields a method fixes; the grid varies the rest. "passage" is the previous
# ranking (its first configuration is the previous defaults: the bullet-coverage floor);
# "sentence-max" is the one adopted (the current defaults are one of its configurations).
PREVIOUS = "passage"
METHODS: dict[str, dict[str, object]] = {
    PREVIOUS: {"passage_vector": "passage"},
    "sentence-max": {"passage_vector": "max"},
    "canonical": {"passage_vector": "passage", "canonical": "replace"},
    "canonical+asked": {"passage_vector": "passage", "canonical": "append"},
    "no-mmr": {"passage_vector": "passage", "mmr": 1.0},
    "rrf3": {"passage_vector": "passage", "fusion": "rrf3"},
    "rrf3+max": {"passage_vector": "max", "fusion": "rrf3"},
}


@dataclass(frozen=True, slots=True)
class Scores:
    """One configuration's per-question figures (answerable questions only) and its report."""

    weights: RankingWeights
    rr: tuple[float, ...]  # reciprocal rank of the first hit in the top 5 (0 if none)
    at1: tuple[int, ...]  # evidence strings hit at rank 1, per question
    at5: tuple[int, ...]
    evidence: tuple[int, ...]  # evidence strings per question
    bullets: tuple[int, ...]  # evidence strings that reach the bullets, per question
    report: EvalReport

    def mrr(self, keep: list[int]) -> float:
        return sum(self.rr[i] for i in keep) / (len(keep) or 1)

    def recall(self, keep: list[int], k: int) -> float:
        hit = {1: self.at1, 5: self.at5, 0: self.bullets}[k]
        return sum(hit[i] for i in keep) / (sum(self.evidence[i] for i in keep) or 1)


def grid(method: dict[str, object]) -> list[RankingWeights]:
    """The method's configurations in a fixed order: the previous default weights first."""
    names = list(GRID)
    configs = []
    for values in itertools.product(*(GRID[n] for n in names)):
        weights = replace(DEFAULT_WEIGHTS, **dict(zip(names, values, strict=True)), **method)
        if weights not in configs:
            configs.append(weights)
    return configs


def scores_of(weights: RankingWeights, report: EvalReport) -> Scores:
    answerable = [r for r in report.results if r.item.answerable]
    rr, at1, at5, evidence, bullets = [], [], [], [], []
    for res in answerable:
        found = [r for r in res.first_hit_ranks if r is not None]
        rr.append(1 / min(found) if found else 0.0)
        at1.append(sum(1 for r in found if r <= 1))
        at5.append(sum(1 for r in found if r <= 5))
        evidence.append(len(res.first_hit_ranks))
        bullets.append(sum(res.bullet_hits))
    return Scores(
        weights, tuple(rr), tuple(at1), tuple(at5), tuple(evidence), tuple(bullets), report
    )


async def collect(
    items: list[EvalItem], db: Path, methods: dict[str, list[RankingWeights]]
) -> dict[str, list[Scores]]:
    settings = load_settings(None, semantic={"enabled": "auto"})
    async with open_app(settings, db_path=db) as app:
        searcher = app.library.searcher
        if not searcher.semantic:
            raise SystemExit("the semantic extra is not installed: nothing to rank by meaning")
        found: dict[str, list[Scores]] = {}
        for name, configs in methods.items():
            found[name] = []
            for weights in configs:

                async def answer(question: str, weights: RankingWeights = weights) -> Answer:
                    return compose(await searcher.search(question, hybrid=True, ranking=weights))

                report = await evaluate(items, answer)
                found[name].append(scores_of(weights, report))
        return found


def best(configs: list[Scores], keep: list[int], floor: Scores | None) -> int:
    """Index of the best configuration on `keep`: MRR, then R@5, then grid order; with a
    `floor`, only among those whose bullet coverage on `keep` is at least the floor's."""
    allowed = [
        i
        for i, c in enumerate(configs)
        if floor is None or c.recall(keep, 0) >= floor.recall(keep, 0) - 1e-9
    ]
    return max(
        allowed or range(len(configs)),
        key=lambda i: (round(configs[i].mrr(keep), 9), round(configs[i].recall(keep, 5), 9), -i),
    )


def leave_one_out(
    configs: list[Scores], floor: Scores | None
) -> tuple[int, float, float, Counter[int]]:
    """(in-sample choice, held-out MRR, held-out R@5, fold choices)."""
    questions = list(range(len(configs[0].rr)))
    chosen = best(configs, questions, floor)
    rr, hit5, total, folds = 0.0, 0, 0, Counter[int]()
    for q in questions:
        pick = best(configs, [i for i in questions if i != q], floor)
        folds[pick] += 1
        rr += configs[pick].rr[q]
        hit5 += configs[pick].at5[q]
        total += configs[pick].evidence[q]
    return chosen, rr / len(questions), hit5 / (total or 1), folds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eval", nargs="?", type=Path, default=EVAL)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--method", action="append", choices=list(METHODS), default=None)
    parser.add_argument(
        "--any-bullets",
        action="store_true",
        help="choose on MRR alone (default: never below the previous defaults' bullet"
        " coverage on the training questions)",
    )
    args = parser.parse_args()
    items = load_items(args.eval)
    methods = {PREVIOUS: grid(METHODS[PREVIOUS])}  # the floor's reference, always run
    methods.update({name: grid(METHODS[name]) for name in args.method or METHODS})
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        found = asyncio.run(collect(items, args.db or Path(tmp) / "loo.sqlite3", methods))
    elapsed = time.perf_counter() - started
    answerable = sum(item.answerable for item in items)
    table = Table(
        "method", "configs", "in-sample choice", "MRR", "R@1", "R@5", "bullets", "abst P/R",
        "grid-first MRR", "held-out MRR", "held-out R@5", "folds agreeing",
    )  # fmt: skip
    table.title = (
        f"Hybrid ranking, leave-one-out over {answerable} answerable questions"
        f" ({len(items)} in the set; {elapsed:.0f} s)"
        + ("" if args.any_bullets else "; bullets kept at the previous defaults' or above")
    )
    choices = {}
    floor = None if args.any_bullets else found[PREVIOUS][0]
    for name, configs in found.items():
        chosen, mrr, r5, folds = leave_one_out(configs, floor)
        choices[name] = (configs, folds)
        top, everyone = configs[chosen], list(range(len(configs[chosen].rr)))
        precision, recall = top.report.abstention
        table.add_row(
            name,
            str(len(configs)),
            top.weights.label(),
            f"{top.mrr(everyone):.3f}",
            f"{top.recall(everyone, 1):.3f}",
            f"{top.recall(everyone, 5):.3f}",
            f"{top.report.bullet_coverage:.3f}",
            f"{precision:.2f}/{recall:.2f}",
            f"{configs[0].mrr(everyone):.3f}",
            f"{mrr:.3f}",
            f"{r5:.3f}",
            f"{folds[chosen]}/{answerable}",
        )
    console = Console(width=max(Console().width, 170))
    console.print(table)
    for name, (configs, folds) in choices.items():
        picks = ", ".join(f"{configs[i].weights.label()} x{n}" for i, n in folds.most_common())
        console.print(f"{name} fold choices: {picks}")


if __name__ == "__main__":
    main()
