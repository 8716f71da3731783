"""The order check: claims that put an answer's steps in another order, and order words that claim none."""

from __future__ import annotations

import pytest

from rag.study.sequence import Step, out_of_order

LIFECYCLE = [
    Step("Problem Definition", ("problem definition", "business problem", "problem")),
    Step("Data Collection", ("data collection", "collect", "gather")),
    Step("Data Preparation", ("preparation", "prepare", "cleaning", "clean")),
    Step("Model Training", ("training", "train")),
    Step("Model Evaluation", ("evaluation", "evaluate")),
    Step("Model Deployment", ("deployment", "deploy")),
    Step("Model Monitoring", ("monitoring", "monitor")),
    Step("Retraining", ("retraining", "retrain")),
]
PIPELINE = [  # "validation" names two steps: either comes before deployment
    Step("Data Validation", ("data validation", "validation", "validate")),
    Step("Model Training", ("training", "train")),
    Step("Model Validation", ("model validation", "validation", "validate")),
    Step("Model Deployment", ("deployment", "deploy")),
]


def labels(sentences: list[str], steps=LIFECYCLE) -> list[str]:
    return [claim.label for claim in out_of_order(sentences, steps)]


@pytest.mark.parametrize(
    "sentence, misplaced",
    [
        ("Data preparation comes after deployment, once the model is live.", "Data Preparation"),
        ("The lifecycle starts with model training on whatever data is available.", "Model Training"),
        ("Monitoring happens before training, so you know what to watch.", "Model Training"),
        ("Deployment first, so there's something live to learn from.", "Model Deployment"),
        ("You deploy first and then collect data from the live system.", "Data Collection"),
        ("After deployment, you clean the data the model receives.", "Data Preparation"),
        ("Evaluation is the last step, done once everything else is finished.", "Model Evaluation"),
        ("First, you deploy it to every user.", "Model Deployment"),
    ],
)
def test_a_step_put_out_of_order_is_a_claim_against_the_source(sentence, misplaced):
    (claim,) = out_of_order([sentence], LIFECYCLE)
    assert claim.label == misplaced and claim.sentence == sentence
    assert "source" in claim.correction


@pytest.mark.parametrize(
    "sentence",
    [
        "First, you define the business problem and what success means.",
        "After training, you evaluate the model on a hold-out set.",
        "Before training, we clean the data and fix the schema.",
        "You collect the data, then prepare it, then train.",
        "The first time we tried this we deployed by hand.",  # "the first time" is not about the steps
        "It starts with data collection from the warehouse.",  # the second step may open a walk-through
        "Monitoring is the final stage before the model is retrained.",  # among the last two
        "Never deploy before you evaluate.",  # a negated sentence is the negation check's business
        "Once the model is deployed, you monitor it closely.",
        # the cue's own clause names no step: "once it's live" is not "once it's retrained"
        "Then you have to keep monitoring it once it's live, and eventually retrain it when it drifts.",
    ],
)
def test_order_words_that_agree_with_the_source_claim_nothing(sentence):
    assert labels([sentence]) == []


def test_then_follows_the_sentence_before_only_when_it_names_one_step():
    walk = ["We deploy it to every user.", "Then you train it properly."]
    assert labels(walk) == ["Model Training"]
    anecdote = ["We once trained on nulls for a week because we had no data cleaning.", "Then you evaluate it."]
    assert labels(anecdote) == []


def test_a_word_that_names_two_steps_is_wrong_only_if_wrong_for_both():
    assert labels(["Validation happens after deployment, on live traffic."], PIPELINE) == ["Data Validation"]
    assert labels(["Validation happens after training."], PIPELINE) == []  # model validation does


def test_a_bare_first_may_open_the_later_half_only_by_mistake():
    """ "I'd put it in staging first" (a partial walk-through) is not "staging opens the sequence"."""
    assert labels(["I'd train it first and then evaluate."]) == []
    assert labels(["I'd monitor it first."]) == ["Model Monitoring"]


def test_a_short_sequence_has_only_pairwise_order():
    ci_cd = [Step("CI", ("ci", "continuous integration")), Step("CD", ("cd", "continuous deployment"))]
    assert labels(["The CI step runs after CD, on production traffic."], ci_cd) == ["CI"]
    assert labels(["CD starts with a green CI run."], ci_cd) == []
    assert out_of_order(["Anything at all."], ci_cd[:1]) == []


def test_a_cue_that_refers_back_with_a_contraction_names_no_step():
    """ "after it's live" refers to what came before; "what it was trained on" is no later training step."""
    sentence = "And after it's live you monitor it: errors, and whether inputs drift from what it was trained on."
    assert labels([sentence]) == []
