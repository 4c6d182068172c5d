"""Parsers that misbehave, run in the parser process by the sandbox tests (module-level, so the
spawned worker can import them by name). Each first tells the test it has started, through a
request to `signal_url`, so the test awaits an event instead of guessing a delay."""

from __future__ import annotations

import os
import time
import urllib.request


def _started(signal_url: str) -> None:
    if signal_url:
        with urllib.request.urlopen(signal_url, timeout=5):  # the test's own server
            pass


def sleeps(signal_url: str = "") -> str:
    _started(signal_url)
    time.sleep(600)
    return "never"


def allocates(signal_url: str = "", megabytes: int = 4096) -> int:
    _started(signal_url)
    hog = bytearray(megabytes * 1024 * 1024)
    return len(hog)


def spins(signal_url: str = "") -> int:
    _started(signal_url)
    n = 0
    while True:  # stopped by RLIMIT_CPU or the wall-clock limit
        n += 1


def dies(signal_url: str = "") -> None:
    _started(signal_url)
    os._exit(3)


def echoes(text: str) -> str:
    return text.upper()


def sleeps_reading(signal_url: str, fetched: object) -> list[object]:
    """A stand-in for `read_fetched` that hangs on every response."""
    sleeps(signal_url)
    return []
