"""The PostgreSQL backend of the index (and the pool and migrations the bot's tables share)."""
