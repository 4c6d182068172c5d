"""A question's neighbours: the closest few in order and any passage's rank on demand, the same
as sorting every passage (ties in row order), within a source or speaker restriction."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from knowledge.neighbours import Neighbours  # noqa: E402

cosines = st.lists(st.sampled_from([-0.5, 0.0, 0.1, 0.5, 0.9]), min_size=1, max_size=40)


@given(
    values=cosines,
    allowed_bits=st.lists(st.booleans(), min_size=40, max_size=40),
    top=st.integers(1, 8),
)
def test_ranks_and_order_match_a_stable_sort_of_the_allowed_passages(
    values: list[float], allowed_bits: list[bool], top: int
) -> None:
    sims = np.asarray(values, dtype=np.float32)
    allowed = np.asarray(allowed_bits[: len(values)], dtype=bool)
    ids = np.arange(100, 100 + len(values), dtype=np.int64)
    rows = {int(pid): row for row, pid in enumerate(ids)}

    found = Neighbours(sims, ids, rows, allowed, top=top)

    kept = [row for row in np.argsort(-sims, kind="stable") if allowed[row]]
    expected = [int(ids[row]) for row in kept]
    assert list(found.order) == expected[:top]
    for rank, pid in enumerate(expected, 1):
        assert found.rank(pid) == rank
        assert found.score(pid) == pytest.approx(float(sims[rows[pid]]))
    for row in np.flatnonzero(~allowed):
        assert found.rank(int(ids[row])) is None
        assert found.score(int(ids[row])) is None
    assert found.rank(7) is None  # not a passage at all
