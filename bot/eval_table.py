"""`briefbot eval`'s table: per-question success and the summary of one configuration."""

from __future__ import annotations

from rich.table import Table

from knowledge.abstention import Rule
from knowledge.evaluation import EvalReport


def eval_table(name: str, report: EvalReport) -> Table:
    """One table per configuration: a row per question."""
    table = Table(
        "id",
        "ok",
        "evidence hit@5",
        "first hit",
        "abstained",
        "question",
        title=f"per question, {name}",
    )
    for res in report.results:
        found = sum(1 for r in res.first_hit_ranks if r is not None and r <= 5)
        shown = f"{found}/{len(res.first_hit_ranks)}" if res.item.answerable else "out of scope"
        first = min((r for r in res.first_hit_ranks if r is not None), default=None)
        table.add_row(
            res.item.id,
            "yes" if res.success else "NO",
            shown,
            str(first or "") if res.item.answerable else "",
            "yes" if res.abstained else "",
            res.item.question,
        )
    return table


def summary_table(reports: dict[str, EvalReport], title: str = "") -> Table:
    """A row per configuration, so bm25 and hybrid compare at a glance."""
    table = Table(
        "configuration",
        "R@1",
        "R@3",
        "R@5",
        "MRR",
        "success",
        "bullet cov.",
        "abst. P",
        "abst. R",
        "p50 ms",
        "p99 ms",
        title=title or None,
    )
    for name, report in reports.items():
        ok, total = report.success
        precision, recall = report.abstention
        table.add_row(
            name,
            f"{report.recall_at(1):.3f}",
            f"{report.recall_at(3):.3f}",
            f"{report.recall_at(5):.3f}",
            f"{report.mrr:.3f}",
            f"{ok}/{total}",
            f"{report.bullet_coverage:.3f}",
            f"{precision:.2f}",
            f"{recall:.2f}",
            f"{report.latency(0.5):.2f}",
            f"{report.latency(0.99):.2f}",
        )
    return table


def kinds_table(reports: dict[str, EvalReport]) -> Table:
    """Per kind of question (the `[kind]` of each item's notes): how many were decided right."""
    kinds = sorted({r.item.kind for report in reports.values() for r in report.results})
    table = Table("kind", *reports, title="questions decided right, per kind")
    for kind in kinds:
        row = []
        for report in reports.values():
            mine = [r for r in report.results if r.item.kind == kind]
            row.append(f"{sum(r.success for r in mine)}/{len(mine)}")
        table.add_row(kind or "(no kind)", *row)
    return table


def rules_table(name: str, rules: list[Rule]) -> Table:
    """The refusal rule each fold chose on the others: a stable choice is a trustworthy one."""
    table = Table(
        "fold",
        "min coverage",
        "meaning weight",
        "confidence",
        "unsaid weight",
        title=f"rules, {name}",
    )
    for number, rule in enumerate(rules, 1):
        semantic = name == "hybrid"
        table.add_row(
            str(number),
            f"{rule.min_coverage:.2f}",
            f"{rule.weight:g}" if semantic else "",
            f"{rule.confidence:.2f}" if semantic else "",
            f"{rule.unsaid:g}" if semantic else "",
        )
    return table
