"""Renderers: turn a platform-neutral `Reply` into one platform's text and markup."""
