"""The bot's storage contract (`bot/storage.py`), written once for every backend: chat
state and /more, the question log and votes, bindings, looks, update dedupe, subscriptions and
fenced delivery claims."""

from __future__ import annotations

from datetime import date, timedelta

from contract_backends import Backend

from bot.digest.store import Subscription
from knowledge.collections import Collection

DAY = date(2026, 11, 20)
STALE = timedelta(minutes=10)


async def test_the_last_question_and_the_more_offset(backend: Backend) -> None:
    chats = backend.chats
    assert await chats.last_question("telegram", "1") is None
    qid = await chats.record_answer(
        "telegram", "1", "u", "what now?", 3, abstained=False, latency_ms=1.0
    )
    assert await chats.last_question("telegram", "1") == ("what now?", 3)
    await chats.remember_question("telegram", "1", "what now?", 6)  # /more showed three more
    assert await chats.last_question("telegram", "1") == ("what now?", 6)
    assert await chats.last_question("discord", "1") is None
    assert await chats.last_question_id("telegram", "1") == qid
    logged = await chats.question(qid)
    assert logged is not None
    assert (logged.question, logged.abstained) == ("what now?", False)


async def test_votes_are_one_per_person_and_counted(backend: Backend) -> None:
    chats = backend.chats
    qid = await chats.record_answer("telegram", "1", "u", "why?", 0, abstained=True, latency_ms=2)
    assert await chats.vote(qid, "a", 1) is None
    assert await chats.vote(qid, "a", -1) == 1
    stats = await chats.stats(1)
    [platform] = stats.platforms
    assert (platform.questions, platform.abstained, platform.up, platform.down) == (1, 1, 0, 1)
    assert [g.question for g in stats.gaps] == ["why?"]


async def test_an_update_is_handled_the_first_time_only(backend: Backend) -> None:
    chats = backend.chats
    assert await chats.first_time("telegram", "42")
    assert not await chats.first_time("telegram", "42")
    assert await chats.first_time("discord", "42")


async def test_a_chat_is_bound_to_collections_in_order(backend: Backend) -> None:
    for slug in ("b", "a"):
        await backend.collections.create(slug, slug.upper())
    bindings = backend.bindings
    assert await bindings.collections("telegram", "1") == ()
    await bindings.use_collections("telegram", "1", ["b", "a"])
    assert await bindings.collections("telegram", "1") == ("b", "a")
    await bindings.use_collections("telegram", "1", [])
    assert await bindings.collections("telegram", "1") == ()
    await backend.collections.ensure(Collection("c", "C"))
    await bindings.use_collections("telegram", "2", ["c"])
    assert await bindings.collections("telegram", "2") == ("c",)


async def test_the_chats_bound_to_one_collection_alone_are_known(backend: Backend) -> None:
    """Before a collection is deleted: who would be left searching every collection."""
    for slug in ("a", "b"):
        await backend.collections.create(slug, slug.upper())
    bindings = backend.bindings
    await bindings.use_collections("telegram", "1", ["b"])
    await bindings.use_collections("discord", "2", ["b", "a"])
    await bindings.use_collections("telegram", "3", ["a"])
    assert await bindings.bound_only_to("b") == [("telegram", "1")]
    assert await bindings.bound_only_to("a") == [("telegram", "3")]


async def test_the_last_look_never_moves_back(backend: Backend) -> None:
    looks, now = backend.looks, backend.clock.now()
    assert await looks.last_looked("telegram", "1") is None
    await looks.mark_looked("telegram", "1", now)
    await looks.mark_looked("telegram", "1", now - timedelta(hours=1))
    assert await looks.last_looked("telegram", "1") == now


async def test_a_chat_that_moved_keeps_its_state(backend: Backend) -> None:
    chats, now = backend.chats, backend.clock.now()
    await chats.record_answer("telegram", "-1", "u", "q?", 2, abstained=False, latency_ms=1)
    await backend.subscriptions.subscribe(Subscription("telegram", "-1", None, "08:00", "UTC"), now)
    await chats.move_chat("telegram", "-1", "-100")
    assert await chats.last_question("telegram", "-100") == ("q?", 2)
    assert await chats.last_question("telegram", "-1") is None
    assert await chats.inactive_reason("telegram", "-1") == "migrated to -100"
    assert await backend.subscriptions.get("telegram", "-100") is not None


async def test_subscriptions_are_kept_and_stopped(backend: Backend) -> None:
    subs, now = backend.subscriptions, backend.clock.now()
    changed: list[tuple[str, str]] = []
    stop = subs.listen(lambda platform, chat: changed.append((platform, chat)))
    sub = await subs.subscribe(Subscription("telegram", "1", None, "08:00", "Europe/Berlin"), now)
    assert (sub.local_time, sub.timezone, sub.active) == ("08:00", "Europe/Berlin", True)
    assert [s.chat_id for s in await subs.all()] == ["1"]
    assert await subs.deactivate("telegram", "1", "stopped by the chat", now)
    assert not await subs.deactivate("telegram", "1", "again", now)
    assert await subs.all() == []
    assert [s.active for s in await subs.all(active_only=False)] == [False]
    stop()
    assert changed == [("telegram", "1"), ("telegram", "1")]
    await backend.chats.set_active("telegram", "2", False, "blocked")
    assert await backend.chats.inactive_reason("telegram", "2") == "blocked"


async def test_a_delivery_claim_is_fenced(backend: Backend) -> None:
    subs, now = backend.subscriptions, backend.clock.now()
    sub = await subs.subscribe(Subscription("telegram", "1", None, "08:00", "UTC"), now)
    first = await subs.claim(sub, DAY, now, STALE)
    assert first is not None
    assert first.token == 1
    assert await subs.claim(sub, DAY, now + timedelta(minutes=1), STALE) is None  # held
    assert await subs.renew([first], now + timedelta(minutes=2)) == [True]
    later = now + timedelta(minutes=2) + STALE
    second = await subs.claim(sub, DAY, later, STALE)  # the holder went quiet: taken over
    assert second is not None
    assert second.token == 2
    assert await subs.renew([first], later) == [False]
    assert not await subs.finish(first, "sent", "", later)  # the old holder records nothing
    assert await subs.finish(second, "sent", "", later, seen_sources=("a",), looked_at=later)
    delivery = await subs.delivery("telegram", "1", DAY)
    assert delivery is not None
    assert (delivery.status, delivery.attempts, delivery.generation) == ("sent", 2, 2)
    assert await subs.claim(sub, DAY, later + STALE * 3, STALE) is None  # done is done
    assert [d.local_date for d in await subs.deliveries("telegram", "1")] == [DAY.isoformat()]
    found = await subs.get("telegram", "1")
    assert found is not None
    assert (found.last_delivered_date, found.seen_sources) == (DAY.isoformat(), ("a",))
    assert await backend.looks.last_looked("telegram", "1") == later
