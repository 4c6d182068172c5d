"""Collections: two stories indexed side by side never leak into each other's chats, through
the library, the console core and the CLI; /use permissions, /ingest into, the scoped digest,
the migration of an existing install and the config's source_dirs tables."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.core.model import Message, ReplyKind
from bot.migrations import open_store
from bot.render.text import render_text
from knowledge.collections import Collection, CollectionError, bundled_collection
from knowledge.library import load_story
from knowledge.migrations import MIGRATIONS
from knowledge.scope_filter import MAX_RUNS, _runs
from knowledge.store import Store
from tests.collections_helpers import (
    DOCKS_QUESTION,
    DOCKS_WORD,
    SECOND,
    SECOND_STORY,
    two_stories,
)
from tests.web_sources import SourceServer

BUNDLED = bundled_collection().slug


BUNDLED_SCOPE = frozenset({BUNDLED})
STORY_QUESTION = load_story().examples[0]


def say(text: str, chat: str = "room", user: str = "boss", private: bool = True) -> Message:
    return Message("console", chat, user, text, is_private=private)


def text_of(reply: object) -> str:
    parts = [*reply.body, *(b.text for b in reply.bullets)]  # type: ignore[attr-defined]
    return "\n".join(parts)


async def test_each_scope_answers_from_its_own_story_only(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        library = app.library
        mine, _ = await library.answer(DOCKS_QUESTION, scope=frozenset({SECOND}))
        other, _ = await library.answer(DOCKS_QUESTION, scope=frozenset({BUNDLED}))
        story, _ = await library.answer(STORY_QUESTION, scope=frozenset({SECOND}))
        everything, _ = await library.answer(DOCKS_QUESTION)

        second_ids = {s.meta.id for s in await library.sources(frozenset({SECOND}))}
        assert second_ids == {p.stem for p in SECOND_STORY.glob("*.md")}
        assert {q.hit.source.id for q in mine.quotes} <= second_ids
        assert other.abstained
        assert story.abstained
        assert not everything.abstained  # None: every collection, as before collections
        counts = {c.slug: c.sources for c in await library.list_collections()}
        assert counts == {BUNDLED: 2, SECOND: 3}
        with pytest.raises(CollectionError, match="no collection “nope”"):
            await library.answer(DOCKS_QUESTION, scope=frozenset({"nope"}))


async def test_two_chats_bound_to_two_stories_never_see_each_other(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        core = app.core
        assert "now searches: port-alder" in text_of(
            await core.handle(say(f"/use {SECOND}", "docks"))
        )
        await core.handle(say(f"/use {BUNDLED}", "summit"))

        docks = await core.handle(say(DOCKS_QUESTION, "docks"))
        summit = await core.handle(say(DOCKS_QUESTION, "summit"))
        assert docks.kind is ReplyKind.ANSWER
        assert DOCKS_WORD in text_of(docks)
        assert summit.kind is ReplyKind.ABSTAIN
        # /more, /why and /sources stay in the chat's collection
        more = await core.handle(say("/more", "docks"))
        assert all(c.source_id.startswith("alder-") for c in more.citations)
        why = "\n".join((await core.handle(say("/why", "docks"))).body)
        assert "dockers" in why
        assert all(s.meta.title not in why for s in await app.library.sources(BUNDLED_SCOPE))
        listing = "\n".join((await core.handle(say("/sources", "docks"))).body)
        assert "Port Alder" in listing
        assert all(s.meta.title not in listing for s in await app.library.sources(BUNDLED_SCOPE))
        assert (await core.handle(say(STORY_QUESTION, "docks"))).kind is ReplyKind.ABSTAIN
        assert (await core.handle(say(STORY_QUESTION, "summit"))).kind is ReplyKind.ANSWER
        # a follow-up is read against the last question, in the same collection
        await core.handle(say(DOCKS_QUESTION, "docks"))
        follow = await core.handle(say("and the harbour board?", "docks"))
        assert all(c.source_id.startswith("alder-") for c in follow.citations)


async def test_help_in_a_chat_bound_to_another_story_names_it_and_suggests_nothing_else(
    tmp_path: Path,
) -> None:
    async with two_stories(tmp_path) as app:
        core = app.core
        await core.handle(say(f"/use {SECOND}", "docks"))
        docks = await core.handle(say("/help", "docks"))
        everything = await core.handle(say("/help", "all"))
        second_title = next(
            c.title for c in await app.library.list_collections() if c.slug == SECOND
        )
        assert second_title in docks.title
        assert docks.footer == ()  # the bundled story's example questions are not offered
        assert everything.footer != ()


async def test_collections_lists_counts_and_marks_this_chats(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        before = await app.core.handle(say("/collections", "docks"))
        await app.core.handle(say(f"/use {SECOND}", "docks"))
        after = await app.core.handle(say("/collections", "docks"))

        assert all(line.startswith("✓") for line in before.body)  # default: every one
        assert f"✓ {SECOND} — Port Alder dock strike (3 sources)" in after.body
        assert any(line.startswith(f"  {BUNDLED}") for line in after.body)
        assert "This chat searches: port-alder" in after.footer[0]
        reset = await app.core.handle(say("/use all", "docks"))
        assert "every collection" in reset.body[0]


async def test_the_header_names_the_collection_only_when_a_chat_has_several(
    tmp_path: Path,
) -> None:
    async with two_stories(tmp_path) as app:
        everywhere = await app.core.handle(say(DOCKS_QUESTION, "all"))
        await app.core.handle(say(f"/use {SECOND}", "one"))
        one = await app.core.handle(say(DOCKS_QUESTION, "one"))

        assert everywhere.body[0] == "From: Port Alder dock strike"
        assert not one.body or not one.body[0].startswith("From:")


async def test_use_is_for_admins_in_groups_and_anyone_in_private(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        core = app.core
        refused = await core.handle(say(f"/use {SECOND}", "group", "guest", private=False))
        mine = await core.handle(say(f"/use {SECOND}", "dm", "guest", private=True))
        admin = await core.handle(say(f"/use {SECOND}", "group", "boss", private=False))
        unknown = await core.handle(say(f"/use {SECOND} nope", "dm", "guest"))
        bad = await core.handle(say("/use Bad_Slug", "dm", "guest"))
        empty = await core.handle(say("/use", "dm", "guest"))

        assert refused.kind is ReplyKind.REFUSAL
        assert "admins" in refused.body[0]
        assert "now searches" in mine.body[0]
        assert "now searches" in admin.body[0]
        assert "There is no collection “nope”" in unknown.body[0]
        assert "“Bad_Slug” is not a valid collection slug" in bad.body[0]
        assert "Usage: /use SLUG" in empty.body[0]
        assert (await core.handle(say(DOCKS_QUESTION, "group", "guest", False))).citations


async def test_ingest_goes_to_the_chats_first_collection_or_into_another(
    tmp_path: Path, server: SourceServer
) -> None:
    async with two_stories(tmp_path, allow_private_networks=True) as app:
        await app.core.handle(say(f"/use {SECOND}", "docks"))
        first = await app.core.handle(say(f"/ingest {server.url('article.html')}", "docks"))
        wrong = await app.core.handle(say(f"/ingest {server.url('feed.rss')} into nope", "docks"))
        into = await app.core.handle(
            say(f"/ingest {server.url('latin1.txt')} into {BUNDLED}", "docks")
        )

        assert first.title == f"Ingest (into {SECOND})"
        assert "There is no collection “nope”" in wrong.body[0]
        assert into.title == f"Ingest (into {BUNDLED})"
        counts = {c.slug: c.sources for c in await app.library.list_collections()}
        assert counts[SECOND] == 4


async def test_the_digest_quotes_and_lists_only_the_chats_collections(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        day = date(2031, 3, 7)
        docks = await app.digests.build(day, scope=frozenset({SECOND}))
        summit = await app.digests.build(day, scope=frozenset({BUNDLED}))
        await app.core.handle(say(f"/use {SECOND}", "docks"))
        shown = await app.core.handle(say("/digest", "docks"))

        assert {s.meta.id for s in docks.new_sources} == {p.stem for p in SECOND_STORY.glob("*.md")}
        assert all(q.hit.source.id.startswith("alder-") for p in docks.points for q in p.quotes)
        assert not any(s.meta.id.startswith("alder-") for s in summit.new_sources)
        assert all(
            not q.hit.source.id.startswith("alder-") for p in summit.points for q in p.quotes
        )
        assert "Carnegie" not in "\n".join([*shown.body, *(c.title for c in shown.citations)])


def test_the_cli_keeps_stories_apart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(tmp_path / "cli.sqlite3")]
    assert main(["collections", "create", SECOND, "Port Alder dock strike", *db]) == 0
    assert main(["ingest", str(SECOND_STORY), "--collection", SECOND, *db]) == 0
    capsys.readouterr()
    assert main(["ask", DOCKS_QUESTION, "--collection", SECOND, *db]) == 0
    assert DOCKS_WORD in capsys.readouterr().out
    assert main(["ask", DOCKS_QUESTION, "--collection", BUNDLED, *db]) == 0
    assert "don't cover" in capsys.readouterr().out
    assert main(["ask", DOCKS_QUESTION, "--collection", "nope", *db]) == 2
    assert "There is no collection “nope”" in capsys.readouterr().err
    assert main(["collections", *db]) == 0
    listing = capsys.readouterr().out
    assert "Port Alder dock strike" in listing
    assert BUNDLED in listing
    assert main(["collections", "rename", SECOND, "--slug", "alder", *db]) == 0
    assert main(["collections", "delete", "alder", *db]) == 2  # needs --yes
    assert main(["collections", "delete", "alder", "--yes", *db]) == 0
    assert "Deleted alder and 3 sources" in capsys.readouterr().out
    assert main(["sources", *db]) == 0
    assert "alder-" not in capsys.readouterr().out


async def test_deleting_the_only_collection_of_a_chat_needs_unbind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chat bound to one story must not start seeing every other story because an operator
    deleted its collection: the CLI names the chats and asks for --unbind."""
    path = tmp_path / "two.sqlite3"  # where two_stories keeps its index
    async with two_stories(tmp_path) as app:
        await app.core.handle(say(f"/use {SECOND}", "docks"))
    db = ["--db", str(path)]
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["collections", "delete", SECOND, "--yes", *db]) == 2
    refusal = capsys.readouterr().err
    assert "1 chat searches only it (console:docks)" in refusal
    assert "--unbind" in refusal
    assert (
        await asyncio.to_thread(main, ["collections", "delete", SECOND, "--yes", "--unbind", *db])
        == 0
    )


