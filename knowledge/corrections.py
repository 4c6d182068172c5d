"""Show a curated source's corrections the way newspapers do: "Shoygu [Shoigu]".

A machine transcript mis-hears names. The quote must stay what the source says, so a curated
source may carry a small table (`corrections:` in its front matter) of what was heard and what
was meant; an answer keeps the heard words and adds the meant ones in square brackets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache


@lru_cache(maxsize=64)
def _pattern(corrections: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    heard = sorted((h for h, _ in corrections if h.strip()), key=len, reverse=True)
    words = "|".join(re.escape(h) for h in heard)
    return re.compile(rf"(?<!\w)({words})(?!\w)(?!\s*\[)")


def mark_corrections(text: str, corrections: Sequence[tuple[str, str]]) -> str:
    """`text` with " [meant]" after each whole-word occurrence of a heard phrase; the heard
    words themselves are left exactly as they were."""
    table = tuple((h, m) for h, m in corrections if h.strip() and m.strip() and h != m)
    if not table:
        return text
    meant = {h.casefold(): m for h, m in table}
    return _pattern(table).sub(lambda m: f"{m.group(1)} [{meant[m.group(1).casefold()]}]", text)
