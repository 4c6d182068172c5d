"""Leave-one-out check of the hybrid abstention rule on an eval set (default: shared dev set).

    python bench/abstention_loo.py [--db PATH] [EVAL.jsonl]

For every question, the answering passages' coverage and closeness in meaning are read once;
then, for each held-out question, the meaning weight and the threshold are chosen on the others
(best accuracy, then the widest margin) and the held-out question is judged with them. Prints
the in-sample choice and accuracy, the held-out accuracy, and each fold's choice.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from itertools import pairwise
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.app import open_app
from bot.config import load_settings
from knowledge.abstention import answering_hits, closeness
from knowledge.evaluation import EvalItem, load_items

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
MIN_COVERAGE = 0.5

# per question: answerable?, decided (True: abstains whatever the rule), [(coverage, meaning)]
Case = tuple[bool, bool, list[tuple[float, float]]]


async def collect(items: list[EvalItem], db: Path) -> list[Case]:
    settings = load_settings(None, semantic={"enabled": "auto"})
    async with open_app(settings, db_path=db) as app:
        cases = []
        for item in items:
            result = await app.library.search(item.question, hybrid=True)
            answering = answering_hits(result.query, list(result.hits))
            pairs = [(h.coverage, max(0.0, closeness(h) or 0.0)) for h in answering]
            cases.append((item.answerable, not answering, pairs))
        return cases


def answers(case: Case, weight: float, threshold: float) -> bool:
    _, decided, pairs = case
    if decided:
        return False
    if max(c for c, _ in pairs) >= MIN_COVERAGE:
        return True
    return max(c + weight * m for c, m in pairs) >= threshold


def score(case: Case, weight: float) -> float:
    return max((c + weight * m for c, m in case[2]), default=0.0)


def choose(cases: list[Case]) -> tuple[float, float, int]:
    """(weight, threshold, correct) with the most correct, then the widest relative margin."""
    best: tuple[int, float, float, float] = (-1, 0.0, 0.0, 0.0)
    for weight in WEIGHTS:
        values = sorted({score(c, weight) for c in cases})
        cuts = [(a + b) / 2 for a, b in pairwise(values)]
        for threshold in cuts:
            correct = sum(answers(c, weight, threshold) == c[0] for c in cases)
            margin = min(abs(v - threshold) for v in values) / (1 + weight)
            if (correct, margin) > best[:2]:
                best = (correct, margin, weight, threshold)
    return best[2], best[3], best[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("eval", nargs="?", type=Path, default=EVAL)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    items = load_items(args.eval)
    with tempfile.TemporaryDirectory() as tmp:
        cases = asyncio.run(collect(items, args.db or Path(tmp) / "loo.sqlite3"))
    weight, threshold, correct = choose(cases)
    held_out = 0
    choices: Counter[tuple[float, float]] = Counter()
    for i, case in enumerate(cases):
        w, t, _ = choose(cases[:i] + cases[i + 1 :])
        choices[(w, round(t, 2))] += 1
        held_out += answers(case, w, t) == case[0]
    table = Table("", "weight", "threshold", "accuracy")
    table.title = f"Hybrid abstention, leave-one-out over {len(cases)} questions"
    table.add_row("in-sample", f"{weight:g}", f"{threshold:.2f}", f"{correct}/{len(cases)}")
    table.add_row("held-out", "per fold", "per fold", f"{held_out}/{len(cases)}")
    for (w, t), n in choices.most_common():
        table.add_row(f"fold choice x{n}", f"{w:g}", f"{t:.2f}", "")
    Console().print(table)
    for item, case in zip(items, cases, strict=True):
        print(item.id, "answerable" if case[0] else "out-of-scope", f"{score(case, weight):.2f}")


if __name__ == "__main__":
    main()