async def test_an_existing_install_puts_every_source_in_the_bundled_collection(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(path, isolation_level=None) as db:  # a pre-collections file
        await db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for migration in MIGRATIONS[: MIGRATIONS.index(_m010())]:
            await migration(db)
            await db.execute("INSERT INTO migrations VALUES (?, '')", (migration.__name__,))
        await db.execute(
            "INSERT INTO sources VALUES ('old', '{}', '', 'h', '2024-01-01', '2024-01-01')"
        )
    store = await Store.open(path)
    try:
        rows = await store.read(
            "SELECT c.slug, c.title FROM source_collections sc"
            " JOIN collections c ON c.id = sc.collection_id WHERE sc.source_id = 'old'"
        )
        assert rows == [(BUNDLED, bundled_collection().title)]
    finally:
        await store.aclose()


def _m010() -> object:
    return next(m for m in MIGRATIONS if m.__name__ == "m010_collections")


def test_source_dirs_tables_are_checked_with_a_readable_error() -> None:
    settings = load_settings(None, store={"source_dirs": ["a", {"path": "b", "collection": "x"}]})
    assert [(d.path, d.collection) for d in settings.store.source_dirs] == [
        (Path("a"), None),
        (Path("b"), "x"),
    ]
    with pytest.raises(ConfigError, match="not a valid collection slug"):
        load_settings(None, store={"source_dirs": [{"path": "b", "collection": "No Way"}]})


async def test_interleaved_collections_are_filtered_by_runs_or_by_a_table(
    tmp_path: Path,
) -> None:
    """Sources of two collections ingested turn by turn: their passage ids interleave, so a
    scope is many runs of ids (more than MAX_RUNS: the temporary table); either way only the
    scope's passages are found, and counted."""
    folder = tmp_path / "turns"
    folder.mkdir()
    async with two_stories(tmp_path) as app:
        library = app.library
        for turn in range(2 * (MAX_RUNS + 2)):
            side = ("odd", "even")[turn % 2]
            path = folder / f"{side}-{turn}.md"
            path.write_text(f"The {side} lighthouse keeper logged turn {turn}.\n", "utf-8")
            await library.ingest([path], collection=side if turn > 1 else None)
            if turn < 2:
                await library.create_collection(side, side.title())
                await library.collections.join([path.stem], Collection(side, side))
        for side in ("odd", "even"):
            result = await library.search("lighthouse keeper", scope=frozenset({side}))
            found = {hit.source.id for hit in result.hits}
            assert found == {
                f"{side}-{t}" for t in range(2 * (MAX_RUNS + 2)) if t % 2 == (side == "even")
            }
        both = await library.search("lighthouse keeper", scope=frozenset({"odd", SECOND}))
        assert all(h.source.id.startswith("odd-") for h in both.hits)


def test_runs_are_the_maximal_stretches_of_ids_inside_the_scope() -> None:
    assert _runs([1, 2, 3, 5, 8, 9, 10], {2, 3, 5, 9, 10}) == [(2, 5), (9, 10)]
    assert _runs([1, 2], set()) == []


async def test_tantivy_filters_by_collection_and_follows_a_move(tmp_path: Path) -> None:
    pytest.importorskip("tantivy")
    from knowledge.library import Library
    from knowledge.query import QueryParser
    from knowledge.tantivy_engine import TantivyEngine

    async with two_stories(tmp_path) as app:
        fast = Library(app.store, QueryParser.from_files(), engine=TantivyEngine(app.store))
        mine = await fast.search(DOCKS_QUESTION, scope=frozenset({SECOND}))
        other = await fast.search(DOCKS_QUESTION, scope=BUNDLED_SCOPE)
        assert {h.source.id for h in mine.hits} <= {p.stem for p in SECOND_STORY.glob("*.md")}
        assert not any(h.source.id.startswith("alder-") for h in other.hits)
        both = await fast.search(DOCKS_QUESTION, scope=frozenset({SECOND, BUNDLED}))
        everything = await fast.search(DOCKS_QUESTION)  # the two are every collection here
        assert [h.passage.id for h in both.hits] == [h.passage.id for h in everything.hits]
        await fast.collections.join(["alder-radio-interview"], bundled_collection())
        moved = await fast.search(DOCKS_QUESTION, scope=BUNDLED_SCOPE)
        assert "alder-radio-interview" in {h.source.id for h in moved.hits}
        await fast.aclose()


async def test_hybrid_search_masks_other_collections_vectors(tmp_path: Path) -> None:
    """With vectors, the nearest passages of other collections never become candidates."""
    pytest.importorskip("numpy")
    from knowledge.embeddings import HashingEmbedder
    from knowledge.library import Library
    from knowledge.query import QueryParser

    async with await open_store(tmp_path / "h.sqlite3") as store:
        library = Library(store, QueryParser.from_files(), embedder=HashingEmbedder())
        await library.sync_bundled()
        await library.create_collection(SECOND, "Port Alder")
        await library.ingest([SECOND_STORY], collection=SECOND)
        stems = {p.stem for p in SECOND_STORY.glob("*.md")}

        summit = await library.search(DOCKS_QUESTION, scope=BUNDLED_SCOPE, hybrid=True)
        docks = await library.search(DOCKS_QUESTION, scope=frozenset({SECOND}), hybrid=True)
        everything = await library.search(DOCKS_QUESTION, hybrid=True)

        assert summit.semantic
        assert summit.hits
        assert not any(h.source.id in stems for h in summit.hits)
        assert {h.source.id for h in docks.hits} == stems
        assert {h.source.id for h in everything.hits} > stems
        await library.aclose()


async def test_new_lists_only_the_chats_collections(tmp_path: Path) -> None:
    async with two_stories(tmp_path) as app:
        await app.core.handle(say(f"/use {SECOND}", "docks"))
        await app.core.handle(say(f"/use {BUNDLED}", "summit"))

        docks = render_text(await app.core.handle(say("/new 24h", "docks")))
        summit = render_text(await app.core.handle(say("/new 24h", "summit")))

        assert "Dockers walk out at Port Alder" in docks
        assert "Port Alder" not in summit
        bundled_titles = [s.meta.title for s in await app.library.sources(BUNDLED_SCOPE)]
        assert any(title in summit for title in bundled_titles)
        assert not any(title in docks for title in bundled_titles)
