"""Health checks: components register a callable, `/healthz` runs them all.

The registry knows nothing about what it checks: the app graph registers the database, the
runner registers each adapter and the scheduler once they start (and unregisters them when they
stop), so `/healthz` reports exactly what this process is running. A check returns True when
healthy; False or an exception (or taking longer than the timeout) is a failure. Only the
exception's class name is reported, so a message carrying a secret or a path never leaves the
process through the endpoint.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Check = Callable[[], bool | str | Awaitable[bool | str]]  # a str is the failure's own verdict
CHECK_TIMEOUT = 2.0  # seconds; well inside Docker's default 30 s health-check timeout


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Each check's verdict ("ok" or what failed); healthy only when every check passed."""

    checks: dict[str, str]

    @property
    def healthy(self) -> bool:
        return all(verdict == "ok" for verdict in self.checks.values())

    def to_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.healthy else "failing", "checks": self.checks}


class HealthRegistry:
    """Named checks, run concurrently, each bounded by `timeout` seconds."""

    def __init__(self, timeout: float = CHECK_TIMEOUT) -> None:
        self._checks: dict[str, Check] = {}
        self._timeout = timeout

    def register(self, name: str, check: Check) -> None:
        """Add (or replace) the check called `name`."""
        self._checks[name] = check

    def unregister(self, name: str) -> None:
        self._checks.pop(name, None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._checks)

    async def run(self) -> HealthReport:
        names = list(self._checks)
        verdicts = await asyncio.gather(*(self._run_one(self._checks[n]) for n in names))
        return HealthReport(dict(zip(names, verdicts, strict=True)))

    async def _run_one(self, check: Check) -> str:
        try:
            async with asyncio.timeout(self._timeout):
                result = check()
                if inspect.isawaitable(result):
                    result = await result
        except TimeoutError:
            return f"no answer within {self._timeout:g}s"
        except Exception as exc:
            log.warning("health check failed: %s", type(exc).__name__)
            return f"error: {type(exc).__name__}"
        if isinstance(result, str):
            return result
        return "ok" if result else "not ready"
