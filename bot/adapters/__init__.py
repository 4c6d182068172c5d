"""Thin platform adapters: platform event -> one core call -> render the core's reply."""
