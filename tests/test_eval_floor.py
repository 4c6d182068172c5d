"""CI's floor under answer quality: `briefbot eval --folds 5` on the development sets, held-out.

The floors sit a little under the figures measured when they were set (README, "Evaluation"),
so a later change cannot quietly undo them; raise them when the bot gets better. BM25 alone is
what a deployment with `semantic.enabled = "off"` gets; hybrid (the numpy encoder) is what both
`pip install .` and the semantic extra get by default.
"""

from __future__ import annotations

from pathlib import Path

from bot.app import open_app
from bot.config import load_settings
from knowledge.answer import Answer
from knowledge.evaluation import EvalReport, evaluate, load_items
from knowledge.folds import held_out_report

SETS = Path(__file__).resolve().parents[1] / "eval" / "dev"
FOLDS = 5
# configuration: (Recall@5, answered in full, out-of-scope refused, bullet recall)
FLOORS = {"bm25": (0.70, 41, 0.45, 0.37), "hybrid": (0.85, 57, 0.55, 0.58)}


async def held_out(tmp_path: Path) -> dict[str, EvalReport]:
    items = [i for name in ("dev.jsonl", "dev2.jsonl") for i in load_items(SETS / name)]
    settings = load_settings(None, semantic={"enabled": "auto", "encoder": "numpy"})
    reports = {}
    async with open_app(settings, db_path=tmp_path / "eval.sqlite3") as app:
        assert app.library.searcher.semantic
        for name in FLOORS:

            async def answer(question: str, hybrid: bool = name == "hybrid") -> Answer:
                return (await app.library.answer(question, hybrid=hybrid))[0]

            answers: list[Answer] = []
            report = await evaluate(items, answer, answers=answers)
            reports[name], _ = held_out_report(
                report,
                answers,
                FOLDS,
                semantic=name == "hybrid",
                max_bullets=settings.answers.max_bullets,
            )
    return reports


async def test_held_out_quality_stays_above_the_floor(tmp_path: Path) -> None:
    reports = await held_out(tmp_path)
    for name, (recall, full, refused, bullets) in FLOORS.items():
        report = reports[name]
        answered, _ = report.success
        measured = (
            report.recall_at(5),
            answered,
            report.abstention[1],
            report.bullet_coverage,
        )
        floor = (recall, full, refused, bullets)
        assert all(m >= f for m, f in zip(measured, floor, strict=True)), (
            f"{name}: (Recall@5, answered in full, refused, bullet recall) = {measured}, "
            f"below the floor {floor}"
        )
