"""What the CLI prints to a terminal: plain consoles and word wrapping.

Every string the CLI shows is either ours or a source's (titles, quotes, ids), and a source's
text may hold square brackets ("[semantic]", "[1]") or colons that rich would read as markup or
emoji codes and swallow: so the consoles interpret neither, and nothing needs escaping.
"""

from __future__ import annotations

import re
import sys
import textwrap

from rich.console import Console

PIPE_WIDTH = 160  # tables printed into a pipe or file: wide enough not to cut ids
_HANG = re.compile(r"^(\s*(?:[•\-–—]|\[\d+\]|\d+\.)?\s*)")


def stdout_console() -> Console:
    """Plain text on stdout; on a terminal rich measures its width (tables fit it)."""
    tty = sys.stdout.isatty()
    return Console(
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        width=None if tty else PIPE_WIDTH,
    )


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)


def wrap(text: str, width: int) -> str:
    """`text` with each line wrapped at word boundaries to `width` columns, continuation
    lines indented under the line's text (after "• ", "  — ", "[1] "), so a quote never breaks
    mid-word the way a terminal's own wrapping does. A word longer than a line is left whole."""
    if width < 20:  # too narrow to indent usefully: still never cut words
        width = max(width, 1)
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        hang = _HANG.match(line)
        indent = " " * len(hang.group(1)) if hang and len(hang.group(1)) < width // 2 else ""
        lines += textwrap.wrap(
            line,
            width=width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
    return "\n".join(lines)
