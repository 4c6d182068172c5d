"""What's new: /new, `briefbot new` and the digest's opening, on a real SQLite file with a clock
moved by hand. A chat sees each arrival once; an edited source shows only what changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from digest_helpers import RecordingSender, scheduler_for, subscribe
from fakes.clock import FakeClock
from helpers import console

from bot.app import App, open_app
from bot.cli import main
from bot.config import load_settings
from bot.core.model import Reply
from bot.render.text import render_text
from bot.whatsnew.since import SinceError, parse_since
from knowledge.migrations import MIGRATIONS, apply_migrations
from knowledge.store import Store

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday
TOPICS = ("harbour", "orchard", "railway", "glacier", "observatory")


def paragraph(topic: str, version: int = 1) -> str:
    """About sixty words on one topic: a passage of its own."""
    return (
        f"The {topic} council met in version {version} of these notes to review the {topic} plans. "
        f"Engineers described the {topic} budget, the timetable for the {topic} works and the "
        f"crews that would build them over the winter. Residents asked how the {topic} project "
        f"would change their streets, and the council promised a public {topic} hearing in spring "
        f"before any contract for the {topic} is signed."
    )


def notes(path: Path, paragraphs: list[str]) -> Path:
    path.write_text("Field notes\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
async def timed(tmp_path: Path, clock: FakeClock) -> AsyncIterator[App]:
    """The app on a fake clock: the bundled sources arrive at T0."""
    async with open_app(load_settings(None), db_path=tmp_path / "w.sqlite3", clock=clock) as app:
        yield app


async def new(app: App, argument: str = "", chat: str = "c1") -> Reply:
    return await app.core.handle(console(f"/new {argument}".strip(), chat))


async def test_new_lists_only_what_arrived_since_this_chat_last_looked(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    bundled = [s.meta.title for s in await timed.library.sources()]
    clock.advance(hours=1)
    first = await new(timed)  # never looked: the last week, so the bundled sources
    assert first.title == "New since Tue 24 Nov 08:00: 2 sources"
    assert all(title in render_text(first) for title in bundled)

    clock.advance(hours=1)
    await timed.library.ingest([notes(tmp_path / "field_notes.txt", [paragraph("harbour")])])
    clock.advance(hours=1)
    second = await new(timed)

    text = render_text(second)
    assert second.title == "New since 08:00 today: 1 source"
    assert "Field notes" in text
    assert "arrived 09:00 today" in text
    assert not any(title in text for title in bundled)
    assert second.bullets
    assert {c.title for c in second.citations} == {"Field notes"}
    assert all(b.text.replace("…", "") in paragraph("harbour") for b in second.bullets)

    again = await new(timed)
    assert again.title == "Nothing new since 10:00 today"
    assert not again.bullets
    other_chat = await new(timed, chat="c2")  # another chat has its own last look
    assert "Field notes" in render_text(other_chat)


async def test_an_edited_file_shows_only_the_passages_added_and_removed(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "field_notes.txt"
    await timed.library.ingest([notes(path, [paragraph(t) for t in TOPICS[:3]])])
    clock.advance(hours=1)
    await new(timed)
    clock.advance(hours=1)
    edited = [
        paragraph(TOPICS[0]),
        paragraph(TOPICS[1], 2),
        paragraph(TOPICS[2]),
        paragraph("glacier"),
    ]
    await timed.library.ingest([notes(path, edited)])
    clock.advance(minutes=5)

    reply = await new(timed)

    text = render_text(reply)
    assert "updated 09:00 today: 2 passages added, 1 removed" in text
    assert "removed: “The orchard council met in version 1" in text
    quoted = " ".join(b.text for b in reply.bullets)
    assert "version 2" in quoted or "glacier" in quoted
    assert "harbour" not in quoted
    assert "railway" not in quoted
    [arrival] = await timed.library.new_since(T0 + timedelta(hours=1, minutes=30))
    assert arrival.status == "updated"
    assert arrival.arrived_at == T0
    assert {p.text for p in arrival.added} == {paragraph("orchard", 2), paragraph("glacier")}
    assert arrival.removed == (paragraph("orchard"),)


async def test_edited_and_edited_back_is_no_change(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "field_notes.txt"
    original = [paragraph(t) for t in TOPICS[:2]]
    await timed.library.ingest([notes(path, original)])
    clock.advance(hours=1)
    looked = clock.now()
    clock.advance(minutes=1)
    await timed.library.ingest([notes(path, [paragraph("harbour", 2), original[1]])])
    clock.advance(minutes=1)
    await timed.library.ingest([notes(path, original)])

    assert await timed.library.new_since(looked) == []


async def test_new_since_can_be_narrowed_to_some_sources(timed: App, tmp_path: Path) -> None:
    await timed.library.ingest([notes(tmp_path / "field_notes.txt", [paragraph("harbour")])])
    everything = await timed.library.new_since(T0 - timedelta(seconds=1))
    mine = frozenset({"field-notes"})

    narrowed = await timed.library.new_since(T0 - timedelta(seconds=1), source_ids=mine)

    assert len(everything) == 3
    assert [a.source.meta.id for a in narrowed] == ["field-notes"]
    assert narrowed[0].highlights  # quoted from its most informative passage


@pytest.mark.parametrize(
    ("argument", "hint"),
    [
        ("bogus", "I can't read “bogus” as a time"),
        ("since 2099-01-01", "is not in the past"),
        ("0h", "is not in the past"),
        ("since 31 feb", "I can't read “31 feb” as a time"),
        ("99999d", "I can't read"),
    ],
)
async def test_bad_arguments_get_a_hint(timed: App, argument: str, hint: str) -> None:
    reply = await new(timed, argument)

    assert hint in reply.body[0]
    assert "/new 24h" in reply.body[0]
    assert not reply.title


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("24h", datetime(2026, 12, 2, 9, 30, tzinfo=UTC)),
        ("3d", datetime(2026, 11, 30, 9, 30, tzinfo=UTC)),
        ("90 min", datetime(2026, 12, 3, 8, 0, tzinfo=UTC)),
        ("since monday", datetime(2026, 11, 30, tzinfo=UTC)),
        ("since Thursday", datetime(2026, 12, 3, tzinfo=UTC)),
        ("since yesterday", datetime(2026, 12, 2, tzinfo=UTC)),
        ("since 2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("since 20 Dec", datetime(2025, 12, 20, tzinfo=UTC)),
        ("", None),
    ],
)
def test_friendly_times_are_read(argument: str, expected: datetime | None) -> None:
    now = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # a Thursday

    assert parse_since(argument, now, UTC) == expected


def test_a_day_is_read_in_the_chat_zone() -> None:
    from zoneinfo import ZoneInfo

    seoul = ZoneInfo("Asia/Seoul")
    moment = parse_since("since 2026-12-01", datetime(2026, 12, 3, tzinfo=UTC), seoul)

    assert moment == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    with pytest.raises(SinceError):
        parse_since("since the dawn of time", datetime(2026, 12, 3, tzinfo=UTC), seoul)


async def test_the_digest_opens_with_what_is_new_since_the_last_look(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    await timed.core.handle(console("/digest"))  # the first digest: every source
    clock.advance(days=1)
    await timed.library.ingest([notes(tmp_path / "field_notes.txt", [paragraph("harbour")])])
    clock.advance(hours=1)

    digest = await timed.core.handle(console("/digest"))

    assert digest.body[0] == "New since yesterday: 1 source"
    assert "Field notes" in digest.body[1]
    assert digest.bullets[0].section == "New: Field notes"
    assert digest.citation(digest.bullets[0].citation).title == "Field notes"  # type: ignore[union-attr]
    quiet = await timed.core.handle(console("/digest"))  # nothing new: as the digest was
    assert quiet.body[0] == "No new sources since your last digest. Today's key points:"
    assert (await new(timed)).title.startswith("Nothing new since")  # the digest was a look


async def test_a_scheduled_digest_counts_as_a_look_and_stays_quiet_without_news(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    await subscribe(timed, "d1", "08:00", "UTC", clock.now(), quiet=True)
    sender = RecordingSender(clock)
    scheduler = scheduler_for(timed.subscriptions, timed.digests, sender, clock)
    scheduler.queue.start()
    try:
        assert await scheduler.fire("telegram", "d1")  # the first digest
        await scheduler.drain()
        clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
        assert not await scheduler.fire("telegram", "d1")  # quiet: nothing new, nothing sent
        await timed.library.ingest([notes(tmp_path / "field_notes.txt", [paragraph("harbour")])])
        clock.set(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
        assert await scheduler.fire("telegram", "d1")
        await scheduler.drain()
    finally:
        await scheduler.aclose()

    first, third = (s.reply for s in sender.to("d1"))
    assert first.body[0] == "Sources in this briefing:"
    assert third.body[0] == "New since Tue 1 Dec: 1 source"
    assert third.bullets[0].section == "New: Field notes"
    sub = await timed.subscriptions.get("telegram", "d1")
    assert sub is not None
    assert sub.looked_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


async def test_existing_sources_keep_their_ingest_time_as_arrival(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    before = await Store.open(path)
    await before.aclose()
    import aiosqlite

    async with aiosqlite.connect(path) as db:  # as a database from before m011 looked
        await db.execute("DELETE FROM migrations WHERE name = 'm011_arrivals'")
        for statement in (
            "DROP TABLE passage_changes",
            "DROP TABLE passages_vocab",
            "DROP INDEX sources_added",
        ):
            await db.execute(statement)
        await db.execute(
            "INSERT INTO sources (id, meta, path, content_hash, added_at, updated_at)"
            " VALUES ('old', '{\"id\": \"old\", \"title\": \"Old\"}', '', 'h',"
            " '2026-11-20T10:00:00+00:00', '2026-11-20T10:00:00+00:00')"
        )
        await db.commit()
        assert await apply_migrations(db, "now") == ["m011_arrivals"]
        await db.commit()
    assert MIGRATIONS[-1].__name__ == "m011_arrivals"
    store = await Store.open(path)
    try:
        [source] = await store.sources()
    finally:
        await store.aclose()
    assert source.added_at == "2026-11-20T10:00:00+00:00"


def test_briefbot_new_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(tmp_path / "cli.sqlite3")]
    assert main(["new", *db]) == 0
    assert "New since" in capsys.readouterr().out  # the bundled sources, just indexed
    assert main(["new", *db]) == 0
    assert "Nothing new since" in capsys.readouterr().out

    note = notes(tmp_path / "field_notes.txt", [paragraph("harbour")])
    assert main(["ingest", *db, str(note)]) == 0
    capsys.readouterr()
    assert main(["new", *db]) == 0
    out = capsys.readouterr().out
    assert "New since" in out
    assert "1 source" in out
    assert "Field notes" in out
    assert "Consider This" not in out

    assert main(["new", *db, "--since", "whenever"]) == 2
    assert "--since 24h" in capsys.readouterr().err
    assert main(["new", *db, "--since", "monday"]) == 0


async def test_new_on_telegram_quotes_only_the_new_source(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    from fakes.telegram_api import running_fake_telegram
    from test_telegram_adapter import ask

    from bot.adapters.telegram.adapter import TelegramAdapter
    from bot.config import TelegramSettings

    async with running_fake_telegram() as fake:
        bot = TelegramAdapter(
            timed.core,
            fake.TOKEN,
            fake.base_url,
            fake.base_file_url,
            settings=TelegramSettings(concurrent_updates=1),
        )
        await bot.start()
        try:
            clock.advance(hours=1)
            await ask(fake, 5, "/new")
            clock.advance(minutes=30)
            await timed.library.ingest(
                [notes(tmp_path / "field_notes.txt", [paragraph("harbour")])]
            )
            clock.advance(hours=1)
            fresh = await ask(fake, 5, "/new")
            nothing = await ask(fake, 5, "/new")
            hint = await ask(fake, 5, "/new since whenever")
        finally:
            await bot.aclose()

    assert fresh["text"].startswith("New since 08:00 today: 1 source")
    assert "Field notes" in fresh["text"]
    assert "“" in fresh["text"]
    assert "[1]" in fresh["text"]
    assert "Consider This" not in fresh["text"]
    assert {e["type"] for e in fresh["entities"]} >= {"bold", "italic"}
    assert nothing["text"].startswith("Nothing new since 09:30 today")
    assert "/new 24h" in hint["text"]


async def test_a_folder_reingested_in_one_batch_records_each_files_changes(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    notes(folder / "north.txt", [paragraph("harbour"), paragraph("orchard")])
    notes(folder / "south.txt", [paragraph("railway"), paragraph("glacier")])
    await timed.library.ingest([folder])
    clock.advance(hours=1)
    looked = clock.now()
    clock.advance(hours=1)
    notes(folder / "north.txt", [paragraph("harbour"), paragraph("orchard", 2)])
    notes(folder / "south.txt", [paragraph("railway")])

    reports = await timed.library.ingest([folder])

    assert [r.status for r in reports] == ["updated", "updated"]
    found = {a.source.meta.id: a for a in await timed.library.new_since(looked)}
    assert {p.text for p in found["north"].added} == {paragraph("orchard", 2)}
    assert found["north"].removed == (paragraph("orchard"),)
    assert found["south"].added == ()
    assert found["south"].removed == (paragraph("glacier"),)
    assert found["south"].highlights == ()  # nothing added: nothing to quote


async def test_a_big_batch_is_summed_up_not_quoted_in_full(
    timed: App, clock: FakeClock, tmp_path: Path
) -> None:
    clock.advance(hours=1)
    await new(timed)
    clock.advance(hours=1)
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(12):
        notes(folder / f"part_{n:02d}.txt", [paragraph(f"{TOPICS[n % 5]} {n}")])
    await timed.library.ingest([folder])
    clock.advance(minutes=1)

    reply = await new(timed)

    assert reply.title == "New since 08:00 today: 12 sources"
    assert reply.body[-1] == "… and 4 more (/sources lists them all)"
    assert len(reply.citations) == 8
    assert len(reply.bullets) == 8  # one passage each: one quote each
    arrivals = await timed.library.new_since(T0 + timedelta(hours=1), quoted=8)
    assert [bool(a.highlights) for a in arrivals] == [True] * 8 + [False] * 4


async def test_new_as_a_discord_slash_command(timed: App, clock: FakeClock, tmp_path: Path) -> None:
    from fakes.discord_api import FakeDiscord, discord_base_url
    from test_discord_adapter import follow_up_to, make_adapter

    async with FakeDiscord() as fake:
        with discord_base_url(fake.base_url):
            bot = make_adapter(timed)
            await bot.start()
            try:
                clock.advance(hours=1)
                await timed.library.ingest(
                    [notes(tmp_path / "field_notes.txt", [paragraph("harbour")])]
                )
                clock.advance(hours=1)
                week = await follow_up_to(fake, fake.slash_command("new", {"since": "3d"}))
                bad = await follow_up_to(fake, fake.slash_command("new", {"since": "soonish"}))
            finally:
                await bot.aclose()

    shown = str(week["embeds"])
    assert "New since" in shown
    assert "3 sources" in shown
    assert "Field notes" in shown
    assert "harbour" in shown
    assert "/new 24h" in str(bad["embeds"]) + bad["content"]
