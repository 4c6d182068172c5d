"""Pick the embedder the settings ask for, or none (BM25 only) when the extra is missing."""

from __future__ import annotations

import logging

from bot.config import SemanticSettings
from knowledge.embeddings import Embedder, SentenceTransformerEmbedder, semantic_available

log = logging.getLogger(__name__)


def choose_embedder(settings: SemanticSettings) -> Embedder | None:
    if settings.enabled == "off":
        return None
    if not semantic_available():
        log.info("semantic extra not installed: BM25-only search")
        return None
    return SentenceTransformerEmbedder(settings.model)
