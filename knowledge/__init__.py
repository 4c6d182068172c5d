"""The knowledge base: curated sources, ingestion, the SQLite index, search and answers.

Nothing here knows about chats; the `bot` package calls in, never the other way round.
"""
