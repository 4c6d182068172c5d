"""A folder ingested in one batch gets the same outcome as file by file: new, unchanged,
changed and duplicate files, all searchable afterwards."""

from __future__ import annotations

from pathlib import Path

from bot.app import App


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(f"{name}\n\n{text}", encoding="utf-8")


async def test_a_folder_batch_reports_new_unchanged_changed_and_duplicate(
    web_app: App, tmp_path: Path
):
    folder = tmp_path / "drop"
    folder.mkdir()
    write(folder, "alpha.txt", "Alpha notes on the grain corridor through Rajin port. " * 6)
    write(folder, "beta.txt", "Beta notes on the naval delegation visiting Wonsan. " * 6)
    first = await web_app.library.ingest([folder])
    assert sorted(r.status for r in first) == ["added", "added"]

    write(folder, "beta.txt", "Beta notes, revised: the delegation left Wonsan early. " * 6)
    (folder / "gamma.txt").write_text((folder / "alpha.txt").read_text(), encoding="utf-8")
    write(folder, "delta.txt", "Delta notes on fertiliser deliveries by rail to Tumangang. " * 6)
    second = {Path(r.path).name: r for r in await web_app.library.ingest([folder])}
    assert {name: r.status for name, r in second.items()} == {
        "alpha.txt": "unchanged",
        "beta.txt": "updated",
        "delta.txt": "added",
        "gamma.txt": "duplicate",
    }
    assert second["gamma.txt"].source_id == "alpha"

    revised = await web_app.library.search("delegation left Wonsan early")
    assert revised.hits[0].source.id == "beta"
    old = await web_app.library.search("naval delegation visiting")
    assert all("visiting Wonsan" not in h.passage.text for h in old.hits)
    fertiliser = await web_app.library.search("fertiliser Tumangang")
    assert fertiliser.hits[0].source.id == "delta"
