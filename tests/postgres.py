"""The PostgreSQL server the backend tests run against, or one line on why they skip.

`BRIEFBOT_TEST_POSTGRES_URL` names it (default: the local server with trust authentication);
every test gets a schema of its own, dropped afterwards, so tests never see each other's rows.
CI sets `BRIEFBOT_REQUIRE_POSTGRES=1`: there an unreachable server fails instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from knowledge.pg.database import Database, DatabaseUnavailable, drop_schema, open_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOW_TO = (
    "PostgreSQL not reachable at {url}: start it (pg_ctlcluster --skip-systemctl-redirect "
    "$(ls /etc/postgresql) main start) or set BRIEFBOT_TEST_POSTGRES_URL"
)


def postgres_url() -> str:
    return os.environ.get("BRIEFBOT_TEST_POSTGRES_URL", DEFAULT_URL)


def fresh_schema() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def throwaway_database(pool_size: int = 4) -> AsyncIterator[Database]:
    """A `Database` on a new schema of the test server, dropped on exit (skips or fails with
    one line when there is no server)."""
    url = postgres_url()
    schema = fresh_schema()
    try:
        database = await open_database(url, schema=schema, pool_size=pool_size)
    except DatabaseUnavailable:
        message = HOW_TO.format(url=url)
        if os.environ.get("BRIEFBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield database
    finally:
        await database.aclose()
        await drop_schema(url, schema)
