"""Telegram: the adapter, its HTTP client, webhook server, send pacing and HTML rendering."""
