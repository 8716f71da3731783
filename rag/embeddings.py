"""Sentence embeddings from a local sentence-transformers model, loaded once, lazily.

`import sentence_transformers` costs ~5 s (torch, scipy, scikit-learn), so it happens only
for a model the numpy encoder cannot run, and only when something must really be embedded.
The hub is switched off before the import so a missing file fails loudly instead of
reaching for the network.

Everything goes through `numpy_encoder.NumpyEncoder` when it can run the model (the
bundled all-MiniLM-L6-v2 it can): the same forward pass in numpy (vectors equal to ~1e-6),
which loads in ~0.3 s, so no command and no app page imports torch. It indexes too. Measured
on 2 cores (docs/performance.md): it embeds ~45 passages/s with two threads, where
sentence-transformers embeds ~60/s but first spends 8-10 s importing torch and loading, so
numpy finishes sooner below ~1,500 new passages (the corpus has 443), and the app and the
CLI never hold torch's ~600 MB. sentence-transformers runs only the models the numpy encoder
cannot reproduce, and the tests that compare the two.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

from rag.errors import UserFacingError


def cpu_threads() -> int:
    """The cores this process may use (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


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
        """True once an encoder (numpy or sentence-transformers) has been loaded."""
        return self._model is not None or bool(self._numpy_encoder)

    def warm(self) -> None:
        """Load what answers queries (the numpy encoder; sentence-transformers only when it cannot)."""
        if self._light() is None:
            self.model()

    def model(self):
        """The sentence-transformers model (imports torch: only for a model numpy cannot run)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = _load(self.model_name_or_path)
        return self._model

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = dot product)."""
        if not texts:
            return np.zeros((0, self.dimension()), dtype=np.float32)
        light = self._light()
        if light is not None:
            return light.encode(texts, threads=cpu_threads())
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
