"""The PostgreSQL base: versioned migrations per component, a refusal when the schema is newer."""

from __future__ import annotations

import asyncio

import pytest

from knowledge.pg.database import PgStep, SchemaTooNew, redact
from tests.postgres import throwaway_database

STEPS = (
    PgStep("m001_things", ("CREATE TABLE things (id BIGSERIAL PRIMARY KEY, name TEXT)",)),
    PgStep("m002_thing_index", ("CREATE INDEX things_name ON things(name)",)),
)


async def test_steps_apply_once_and_the_version_counts_them() -> None:
    async with throwaway_database() as db:
        assert await db.version("demo") == 0
        assert await db.migrate("demo", STEPS[:1]) == ["m001_things"]
        assert await db.migrate("demo", STEPS) == ["m002_thing_index"]
        assert await db.migrate("demo", STEPS) == []
        assert await db.version("demo") == 2


async def test_two_replicas_migrating_at_once_apply_each_step_once() -> None:
    async with throwaway_database() as db:
        first, second = await asyncio.gather(db.migrate("demo", STEPS), db.migrate("demo", STEPS))
        assert sorted(first + second) == ["m001_things", "m002_thing_index"]


async def test_a_newer_schema_is_refused_in_one_line() -> None:
    async with throwaway_database() as db:
        await db.migrate("demo", STEPS)
        with pytest.raises(SchemaTooNew) as refused:
            await db.migrate("demo", STEPS[:1])
        assert "version 2" in str(refused.value)
        assert "upgrade briefbot" in str(refused.value)
        assert "\n" not in str(refused.value)


def test_passwords_never_show() -> None:
    shown = redact("postgresql://bot:s3cret@db.example:5433/news")
    assert "s3cret" not in shown
    assert shown == "postgresql://bot:***@db.example:5433/news"
