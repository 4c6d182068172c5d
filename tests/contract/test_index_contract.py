"""The index's storage contract (`knowledge/storage.py`), written once for every backend:
documents, passages and their search statistics, what's new, collections and vectors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from contract_backends import Backend

from knowledge.collections import Collection, CollectionError
from knowledge.documents import parse_text

FILLER = " ".join(f"filler{i}" for i in range(40))
PEACE = "Peace talks\n\n" + FILLER + " The envoy wants a ceasefire."
RAIN = "Weather\n\n" + " ".join(f"cloud{i}" for i in range(40)) + " Rain is expected in the north."


async def test_a_document_is_added_unchanged_updated_and_forgotten(backend: Backend) -> None:
    index = backend.index
    start = index.generation
    assert await index.upsert_document(parse_text(PEACE, name="peace")) == "added"
    added = index.generation
    assert added > start
    assert await index.upsert_document(parse_text(PEACE, name="peace")) == "unchanged"
    assert index.generation == added
    changed = PEACE.replace("a ceasefire", "an armistice")
    assert await index.upsert_document(parse_text(changed, name="peace")) == "updated"
    assert index.generation > added
    passages = await index.passages_of("peace")
    assert [p.position for p in passages] == sorted(p.position for p in passages)
    assert any("armistice" in p.text for p in passages)
    assert not any("ceasefire" in p.text for p in passages)
    [source] = await index.sources()
    assert (source.meta.id, source.passage_count) == ("peace", len(passages))
    assert await index.forget("peace")
    assert await index.sources() == []
    assert await index.passage_count() == 0
    assert not await index.forget("peace")


async def test_passages_are_found_and_counted(backend: Backend) -> None:
    index = backend.index
    await index.upsert_document(parse_text(PEACE, name="peace"))
    await index.upsert_document(parse_text(RAIN, name="rain"))
    hits = await index.fts_search('"ceasefire"', 5)
    assert [p.source_id for p, _, _ in hits] == ["peace"]
    assert hits[0][2] > 0  # higher wins
    total, counts = await index.term_document_counts(['"ceasefire"', '"rain"', '"nothing"'])
    assert total == await index.passage_count() >= 2
    assert counts == {'"ceasefire"': 1, '"rain"': 1, '"nothing"': 0}
    assert (await index.stem_document_counts(["ceasefir", "absentword"])).get("ceasefir") == 1
    owners = await index.passage_owners()
    assert [pid for pid, _, _, _ in owners] == sorted(pid for pid, _, _, _ in owners)
    assert {sid for _, sid, _, _ in owners} == {"peace", "rain"}
    wanted = [owners[-1][0], owners[0][0], 10**9]
    found = await index.passages_by_id(wanted)
    assert set(found) == {owners[-1][0], owners[0][0]}
    assert found[owners[0][0]][0].text == owners[0][3]
    assert sorted(await index.passage_texts()) == sorted(text for *_, text in owners)
    assert set((await index.source_metas()).keys()) == {"peace", "rain"}


async def test_a_replacement_records_what_changed(backend: Backend) -> None:
    index = backend.index
    await index.upsert_document(parse_text(PEACE, name="peace"))
    before = backend.clock.now()
    backend.clock.advance(minutes=5)
    await index.upsert_document(parse_text(PEACE.replace("ceasefire", "truce"), name="peace"))
    changes = await index.changes_since(before - timedelta(seconds=1))
    kinds = {c.change for c in changes}
    assert kinds == {"added", "removed"}
    assert any("ceasefire" in c.text for c in changes if c.change == "removed")
    assert await index.changes_since(backend.clock.now() + timedelta(days=1)) == []


async def test_collections_hold_sources_and_scope_the_search(backend: Backend) -> None:
    index, collections = backend.index, backend.collections
    await index.upsert_document(parse_text(PEACE, name="peace"))
    await index.upsert_document(parse_text(RAIN, name="rain"))
    await collections.create("talks", "The talks")
    generation = index.generation
    assert await collections.join(["peace"], Collection("talks", "The talks")) == 1
    assert await collections.join(["peace"], Collection("talks", "The talks")) == 0
    assert index.generation > generation
    assert await collections.join(["rain"], Collection("weather", "Weather")) == 1  # created
    assert [(c.slug, c.sources) for c in await collections.all()] == [
        ("talks", 1),
        ("weather", 1),
    ]
    scope = await collections.ids(frozenset({"talks"}))
    assert scope is not None
    assert await collections.source_ids(frozenset({"talks"})) == frozenset({"peace"})
    assert await index.source_ids_in(scope) == frozenset({"peace"})
    in_scope = set(await index.passage_ids_in(scope))
    assert in_scope == {p.id for p in await index.passages_of("peace")}
    assert await index.fts_search('"rain"', 5, scope) == []
    assert len(await index.fts_search('"ceasefire"', 5, scope)) == 1
    assert await index.passage_count(scope) == len(in_scope)
    assert await collections.of_sources() == {"peace": ("talks",), "rain": ("weather",)}
    with pytest.raises(CollectionError):
        await collections.ids(frozenset({"nowhere"}))
    assert await collections.delete("weather") == 1  # rain was in no other collection
    assert [s.meta.id for s in await index.sources()] == ["peace"]


async def test_vectors_are_kept_per_model_and_text(backend: Backend) -> None:
    vectors = backend.vectors
    await vectors.save("m", [("h1", 2, b"\x01\x02\x03\x04"), ("h2", 2, b"\x05\x06\x07\x08")])
    await vectors.save("other", [("h1", 2, b"\x00\x00\x00\x00")])
    assert await vectors.known_hashes("m") == {"h1", "h2"}
    assert await vectors.some_of("m", {"h2", "h9"}) == {"h2": b"\x05\x06\x07\x08"}
    await vectors.save("m", [("h1", 2, b"\x09\x09\x09\x09")])  # replaced
    assert (await vectors.all_of("m"))["h1"] == b"\x09\x09\x09\x09"
    await vectors.drop("m", {"h1"})
    assert await vectors.known_hashes("m") == {"h2"}
    assert await vectors.known_hashes("other") == {"h1"}


async def test_a_source_is_known_by_its_urls_and_its_text(backend: Backend) -> None:
    registry, url = backend.registry, "https://example.org/peace"
    first = await registry.save(parse_text(PEACE, name="peace"), [url])
    assert first.status == "added"
    edited = parse_text(PEACE.replace("ceasefire", "truce"), name="other-name")
    again = await registry.save(edited, [url])  # the same URL: updated in place
    assert (again.status, again.source_id) == ("updated", first.source_id)
    copy = await registry.save(parse_text(PEACE.replace("ceasefire", "truce"), name="copy"))
    assert copy.status == "duplicate"
    saved = await registry.save_many(
        [(parse_text(RAIN, name="rain"), ()), (parse_text(PEACE, name="third"), ())]
    )
    assert [s.status for s in saved] == ["added", "added"]


async def test_feeds_are_remembered_and_polled(backend: Backend) -> None:
    registry = backend.registry
    assert await registry.add_feed("https://example.org/feed", "News")
    assert not await registry.add_feed("https://example.org/feed", "News")
    await registry.mark_polled("https://example.org/feed", entries=3, error="timed out")
    [feed] = await registry.feeds()
    assert (feed.title, feed.entries, feed.last_error) == ("News", 3, "timed out")
    assert feed.polled_at is not None


async def test_a_mirror_sees_what_changed_source_by_source(backend: Backend) -> None:
    index = backend.index
    await index.upsert_document(parse_text(PEACE, name="peace"))
    before = await index.source_versions()
    rows = await index.passages_to_mirror(["peace"])
    assert {sid for _, sid, _, _, _ in rows} == {"peace"}
    assert all(scope == () for *_, scope in rows)
    await backend.collections.join(["peace"], Collection("talks", "Talks"))
    after = await index.source_versions()
    assert after["peace"] != before["peace"]  # moved into a collection: indexed again
    [talks] = await backend.collections.all()
    scope = await backend.collections.ids(frozenset({talks.slug}))
    assert scope is not None
    assert {s for *_, s in await index.passages_to_mirror(["peace"])} == {
        tuple(str(c) for c in scope)
    }
