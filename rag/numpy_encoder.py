"""The embedding model's forward pass in numpy, so a query never waits for torch.

A new process answering its first question spent ~5 s of ~8 s importing
sentence-transformers (torch, transformers, scipy, scikit-learn) to embed one short query.
all-MiniLM-L6-v2 is a 6-layer BERT with mean pooling and a final normalisation: its
forward pass is a dozen numpy lines over the weights in `model.safetensors`, and loads in
~0.3 s. It reads the model's own `tokenizer.json`, so the word pieces are the same.

The vectors agree with sentence-transformers' to ~1e-6 (float32 arithmetic in another
order; `tests/test_numpy_encoder.py` checks it on the real corpus), so the corpus is still
embedded by sentence-transformers at index time and queries can come from either.
Only what this module can reproduce is accepted (`supports`): a BERT encoder with absolute
positions, exact GELU, mean pooling and a Normalize module. Any other model goes through
sentence-transformers.

The matrices of one short text are small, so BLAS runs on one thread here: on this 2-core
machine under load, OpenBLAS's second thread made a query embedding ~7x slower (spinning
threads competing for the cores), and idle it gains little at this size.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_TOKENS_FALLBACK = 256
PACK_TOKENS = 2048


def pack(encodings, budget: int) -> list[list[int]]:
    """Row numbers grouped so each group holds about `budget` word pieces (at least one text)."""
    groups: list[list[int]] = [[]]
    used = 0
    for row, encoding in enumerate(encodings):
        n = len(encoding.ids)
        if groups[-1] and used + n > budget:
            groups.append([])
            used = 0
        groups[-1].append(row)
        used += n
    return groups


def supports(model_dir: str | Path) -> bool:
    """True when the model directory holds a model this encoder computes exactly."""
    root = Path(model_dir)
    try:
        config = json.loads((root / "config.json").read_text())
        modules = json.loads((root / "modules.json").read_text())
        pooling = json.loads((root / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        pooling.get(k) for k in pooling if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and kinds == ["Transformer", "Pooling", "Normalize"]
        and bool(mean_only)
        and (root / "model.safetensors").is_file()
        and (root / "tokenizer.json").is_file()
    )


class NumpyEncoder:
    def __init__(self, model_dir: str | Path):
        from safetensors.numpy import load_file
        from scipy.special import erf
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        root = Path(model_dir)
        config = json.loads((root / "config.json").read_text())
        try:
            max_tokens = int(json.loads((root / "sentence_bert_config.json").read_text())["max_seq_length"])
        except (OSError, ValueError, KeyError):
            max_tokens = MAX_TOKENS_FALLBACK
        self._erf = erf
        self._threads = ThreadpoolController()
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=min(max_tokens, int(config["max_position_embeddings"])))
        weights = {k.removeprefix("bert."): v for k, v in load_file(str(root / "model.safetensors")).items()}
        # Linear layers stored (in, out) and contiguous: BLAS reads them ~1.7x faster than a transposed view
        self._linear_weights = {
            k.removesuffix(".weight"): np.ascontiguousarray(weights.pop(k).T)
            for k in [
                k for k, v in weights.items() if k.startswith("encoder.") and k.endswith(".weight") and v.ndim == 2
            ]
        }
        for i in range(self.layers):  # query, key and value in one product
            p = f"encoder.layer.{i}.attention.self."
            parts = [p + name for name in ("query", "key", "value")]
            self._linear_weights[p + "qkv"] = np.ascontiguousarray(
                np.concatenate([self._linear_weights.pop(name) for name in parts], axis=1)
            )
            weights[p + "qkv.bias"] = np.concatenate([weights.pop(name + ".bias") for name in parts])
        self.w = weights
        self.dimension = int(config["hidden_size"])

    def encode(self, texts: list[str], threads: int = 1) -> np.ndarray:
        """Unit-length float32 vectors, one row per text.

        Texts are packed into groups of about `PACK_TOKENS` word pieces; `threads` groups run at
        once (numpy lets go of the GIL inside its matrix products)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        groups = pack(encodings, PACK_TOKENS)
        with self._threads.limit(limits=1, user_api="blas"):
            if threads <= 1 or len(groups) == 1:
                for rows in groups:
                    out[rows] = self._embed_group([encodings[r] for r in rows])
            else:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="numpy-encoder") as pool:
                    vectors = pool.map(lambda rows: self._embed_group([encodings[r] for r in rows]), groups)
                    for rows, block in zip(groups, vectors):
                        out[rows] = block
        return out

    def _embed_group(self, encodings) -> np.ndarray:
        """One forward pass over several texts at once: their word pieces stacked as one matrix.

        Every step but attention works token by token, so it runs on the stacked rows (one large
        matrix product instead of one per text, and no padding); attention runs per text."""
        w = self.w
        lengths = [len(e.ids) for e in encodings]
        starts = np.cumsum([0, *lengths])
        ids = np.concatenate([np.asarray(e.ids) for e in encodings])
        type_ids = np.concatenate([np.asarray(e.type_ids) for e in encodings])
        positions = np.concatenate([np.arange(n) for n in lengths])
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.token_type_embeddings.weight"][type_ids]
            + w["embeddings.position_embeddings.weight"][positions]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            x = self._norm(self._attention(x, starts, p + "attention.") + x, p + "attention.output.LayerNorm")
            hidden = self._linear(x, p + "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + self._erf(hidden / np.float32(np.sqrt(2.0))))
            x = self._norm(self._linear(hidden, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = np.add.reduceat(x, starts[:-1], axis=0) / np.asarray(lengths, dtype=np.float32)[:, None]
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))

    def _attention(self, x: np.ndarray, starts: np.ndarray, p: str) -> np.ndarray:
        width = x.shape[1]
        size = width // self.heads
        qkv = self._linear(x, p + "self.qkv")
        context = np.empty_like(x)
        for a, b in zip(starts[:-1], starts[1:]):
            n = b - a
            q, k, v = (
                qkv[a:b, j * width : (j + 1) * width].reshape(n, self.heads, size).transpose(1, 0, 2) for j in range(3)
            )
            scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(size))
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context[a:b] = (scores @ v).transpose(1, 0, 2).reshape(n, width)
        return self._linear(context, p + "output.dense")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self._linear_weights[name] + self.w[name + ".bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + np.float32(self.eps)) * self.w[name + ".weight"] + self.w[name + ".bias"]
