"""The numpy forward pass must give the vectors sentence-transformers gives, without torch."""

import json
import subprocess
import sys

import numpy as np
from conftest import CORPUS, make_settings

from rag.chunking import chunk_entries, token_counter
from rag.corpus import load_corpus
from rag.numpy_encoder import NumpyEncoder, supports


def test_same_vectors_as_sentence_transformers_on_the_real_corpus(embedder, tmp_path):
    model_dir = make_settings(tmp_path).embedding_model
    entries = load_corpus(CORPUS).entries
    passages = [c.text for c in chunk_entries(entries, token_counter(model_dir))][::4]
    texts = [e.title for e in entries] + passages + ["mlfow k8s canary?", "word " * 400, "naïve données 模型 🙂"]
    reference = embedder.model().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = NumpyEncoder(model_dir).encode(texts)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_small_batches_and_queries_never_import_torch(tmp_path):
    script = (
        "import json, sys\n"
        "from rag.config import Settings\n"
        "from rag.embeddings import Embedder\n"
        "e = Embedder(Settings().embedding_model)\n"
        "v = e.embed_query('how do I roll back a model?')\n"
        "m = e.embed(['a key point', 'another one'])\n"
        "print(json.dumps({'dims': [len(v), m.shape[1]], 'torch': 'torch' in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"dims": [384, 384], "torch": False}


def test_a_model_it_cannot_reproduce_is_left_to_sentence_transformers(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mpnet", "hidden_act": "gelu"}))
    (tmp_path / "modules.json").write_text(json.dumps([{"type": "sentence_transformers.models.Transformer"}]))
    assert supports(tmp_path) is False
    assert supports(tmp_path / "missing") is False
    assert supports(make_settings(tmp_path).embedding_model) is True
