"""One PostgreSQL database shared by every replica: a pool, its schema, and versioned migrations.

The PostgreSQL backend's owner modules (`knowledge/pg/…`, `bot/pg/…`) take a `Database` and
never open connections of their own, so a replica holds one pool whose size is the
`[store] pool_size` it was given. Migrations are numbered per component ("index", "bot"): a
component's version is how many of its steps are applied, recorded in `schema_versions`, and
applying takes a transaction-level advisory lock so two replicas starting at once do not both
run a step. A replica that finds a newer schema than it knows refuses to start with one line
(`SchemaTooNew`) rather than writing rows an older release misreads.

Tests (and teams sharing one database between installs) pass `schema=`: every table of the
install lives in that PostgreSQL schema, and NOTIFY channels carry its name.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

if TYPE_CHECKING:  # generic only in the stubs
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
    PooledConnection: TypeAlias = PoolConnectionProxy[asyncpg.Record]  # what owners run SQL on
else:
    Pool = asyncpg.Pool
    PooledConnection = PoolConnectionProxy

DEFAULT_POOL_SIZE = 10  # connections per replica; PostgreSQL's default max_connections is 100
SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MIGRATION_LOCK = 0x62726965  # pg_advisory_xact_lock key while migrating ("brie")


@dataclass(frozen=True, slots=True)
class PgStep:
    """One migration step: statements run in one transaction, never edited once released."""

    name: str
    statements: tuple[str, ...]


class SchemaTooNew(Exception):
    """The database was migrated by a newer briefbot; `str()` is the one line to show."""


class DatabaseUnavailable(Exception):
    """The server cannot be reached or refused us; `str()` is the one line to show."""


def redact(url: str) -> str:
    """The URL without its password, for logs and error lines."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


class Database:
    """The pool of one replica on one PostgreSQL database (and schema)."""

    def __init__(self, pool: Pool, url: str, schema: str) -> None:
        self.pool = pool
        self.url = url
        self.schema = schema

    @property
    def shown(self) -> str:
        return redact(self.url)

    def channel(self, name: str) -> str:
        """A NOTIFY channel of this install: channels are database-wide, schemas are not."""
        return f"{self.schema}_{name}"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PooledConnection]:
        async with self.pool.acquire() as connection, connection.transaction():
            yield connection

    async def ping(self) -> bool:
        try:
            return bool(await self.pool.fetchval("SELECT 1") == 1)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return False

    async def version(self, component: str) -> int:
        """How many steps of `component` are applied (0 on a new database)."""
        found = await self.pool.fetchval(
            "SELECT version FROM schema_versions WHERE component = $1", component
        )
        return int(found or 0)

    async def migrate(self, component: str, steps: Sequence[PgStep]) -> list[str]:
        """Apply the steps of `component` not yet applied; the names of those applied now.

        Raises `SchemaTooNew` when the database is ahead of `steps`."""
        applied: list[str] = []
        async with self.transaction() as connection:
            await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            current = await connection.fetchval(
                "SELECT version FROM schema_versions WHERE component = $1", component
            )
            current = int(current or 0)
            if current > len(steps):
                raise SchemaTooNew(
                    f"the database {self.shown} has the {component} schema at version {current}, "
                    f"but this briefbot knows only up to {len(steps)}: upgrade briefbot"
                )
            for step in steps[current:]:
                for statement in step.statements:
                    await connection.execute(statement)
                applied.append(step.name)
            if applied:
                await connection.execute(
                    """INSERT INTO schema_versions (component, version, applied_at)
                       VALUES ($1, $2, now())
                       ON CONFLICT (component)
                       DO UPDATE SET version = excluded.version, applied_at = now()""",
                    component,
                    len(steps),
                )
        return applied

    async def aclose(self) -> None:
        await self.pool.close()


async def open_database(
    url: str, *, schema: str = "public", pool_size: int = DEFAULT_POOL_SIZE
) -> Database:
    """Connect a pool to `url` with `search_path` set to `schema` (created if missing), and
    make sure `schema_versions` exists. Raises `DatabaseUnavailable` with one line."""
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a schema name: {schema!r} (lower-case letters, digits, _)")
    try:
        async with _bootstrap_connection(url) as connection:
            await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=pool_size,
            server_settings={"search_path": schema, "application_name": "briefbot"},
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseUnavailable(f"cannot use the database {redact(url)}: {exc}") from exc
    database = Database(pool, url, schema)
    await pool.execute(
        """CREATE TABLE IF NOT EXISTS schema_versions (
               component TEXT PRIMARY KEY,
               version INTEGER NOT NULL,
               applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
    )
    return database


@asynccontextmanager
async def _bootstrap_connection(url: str) -> AsyncIterator[asyncpg.Connection[asyncpg.Record]]:
    connection = await asyncpg.connect(url)
    try:
        yield connection
    finally:
        await connection.close()


async def drop_schema(url: str, schema: str) -> None:
    """Remove an install's schema and everything in it (tests; `briefbot` never calls it)."""
    if not SCHEMA_NAME.match(schema) or schema == "public":
        raise ValueError(f"refusing to drop schema {schema!r}")
    async with _bootstrap_connection(url) as connection:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
