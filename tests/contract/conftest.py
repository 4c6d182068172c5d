"""One backend per parameter: the contract tests run unchanged against each.

Today the SQLite backend only; the PostgreSQL backend becomes a second entry in
`contract_backends.BACKENDS` (skipped with one line when no server is reachable), and every
test in this folder runs on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from contract_backends import BACKENDS, Backend


@pytest.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened
