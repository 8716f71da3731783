"""The fast typo correction must pick exactly what difflib picks over the whole vocabulary."""

import difflib
import random

from rag.spelling import Vocabulary

WORDS = [
    "mlflow",
    "monitoring",
    "kubernetes",
    "deployment",
    "drift",
    "feature",
    "features",
    "pipeline",
    "pipelines",
    "registry",
    "retraining",
    "rollback",
    "canary",
    "shadow",
    "latency",
    "throughput",
    "naïve",
    "données",
    "模型部署",
    "a_b_testing",
    "k8s",
    "s3",
    "versioning",
    "reproducibility",
]


def difflib_choice(word: str, words: list[str]) -> str | None:
    found = difflib.get_close_matches(word, sorted(set(words)), n=1, cutoff=0.8)
    return found[0] if found else None


def test_typos_are_corrected_to_the_corpus_word():
    vocabulary = Vocabulary(WORDS)
    assert vocabulary.closest("mlfow") == "mlflow"
    assert vocabulary.closest("kubernets") == "kubernetes"
    assert vocabulary.closest("monitorng") == "monitoring"
    assert vocabulary.closest("zebra") is None


def test_same_choice_as_difflib_for_random_edits_of_every_kind():
    rng = random.Random(5)
    vocabulary = Vocabulary(WORDS)
    letters = "abcdefghijklmnopqrstuvwxyzéï模_0"
    probes = []
    for _ in range(1500):
        word = list(rng.choice(WORDS))
        for _ in range(rng.randint(1, 2)):
            i = rng.randrange(len(word))
            edit = rng.randrange(3)
            if edit == 0 and len(word) > 1:
                del word[i]
            elif edit == 1:
                word.insert(i, rng.choice(letters))
            else:
                word[i] = rng.choice(letters)
        probes.append("".join(word))
    for probe in probes:
        assert vocabulary.closest(probe) == difflib_choice(probe, WORDS), probe


def test_an_empty_vocabulary_corrects_nothing():
    assert Vocabulary([]).closest("anything") is None
