"""The outcome of saving one document (shared by the registry and its set-based batch path)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Saved:
    status: str  # added | updated | unchanged | duplicate
    source_id: str
    detail: str = ""
