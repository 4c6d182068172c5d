"""A question's cosine to every passage, ranked only as far as the answer needs.

The ranking needs the closest few passages in order (the vector candidates), and for each
candidate BM25 found, its cosine and its rank among all passages (reciprocal rank fusion,
/why). Sorting every passage and building per-passage dicts for each question cost more than
the cosines themselves once the index grew (an argsort and two dicts over 100,000 passages per
question); here the closest few come from a partial sort, and a rank is counted on demand.
"""

from __future__ import annotations

import numpy as np


class Neighbours:
    """Cosines of one question; passages outside the question's restriction have none."""

    def __init__(
        self, sims: np.ndarray, ids: np.ndarray, rows: dict[int, int], allowed: np.ndarray, top: int
    ) -> None:
        self._sims = np.where(allowed, sims, -np.inf)  # excluded passages never outrank any
        self._rows = rows
        count = int(allowed.sum())
        k = min(top, count)
        if k == 0:
            order = np.zeros(0, dtype=np.int64)
        else:
            part = np.arange(len(sims))
            if k < len(sims):  # every row as close as the k-th, so ties resolve as in a sort
                kth = -np.partition(-self._sims, k - 1)[k - 1]
                part = np.flatnonzero(self._sims >= kth)
            order = part[np.lexsort((part, -self._sims[part]))][:k]  # by cosine, then row
        self.order: tuple[int, ...] = tuple(ids[order].tolist())  # the closest, closest first
        self._ranks = {pid: rank for rank, pid in enumerate(self.order, 1)}
        self._ascending: np.ndarray | None = None

    def score(self, pid: int) -> float | None:
        """The passage's cosine, or None when it is not among the allowed passages."""
        row = self._rows.get(pid)
        if row is None or self._sims[row] == -np.inf:
            return None
        return float(self._sims[row])

    def rank(self, pid: int) -> int | None:
        """1 for the closest allowed passage; ties in row order, as a stable sort would."""
        found = self._ranks.get(pid)
        if found is None:
            row = self._rows.get(pid)
            if row is None or self._sims[row] == -np.inf:
                return None
            if self._ascending is None:  # one sort, on the first rank outside the closest few
                self._ascending = np.sort(self._sims)
            value = self._sims[row]
            above = len(self._ascending) - int(np.searchsorted(self._ascending, value, "right"))
            ties = int(np.searchsorted(self._ascending, value, "right")) - int(
                np.searchsorted(self._ascending, value, "left")
            )
            if ties > 1:  # as close as another passage: the earlier row ranks first
                above += int((self._sims[:row] == value).sum())
            found = self._ranks[pid] = above + 1
        return found
