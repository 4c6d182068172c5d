"""Ingestion keeps what belongs together: an introduction with its quote, a list with its
lead-in, a heading as the context of the passages under it (never a passage itself), header
lines and name labels read as metadata, and a curated source's corrections shown in brackets."""

from __future__ import annotations

from pathlib import Path

from helpers import console

from bot.render.text import render_text
from knowledge.documents import parse_text

FILLER = (
    "The committee met for most of the afternoon and went through the budget line by line, "
    "which took longer than anyone had planned for. "
)


def _words(n: int) -> str:
    return " ".join((FILLER * (n // 20 + 1)).split()[:n]).rstrip(",.") + "."


def test_an_introduction_stays_with_the_quote_it_introduces():
    text = (
        "Notes\n\n"
        + _words(60)
        + " Then the minister turned to the harbour and continued:\n\n"
        + "“We will rebuild the pier before the winter storms arrive, whatever it costs.”\n\n"
        + _words(140)
    )
    doc = parse_text(text, name="notes")
    quote = next(p for p in doc.passages if "rebuild the pier" in p.text)
    assert "continued:" in quote.text
    intro = next(p for p in doc.passages if "continued:" in p.text)
    assert intro is quote


def test_a_list_stays_with_its_lead_in():
    items = "\n\n".join(f"- item {n}: {_words(25)}" for n in range(1, 5))
    text = "Notes\n\n" + _words(130) + "\n\nThe plan has four parts:\n\n" + items
    doc = parse_text(text, name="notes")
    lead = next(p for p in doc.passages if "four parts:" in p.text)
    assert all(f"item {n}:" in lead.text for n in range(1, 5))


def test_headings_are_never_passages_but_the_section_of_those_below():
    text = (
        "Harbour report\n\n"
        "## Money and the budget\n" + _words(60) + "\n\nWhat the mayor said next\n\n" + _words(70)
    )
    doc = parse_text(text, name="report")
    assert [p.section for p in doc.passages] == ["Money and the budget", "What the mayor said next"]
    for passage in doc.passages:
        assert "Money and the budget" not in passage.text
        assert "What the mayor said next" not in passage.text


def test_a_short_line_inside_a_speakers_turn_is_speech_not_a_heading():
    text = (
        "Show\n\nANNA BELL: " + _words(50) + "\n\nRight\n\nBEN COLE: " + _words(50) + "\n\n"
        "ANNA BELL: " + _words(45)
    )
    doc = parse_text(text, name="show")
    assert any(p.text.startswith("The committee") and "Right" in p.text for p in doc.passages)
    assert {p.section for p in doc.passages} == {""}


def test_header_lines_give_title_outlet_date_url_and_author_and_are_never_quoted():
    text = (
        "Harbour deal signed\n"
        "Source: The Coastal Courier, March 12, 2024, https://courier.example/harbour\n"
        "Author: Dana Mills and Lee Park\n\n" + _words(80)
    )
    doc = parse_text(text, name="harbour")
    meta = doc.meta
    assert meta.title == "Harbour deal signed"
    assert meta.outlet == "The Coastal Courier"
    assert meta.date == "2024-03-12"
    assert meta.url == "https://courier.example/harbour"
    assert meta.authors == ("Dana Mills", "Lee Park")
    assert all("Source:" not in p.text and "Courier" not in p.text for p in doc.passages)


def test_separate_title_date_and_url_lines_are_read_too():
    text = (
        "Title: Harbour deal signed\nDate: 12 March 2024\nURL: https://courier.example/h\n"
        "By Dana Mills\n\n" + _words(60)
    )
    meta = parse_text(text, name="h").meta
    assert (meta.title, meta.date, meta.url, meta.authors) == (
        "Harbour deal signed",
        "2024-03-12",
        "https://courier.example/h",
        ("Dana Mills",),
    )


def test_title_case_name_labels_make_a_transcript_when_they_repeat():
    text = (
        "Episode 4\n\n"
        f"Jane Doe: {_words(20)}\n\nJohn Roe: {_words(20)}\n\n"
        f"Jane Doe: {_words(20)}\n\nJohn Roe: {_words(20)}"
    )
    doc = parse_text(text, name="ep4")
    assert doc.meta.kind == "transcript"
    assert {p.speaker for p in doc.passages} == {"Jane Doe", "John Roe"}
    assert all("Jane Doe:" not in p.text for p in doc.passages)


def test_a_label_in_prose_that_does_not_repeat_is_not_a_speaker():
    text = "Budget\n\nNote: " + _words(30) + "\n\n" + _words(40) + "\n\nMary Smith: " + _words(30)
    doc = parse_text(text, name="budget")
    assert doc.meta.kind == "article"
    assert {p.speaker for p in doc.passages} == {None}


async def test_a_heading_shows_in_the_attribution_and_corrections_in_brackets(app, tmp_path):
    source = tmp_path / "harbour.md"
    source.write_text(
        "---\ntitle: Harbour talk\noutlet: Coast Radio\ndate: 2024-03-12\nkind: transcript\n"
        "speakers: [{name: Dana Mills}, {name: Lee Park}]\n"
        "corrections: {Mils Harbur: Mills Harbour}\n---\n\n"
        "## The lighthouse question\n\n"
        "DANA MILLS: The Mils Harbur lighthouse keeper said the lamp has been dark since "
        "the winter storm, and the lighthouse repairs will start in April. "
        + _words(40)
        + "\n\nLEE PARK: "
        + _words(45),
        encoding="utf-8",
    )
    await app.library.ingest([Path(source)])
    reply, answer = await app.core.ask(console(""), "when will the lighthouse repairs start?")
    bullet = next(b for b in reply.bullets if "lighthouse" in b.text)
    assert bullet.heading == "The lighthouse question"
    assert "Mils Harbur [Mills Harbour] lighthouse" in bullet.text
    assert any("Mils Harbur lighthouse" in q.text for q in answer.quotes)  # verbatim kept
    shown = render_text(reply)
    assert "§ The lighthouse question" in shown
    assert "Mils Harbur [Mills Harbour]" in shown


def test_page_numbers_and_running_headers_are_not_sections():
    page = _words(50)
    text = "Report\n\n" + "\n\n".join(
        f"Harbour Board Annual Report\n\n{page}\n\n{n}" for n in range(1, 4)
    )
    doc = parse_text(text, name="report")
    assert {p.section for p in doc.passages} == {""}
    assert all("Annual Report" not in p.text for p in doc.passages)
    assert all(not p.text.endswith(("1", "2", "3")) for p in doc.passages)


async def test_an_index_from_before_sections_re_splits_a_source_on_its_next_ingest(tmp_path):
    import aiosqlite

    from knowledge.migrations import MIGRATIONS, m007_passage_sections
    from knowledge.store import Store, utc_now

    path = tmp_path / "old.sqlite3"
    text = "Harbour report\n\n## The lighthouse\n\n" + _words(60)
    doc = parse_text(text, name="report")
    async with aiosqlite.connect(path, isolation_level=None) as db:  # an index made before m007
        await db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for migration in MIGRATIONS[: MIGRATIONS.index(m007_passage_sections)]:
            await migration(db)
            await db.execute("INSERT INTO migrations VALUES (?, ?)", (migration.__name__, "x"))
        await db.execute(
            "INSERT INTO sources (id, meta, path, content_hash, added_at, updated_at)"
            ' VALUES (\'report\', \'{"id": "report", "title": "Harbour report"}\', \'\', ?, ?, ?)',
            (doc.content_hash, utc_now(), utc_now()),
        )
        await db.execute(
            "INSERT INTO passages (source_id, position, text)"
            " VALUES ('report', 0, 'The lighthouse')"
        )
    store = await Store.open(path)
    try:
        assert await store.upsert_document(doc) == "updated"
        rows = await store.read("SELECT section, text FROM passages")
        assert [row[0] for row in rows] == ["The lighthouse"]
        assert await store.upsert_document(doc) == "unchanged"
    finally:
        await store.aclose()


def test_a_url_without_an_outlet_names_the_site_and_a_long_first_line_stays_content():
    meta = parse_text("Pier vote\nURL: https://courier.example/p\n\n" + _words(50), name="p").meta
    assert (meta.title, meta.outlet) == ("Pier vote", "courier.example")
    first = _words(40)
    doc = parse_text(f"{first}\nSource: Coastal Courier\n\n{_words(50)}", name="q")
    assert doc.meta.outlet == ""
    assert doc.passages[0].text.startswith("The committee met")


async def test_a_quoted_introduction_brings_the_quote_it_introduces(app, tmp_path):
    source = tmp_path / "pier.txt"
    source.write_text(
        "Pier vote\n\n"
        + _words(45)
        + "\n\nThe harbour master, Ruth Okafor, thanked the ferry crews and then continued:\n\n"
        + "“The pier opens again in May, and the lifeboat will have its own slipway.”\n\n"
        + _words(60),
        encoding="utf-8",
    )
    await app.library.ingest([source])
    reply, _ = await app.core.ask(console(""), "what did Ruth Okafor say after thanking the crews?")
    intro = next(b for b in reply.bullets if "continued:" in b.text)
    assert "The pier opens again in May" in intro.text
