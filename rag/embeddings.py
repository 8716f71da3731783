"""Sentence embeddings from a local sentence-transformers model, loaded once, lazily.

`import sentence_transformers` costs ~5 s (torch, scipy, scikit-learn), so it happens only
when something must really be embedded: a no-op re-index never pays it. The hub is switched
off before the import so a missing file fails loudly instead of reaching for the network.

Queries and other small batches go through `numpy_encoder.NumpyEncoder`, the same model's
forward pass in numpy (vectors equal to ~1e-6), which loads in ~0.3 s: a new process
answers its first question without importing torch at all. Batches bigger than
`SMALL_BATCH` (indexing) use sentence-transformers.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

from rag.errors import UserFacingError

SMALL_BATCH = 32


class EmbeddingModelError(UserFacingError, RuntimeError):
    """The embedding model cannot be loaded; the message says which setting to change."""


class Embedder:
    def __init__(self, model_name_or_path: str, batch_size: int = 32, query_cache_size: int = 512):
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self._model = None
        self._numpy_encoder = None  # None: not tried yet; False: this model needs sentence-transformers
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_cache_size = query_cache_size

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load(self.model_name_or_path)
        return self._model

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product)."""
        if not texts:
            return np.zeros((0, self.dimension()), dtype=np.float32)
        if len(texts) <= SMALL_BATCH and self._light() is not None:
            return self._light().encode(texts)
        vectors = self.model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._query_cache.get(text)
        if cached is not None:
            return cached
        vector = self.embed([text])[0]
        with self._lock:
            self._query_cache[text] = vector
            while len(self._query_cache) > self._query_cache_size:
                self._query_cache.popitem(last=False)
        return vector

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (the benchmark times the model, not the cache)."""
        with self._lock:
            self._query_cache.clear()

    def dimension(self) -> int:
        if self._light() is not None:
            return self._light().dimension
        return int(self.model().get_sentence_embedding_dimension())

    def _light(self):
        """The numpy encoder of this model, or None when only sentence-transformers can run it."""
        if self._numpy_encoder is None:
            with self._lock:
                if self._numpy_encoder is None:
                    self._numpy_encoder = _load_numpy_encoder(self.model_name_or_path)
        return self._numpy_encoder or None


def _load_numpy_encoder(model_name_or_path: str):
    from rag.numpy_encoder import NumpyEncoder, supports

    if not supports(model_name_or_path):
        return False
    try:
        return NumpyEncoder(model_name_or_path)
    except Exception:  # unreadable weights: sentence-transformers will say so plainly
        return False


def _load(model_name_or_path: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging

    for noisy in ("sentence_transformers", "transformers", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(model_name_or_path, device="cpu")
    except Exception as exc:  # any failure here means "cannot embed", said once, plainly
        raise EmbeddingModelError(
            f"cannot load the embedding model {model_name_or_path!r} ({type(exc).__name__}); "
            "set RAG_EMBEDDING_MODEL to a local sentence-transformers model directory"
        ) from exc
