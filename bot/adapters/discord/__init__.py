"""Discord: the adapter, its buttons and embed rendering."""
