"""Briefing bot: the chat layer (core, adapters, CLI) over the `knowledge` package."""

__version__ = "0.1.0"
