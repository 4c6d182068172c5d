"""Pick the embedder the settings ask for, or none (BM25 only) when no encoder can run."""

from __future__ import annotations

import logging

from bot.config import SemanticSettings
from knowledge.embeddings import (
    DEFAULT_MODEL,
    Embedder,
    SentenceTransformerEmbedder,
    numpy_model_available,
    sentence_transformers_available,
)

log = logging.getLogger(__name__)


def choose_embedder(settings: SemanticSettings) -> Embedder | None:
    """The encoder named in the settings, falling back (with a log line) to the other one
    when it cannot run, and to BM25 only when neither can."""
    if settings.enabled == "off":
        return None
    numpy_ok = settings.model == DEFAULT_MODEL and numpy_model_available()
    torch_ok = sentence_transformers_available()
    wanted = settings.encoder
    if wanted == "auto":
        wanted = "numpy" if numpy_ok else "sentence-transformers"
    if wanted == "numpy" and not numpy_ok and torch_ok:
        log.warning("the numpy encoder runs only %s: using sentence-transformers", DEFAULT_MODEL)
        wanted = "sentence-transformers"
    if wanted == "sentence-transformers" and not torch_ok and numpy_ok:
        log.warning("semantic extra not installed: using the bundled numpy %s", DEFAULT_MODEL)
        wanted = "numpy"
    if wanted == "numpy" and numpy_ok:
        from knowledge.minilm import NumpyMiniLMEmbedder

        embedder = NumpyMiniLMEmbedder()
        embedder.preload()  # ~0.1 s of loading overlaps the rest of start-up
        return embedder
    if wanted == "sentence-transformers" and torch_ok:
        return SentenceTransformerEmbedder(settings.model)
    log.info("no semantic encoder can run (numpy or its weights missing): BM25-only search")
    return None
