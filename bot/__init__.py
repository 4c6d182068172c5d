"""Briefing bot: the chat layer (core, adapters, CLI) over the `knowledge` package."""

# Imported first, from a shallow stack: wordfreq locates its data with inspect.stack(), whose
# cost grows with the depth of the import chain (~0.1-0.2 s when reached through bot.cli ->
# bot.app -> … -> knowledge.text, ~1 ms here); every command needs it (knowledge.text).
import wordfreq  # noqa: F401

__version__ = "0.1.0"
