"""The wording cues of a false claim and how a reply names a point's concept (no model needed)."""

from __future__ import annotations

import pytest

from rag.study.assessment import names_only, reply_pieces
from rag.study.claim_cues import (
    contrast_readings,
    dismissed_subject,
    is_bare_list,
    is_negated,
    is_unsure_aside,
    opens_with_negation,
    opposite,
    professes_ignorance,
    relation_order,
    sweeping_words,
)
from rag.study.concept_names import concept_names, without


@pytest.mark.parametrize(
    "sentence",
    [
        "MLOps is basically DevOps running on GPUs.",
        "A model registry is just an S3 bucket per team.",
        "Data drift only matters for deep learning models.",
        "Production monitoring is mainly compliance paperwork.",
        "A freshly retrained model is always at least as good as the one in production.",  # an effect
        "Since the code is in Git, storing the data versions is redundant.",
        "A cron job on someone's laptop is all the orchestration you need.",
        "Fairness is guaranteed once you drop the sensitive attribute.",
        "Once a model ships, its quality holds steady.",  # a denial worded positively
        "Load testing can wait, scaling sorts itself out.",
        "Monitoring is the SRE team's responsibility, so MLOps engineers focus on accuracy.",  # handed away
        "Business KPIs belong to the product team and sit outside MLOps monitoring.",
    ],
)
def test_a_sweeping_reduction_of_a_concept_is_a_cue(sentence):
    assert sweeping_words(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I'd keep the code in Git so we always know which inputs produced a model.",  # the speaker's practice
        "You must always version and validate the data.",  # advice
        "Always encrypt data at rest and in transit.",  # an instruction
        "Mostly encryption and access control for the data.",  # a fragment
        "Scheduled batch prediction is almost always cheaper.",  # a hedge
        "Rolling back is just switching traffic back to blue.",  # a simplicity claim
        "The model is only as good as the data it was trained on.",  # an idiom
        "Rollback only works if you know exactly what to go back to.",  # a condition
        "It basically boxes up your model with everything it needs.",  # a gist, not "X is basically Y"
        "The pipeline runs identically each time, and the metrics tell whether it is good enough.",
        "I paged the on-call engineer, whose job it was to look into the alert.",
        "Maybe it's just a holiday thing, or a broken feed upstream.",  # a guess
        "Every version is always linked to the code, data and parameters that produced it.",  # a workflow step
        "A new model should always be compared against the current production model.",
        "Everything server-side was always packaged in Docker and run on Kubernetes.",  # a past account
        "CI/CD was mostly GitHub Actions, with Jenkins at older clients.",
        "It's basically one shared spot where all the trained models live.",  # a gist of the asked concept
        "Dashboards make gradual degradation visible before it hurts the business.",  # a harm headed off
        "A result nobody can explain is just not reproducible in practice.",
        "Data drift is a shift in the inputs, even if the mapping to the target stays the same.",  # a concession
        "Data drift moves the inputs, while the mapping to the target may stay the same.",  # a possibility
    ],
)
def test_harmless_uses_of_the_same_words_are_not(sentence):
    assert not sweeping_words(sentence)


SOURCE = "Track experiments and monitor models in production; package models in a standard format for serving."


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Drift is handled by autoscaling, so there's no need to monitor models specifically.", True),
        ("Runs are reproducible, so there's no need to track experiments.", True),
        ("There's no need for experiment tracking in a small team.", True),
        ("Models use one packaging format, so there's no need to rewrite a model for each serving target.", False),
        ("An orchestrator ties it together, so there's no need for someone to kick off steps by hand.", False),
    ],
)
def test_no_need_is_a_claim_when_it_waives_what_the_source_names(sentence, sweeping):
    """A chore that a practice spares you ("no need to rewrite") is not a practice of the source waived."""
    assert bool(sweeping_words(sentence, source=SOURCE)) is sweeping


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Never version the datasets.", True),
        ("Approval workflows are deliberately left out.", True),
        ("Model artifacts are out of scope for the pipeline.", True),
        ("Libraries live inside the image without clashing with other projects.", False),
        ("Blue-green switches over without downtime.", False),
        ("Version not only the code but also the data.", False),
        ("Never deploy without validation.", False),
        ("Models don't crash when they go bad, they quietly get worse.", False),
        ("System metrics keep serving responsive, avoiding downtime.", False),
        ("More users come on without falling over.", False),
        ("Nobody needs to check whether runs can be reproduced.", True),
        ("Avoid retraining the model on recent data.", True),  # retraining is no harm to avoid
        ("Update the model without redeploying the service.", False),
        ("Set CPU and memory limits so workloads on shared nodes don't starve each other.", False),
        ("Cap memory per container, so one greedy job doesn't take down the whole box.", False),
        ("Step three is root-causing it, because not all drift is equal.", False),
        ("Without MLOps you end up with five model files and nobody knows which data made them.", False),
        ("In production the data changes without asking you.", False),
        ("The pipeline can decide automatically to skip retraining and alert someone.", False),
        ("Don't set CPU or memory limits on containers.", True),
        ("Skip retraining entirely.", True),
        ("Drift checks are optional whether the data changes or stays put.", True),  # "optional" is no decision
        ("Nobody checks which data trained the model.", True),
    ],
)
def test_negation_counts_what_is_denied_not_a_denied_harm(text, negated):
    assert is_negated(text) is negated


def test_a_point_is_named_by_its_acronym_and_product_names_not_by_a_shared_word():
    names = concept_names(
        [
            "Continuous Integration (CI) for ML",
            "Continuous Delivery (CD) for ML",
            "AWS SageMaker",
            "MLflow Models",
            "MLflow Tracking",
        ],
        "runs tests on every commit. ships the model. a managed service. packages a model.",
    )
    assert names.named_by_subject("CD is where the unit tests run") == [1]
    assert names.named_by_subject("AWS's managed offering trains models") == [2]
    assert names.named_by_subject("MLflow logs the runs") == []  # two points say "MLflow": it names neither
    assert names.named_by_subject("MLflow Tracking logs the runs") == [4]
    assert "CD" not in without("CD is where the unit tests run", names.all_words())


def test_a_name_qualified_by_another_labels_field_word_names_that_other_concept():
    names = concept_names(["Model Performance Metrics", "Data Quality Metrics", "Operational Metrics"], "")
    assert names.named_by_subject("Model quality: precision, recall and F1 over time") == []
    assert names.named_by_subject("Data quality means null rates and schema checks") == [1]
    assert names.named_by_subject("Quality checks cover null rates") == [1]  # no field word: the name stands


def test_a_subject_is_read_in_either_number_past_a_framing_opening_and_not_in_a_modifier():
    names = concept_names(["Blue-Green Deployment", "Canary Deployment", "Feature Stores"], "")
    assert names.named_by_subject("Canaries send a small share of traffic first") == [1]
    assert names.named_by_subject("The main difference is that canary deployment ramps up") == [1]
    assert names.named_by_subject("A feature store serves the same features online") == [2]
    assert names.named_by_subject("It's a canary-style rollout with a small slice") == []
    sub_items = concept_names(["Schedule-Based", "Performance-Based"], "")
    assert sub_items.named_by_subject("Schedule-based retraining runs every Monday") == [0]  # a name, not a modifier


def test_two_names_joined_by_a_copula_are_bound_and_a_comparison_is_not():
    names = concept_names(["AWS SageMaker", "Google Vertex AI", "IBM Watson Machine Learning"], "")
    assert names.bound("AWS's offering is Vertex AI") is None  # "vertex" alone does not name the point
    assert names.bound("SageMaker is IBM's product") == (0, 2)
    assert names.bound("SageMaker is cheaper than IBM Watson") is None


@pytest.mark.parametrize(
    ("sentence", "ignorant"),
    [
        ("I've heard the term, but I honestly couldn't explain the difference between those kinds of drift.", True),
        ("I'm not sure which metrics are the standard ones.", True),
        ("No idea, to be honest, maybe something with monitoring.", True),
        ("I'm drawing a blank on this one, so I can't say much.", True),
        ("I haven't deployed models, so I can't really say what testing is expected.", True),
        ("I haven't really dealt with model versioning myself.", True),
        ("I don't think I can give a good answer to that one.", True),
        ("I know it's about ML in production, but I couldn't list the specific challenges.", True),
        ("I've only ever trained models in a notebook and haven't packaged one for serving.", True),
        ("Honestly, I'd have to look that up before answering.", True),
        ("It's something that happens to models over time, but I couldn't give you the exact definition.", True),
        ("Releases were handled by the platform team, so I can't really speak to what broke.", True),
        ("I think that's for the compliance people, I haven't really been involved in it.", True),
        ("We have never needed a separate registry.", False),  # a claim about the practice
        ("We don't list the dependencies anywhere.", False),  # a practice denied, not the speaker's ignorance
        ("We never used manual deploys; everything went through CI.", False),
        ("I know this one: data drift is a change in the input distribution.", False),
        ("Only promote the model after the tests pass.", False),
    ],
)
def test_a_profession_of_ignorance_states_nothing(sentence, ignorant):
    assert professes_ignorance(sentence) is ignorant


def test_a_word_said_the_other_way_round_is_an_opposite_unless_a_sentence_rejects_it():
    assert opposite("Switch all traffic at once.", "Send a small percentage of traffic, then increase gradually.")
    assert opposite("Retraining is best left as a hands-on task.", "Automate retraining when triggers fire.")
    # the source itself rejects the word ("instead of by hand"), so "automated" agrees with it
    assert not opposite("Retraining is automated.", "Let machines retrain instead of doing it by hand.")
    assert not opposite("Do it by hand rather than automatically.", "Automate it.")  # the reply rejects it
    # a word lessened is the other side: "less manual work" is automation
    assert not opposite(
        "With less manual work there are fewer human errors.", "Reduces human error through automation."
    )


@pytest.mark.parametrize(
    ("reply", "source"),
    [
        ("Store the features as a row-based format like Parquet.", "Use columnar formats like Parquet."),
        ("Serve the model from one bigger machine.", "Design prediction services to scale out horizontally."),
        ("Merge the steps into one monolithic job.", "Build pipelines with independent, reusable components."),
        ("Reprocess the full dataset on every run.", "Design pipelines to process only new or changed data."),
        ("Each team builds bespoke deployment tooling.", "Create reusable templates for common ML tasks."),
        ("Allocate a static pool of GPUs.", "Implement dynamic resource allocation based on workload."),
    ],
)
def test_the_design_choices_an_answer_takes_sides_on_have_opposites(reply, source):
    assert opposite(reply, source)
    assert not opposite(source, source)


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("Teams shouldn't bother tracking resource usage.", True),  # one dismissal, not two negations
        ("Registries are a thing of the past.", True),
        ("Governance trails rarely matter outside banks.", True),
        ("Cross-team review only slows you down.", True),
        ("Monitoring is optional once the tests pass.", True),
        ("A feature store isn't really worth it.", True),
        ("Stop doing code reviews for pipelines.", True),
        ("you cant really skip the registry", False),  # two negations, typed without the apostrophe
        ("A registry is worth it once you have two models.", False),
        ("You don't want your model API wide open.", False),  # a harm warned against
        ("You don't want to be unable to recreate last month's model.", False),
        ("There's no need to reinvent the wheel here.", False),
        ("Don't deploy unless the tests pass.", False),  # "only if"
        ("Use SageMaker if you don't want to run the infrastructure yourself.", False),  # inside a condition
        ("Use differential privacy where individual records must not be recoverable.", False),
        ("Consider federated learning when the data can't leave the device.", False),
        ("On a push you don't just run unit tests; you validate the data too.", False),  # not only
        ("A rollback that has never been exercised tends to fail when you need it.", False),  # what was not done to it
        ("Set CPU and memory limits so the container does not starve other workloads.", False),  # a harm headed off
        ("Automate the data checks so you don't retrain on broken data.", False),
        ("A drifting model keeps answering without throwing a single exception.", False),
        ("Schedule retraining so you don't need monitoring at all.", True),  # what it spares is a practice
        ("The registry is where you don't need to keep metadata.", True),  # a definition, not a condition
        ("Bad data rarely crashes anything; it quietly makes a worse model.", False),
    ],
)
def test_dismissals_deny_a_practice_and_warnings_against_harms_do_not(sentence, negated):
    assert is_negated(sentence) is negated


def test_basically_before_a_description_is_a_hedge_not_a_reduction():
    assert sweeping_words("MLOps is basically DevOps for models.", anywhere=True)
    assert not sweeping_words("Docker is basically what makes 'works on my machine' go away.", anywhere=True)
    assert not sweeping_words("Blue stays up, so downtime is basically zero.", anywhere=True)


def test_a_belief_reported_is_not_a_sweeping_claim():
    assert not sweeping_words("Communication matters, even if people think MLOps is only technical.")
    assert sweeping_words("MLOps is only technical.") or sweeping_words("MLOps is basically DevOps.")


def test_a_past_participle_of_avoid_or_skip_is_a_negation():
    assert is_negated("Prediction caching should be avoided for frequent inputs.")
    assert is_negated("Fairness testing can be skipped for internal models.")


def test_product_names_are_read_from_a_points_text():
    from rag.study.concept_names import product_names

    text = "Use stream processing frameworks (Kafka Streams, Apache Flink) or serve with TorchServe."
    assert product_names(text, text) == ["Apache", "Flink", "Kafka", "Streams", "TorchServe"]
    assert "Streams" not in product_names(text, text + " event streams")  # the entry writes it in lower case


def test_a_capitalised_name_the_entry_writes_inside_sentences_names_its_point():
    labels = ["AWS SageMaker", "Google Vertex AI", "IBM Watson Machine Learning"]
    names = concept_names(labels, "a managed service on Google Cloud. it runs Vertex pipelines.")
    assert names.bound("AWS's offering is Vertex AI") == (0, 1)


def test_a_pair_joined_by_and_stays_in_one_clause():
    texts = [
        p.text
        for p in reply_pieces("Concept drift changes the link between features and target, so retrain on fresh data.")
    ]
    assert "Concept drift changes the link between features and target" in texts


def test_a_heading_is_no_clause_of_its_own():
    texts = [p.text for p in reply_pieces("Cloud ML platforms: don't use AWS SageMaker, Google Vertex AI or Azure ML.")]
    assert "Cloud ML platforms" not in texts and "don't use AWS SageMaker" in texts


@pytest.mark.parametrize(
    ("sentence", "bare"),
    [
        ("Spark, Parquet, feature store, Horovod, GPUs, Kubernetes, autoscaling.", True),
        ("Prometheus, Grafana, ELK, PSI, KS test, latency and alerts.", True),
        ("Accuracy, precision, recall, drift, latency, throughput.", True),
        ("So basically ingestion, validation, and also um training, evaluation, registry stuff.", True),  # filler
        ("Data Collection & Storage, RBAC, so basically Data Processing & Model Training, and also DevOps.", True),
        ("Model Drift (or Prediction Drift), Concept Drift, Data Drift, so basically PSI, yeah.", True),
        ("Environment Inconsistency, Docker, Resource Constraints GPU, works on my machine, yeah.", True),  # one long
        ("Track accuracy, precision and recall, and alert when they drop.", False),  # a clause says something
        ("Latency under load, cost per prediction at peak traffic, drift of the inputs, retraining.", False),
        ("We use Spark, Parquet and a feature store.", False),  # a person: a statement
        ("It's Spark, Parquet and Horovod.", False),
        ("Docker and Kubernetes.", False),  # two items: too few to be a list
    ],
)
def test_a_bare_list_of_terms_is_told_from_a_sentence(sentence, bare):
    assert is_bare_list(sentence) is bare


def test_a_reply_is_names_only_when_most_of_its_words_are_bare_lists():
    assert names_only("Spark, Parquet, feature store, GPUs. Kubernetes, autoscaling, Airflow.")
    assert not names_only("Spark, Parquet, GPUs. We process the data with Spark and train on several GPUs at once.")
    assert not names_only("") and not names_only("   ")


def test_terms_strung_together_without_function_words_are_names_only():
    salad = (
        "Drift handling, PSI KS statistics, feature distributions baseline comparison, retraining triggers "
        "schedule performance, shadow canary rollout, alerts dashboards on-call."
    )
    assert names_only(salad)
    notes = (  # terse notes in bullet form still have function words
        "- PSI or KS test on each feature against the training baseline\n"
        "- retrain when the drift score stays above a threshold for a week\n"
        "- roll out the new model as a canary"
    )
    assert not names_only(notes)
    assert not names_only("Rolling PSI KS alerts trigger retraining.")  # too short to tell from a terse answer


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("Always test the rollback in staging; a rollback you've never rehearsed is just a hope.", False),
        ("Then see how the model scores on data it hasn't seen before.", False),  # a thing described
        ("Never jump to the data before you know the business objective.", False),  # an order of steps
        ("You don't need to test before deploying.", True),  # a waiver is still one
        ("Models never stay accurate forever on their own.", False),
        ("Software engineering: solid Python and testing; production code, not notebooks.", False),
        ("You have to understand training, or you can't support the data scientists.", False),  # a consequence
        ("If you can't say which version was good, you can't roll back to it.", False),  # a negated condition
        ("Making sure they're not biased or unfair to certain groups of people.", False),  # a check
        ("You must never drop a new model straight into production.", False),  # a step not skipped
        ("Experiment tracking is a nice-to-have.", True),
    ],
)
def test_negations_that_describe_warn_or_order_steps_deny_nothing(sentence, negated):
    assert is_negated(sentence) is negated


def test_a_harmless_opening_negation_is_not_passed_to_every_clause():
    assert opens_with_negation("Don't version data, models or code.")
    assert not opens_with_negation("There's no need to overthink which dashboard tool you pick.")


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Rollback is only fast if the previous version is still registered.", False),  # a necessary condition
        ("There's only one place to look for model artifacts.", False),  # a registry centralises
        ("At my last company rolling back was basically flipping traffic back to blue.", False),  # a past account
        ("Retraining is only needed if you switch to a different algorithm.", True),  # a practice waived
        ("There's really only one way to deploy, and that's Kubernetes.", True),
    ],
)
def test_a_condition_or_a_single_place_is_no_reduction(sentence, sweeping):
    assert bool(sweeping_words(sentence)) is sweeping


@pytest.mark.parametrize(
    "sentence",
    [
        "We had a separate platform team who handled retraining.",
        "I've never been in a position to evaluate one, so I wouldn't know where to start.",
        "At my company the data science team handles all of that; they have their own tooling.",
        "I've been on the API side, so I'd have to ask them how they do versioning.",
    ],
)
def test_a_deflection_to_another_team_is_ignorance(sentence):
    assert professes_ignorance(sentence)


def test_a_team_that_handles_it_by_some_means_is_a_claim_not_a_deflection():
    assert not professes_ignorance("The platform team handles it by running canaries before every release.")


MYTH = "Model drift causes data drift; as the model degrades, the distribution of its input data shifts."
CORRECTION = "The causality runs the other way; data drift often leads to model drift."


@pytest.mark.parametrize(
    ("piece", "order"),
    [
        ("Typically data drift causes model drift.", "correction"),
        ("Model drift causes data drift.", "claim"),
        ("Model drift is caused by data drift.", "correction"),  # a passive turns it round
        ("Data drift is driven by model drift.", "claim"),
        ("Model drift and data drift are both kinds of drift.", None),  # no relation between the two
        ("Concept drift is a change in the feature-target relationship.", None),  # one term only
    ],
)
def test_a_reversed_relation_is_told_by_word_order(piece, order):
    assert relation_order(piece, MYTH, CORRECTION) == order


def test_a_myth_that_reverses_nothing_has_no_order():
    myth = "Give the new model to your most active users so you collect data faster."
    correction = "Users must be divided into groups at random. Hand-picking a segment biases the comparison."
    assert relation_order("Assign the most active users to the new model.", myth, correction) is None


ONLY_SOURCE = "Helps manage the model lifecycle and ensures that only approved and validated models are deployed."


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Registry stages like staging and production mean only validated, signed-off models get deployed.", False),
        ("Model versioning means only a date in the file name.", True),  # a reduction the source does not make
    ],
)
def test_only_restricting_what_the_source_restricts_is_no_reduction(sentence, sweeping):
    assert bool(sweeping_words(sentence, source=ONLY_SOURCE)) is sweeping


@pytest.mark.parametrize(
    ("sentence", "negated", "sweeping"),
    [
        ("The new triage model will cut unnecessary nurse callbacks by 5%.", False, False),
        ("Automated tests avoid redundant manual checks.", False, False),
        ("Monitoring a model in production is unnecessary.", True, True),
    ],
)
def test_cutting_waste_is_no_dismissal(sentence, negated, sweeping):
    assert is_negated(sentence) is negated
    assert bool(sweeping_words(sentence)) is sweeping


def test_too_much_of_something_to_include_waives_it():
    assert is_negated("Business KPIs are too noisy to include.")
    assert not is_negated("Business KPIs are included for every variant.")


def test_a_preference_is_read_with_its_alternatives_traded():
    assert contrast_readings("Orchestration in Airflow is about speed rather than consistency.") == (
        "Orchestration in Airflow is about speed",
        "Orchestration in Airflow is about consistency",
    )
    assert contrast_readings("Registries are tools for recording runs, so use them.") is None  # no preference
    assert contrast_readings("Automate things instead of doing them by hand.") is None  # nothing to line up
    assert contrast_readings("The test checks the lift is significant rather than noise.") is None  # a harm


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Linear models need scaling, whereas trees mostly don't care about it.", False),  # "almost never"
        ("That's mostly what I'd say MLOps adds on top.", False),  # a gist, as "basically what"
        ("For me it's mostly about never having the 'works on my laptop' conversation again.", False),  # a view
        ("Monitoring is mainly needed during training.", True),
        ("Drift is mostly a deep learning problem.", True),
    ],
)
def test_mostly_hedges_a_negation_or_a_gist_and_reduces_a_concept(sentence, sweeping):
    assert bool(sweeping_words(sentence)) is sweeping


def test_a_test_kept_short_is_the_opposite_of_one_run_long_enough():
    source = "Run long enough to account for temporal variations (e.g., day of week effects)."
    assert opposite("Keep the test as short as possible, ideally a few hours.", source)
    assert not opposite("Run it for a couple of weeks to cover weekly cycles.", source)


@pytest.mark.parametrize(
    ("sentence", "negated"),
    [
        ("Forget about lineage and approval gates.", True),  # a dismissal
        ("You can forget about tracking metrics.", True),
        ("There's no need to worry about drift monitoring.", True),  # the practice is waived
        ("No need to panic.", False),  # a harm the speaker heads off
        ("Don't forget to version the training data.", False),  # a reminder: two negations
        ("Teams forget to retrain.", False),  # a pitfall described, nothing waived
    ],
)
def test_forgetting_or_not_worrying_about_a_practice_dismisses_it(sentence, negated):
    assert is_negated(sentence) is negated


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Monitoring is a nice-to-have.", True),
        ("Pinning environments is optional.", True),
        ("Data scientists own it end to end, so ops never need to be involved.", True),
        ("Because it hooks into CI/CD, promotion never has to be a manual copy step.", False),  # a chore spared
    ],
)
def test_a_practice_called_optional_is_a_sweeping_claim(sentence, sweeping):
    assert bool(sweeping_words(sentence)) is sweeping


def test_not_having_been_on_the_production_side_is_ignorance():
    assert professes_ignorance("Drift is something I've heard about, but I haven't really been on the production side.")
    assert not professes_ignorance("I've been on the production side, so I watch the input distributions daily.")


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm familiar with CI/CD in general terms, but how it's adapted for ML, I honestly haven't dug into.",
        "I'd rather not make something up.",
        "I think I'd have to see the specific pipeline first.",
        "Every setup is different, so it's hard to say in general.",
    ],
)
def test_declining_to_answer_is_ignorance(sentence):
    assert professes_ignorance(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I looked into drift last year and we now monitor PSI daily.",
        "Canary deployments make a regression easy to see in the metrics.",
    ],
)
def test_a_claim_with_the_same_words_is_not_ignorance(sentence):
    assert not professes_ignorance(sentence)


@pytest.mark.parametrize(
    ("sentence", "sweeping"),
    [
        ("Batch scoring suits reports that run overnight when a few hours of delay doesn't matter.", False),
        ("Latency doesn't matter for a model in production.", True),  # the same words, claimed outright
        ("The training set comes mostly from weekday traffic.", False),  # a share of where data comes from
        ("After the redesign the app receives mostly Android sessions.", False),  # a share of what arrives
        ("Once pipelines run themselves, manual slip-ups mostly disappear.", False),  # a harm going away
        ("Monitoring is mostly about CPU graphs.", True),  # a concept reduced
    ],
)
def test_a_sweeping_word_in_a_condition_or_a_share_claims_nothing(sentence, sweeping):
    assert bool(sweeping_words(sentence)) is sweeping


def test_never_doing_something_unless_a_check_passes_is_a_gate_not_a_denial():
    assert not is_negated("Don't let any model reach production unless it beats the current one on the holdout.")
    assert is_negated("Never let a retrained model reach production.")


def test_never_having_thought_about_a_topic_is_ignorance():
    assert professes_ignorance("I've used registries, but I've never thought much about why they matter.")
    assert not professes_ignorance("I thought hard about the registry layout and picked MLflow.")


@pytest.mark.parametrize(
    ("clause", "subject"),
    [
        ("so reproducibility isn't a goal", "reproducibility"),
        ("Governance is not really needed", "Governance"),
        ("and lineage isn't a priority", "lineage"),
        ("Reproducibility isn't only about seeds", None),  # not only: a qualification
        ("Seeds are fixed for every run", None),
    ],
)
def test_a_practice_waved_away_names_its_subject(clause, subject):
    assert dismissed_subject(clause) == subject


def test_a_sweeping_claim_after_an_elliptical_condition_still_counts():
    assert sweeping_words("Copying the model over by hand when needed works fine.")


def test_a_which_clause_is_read_with_the_name_it_describes():
    texts = [
        p.text for p in reply_pieces("We serve it with TorchServe, which is a PyTorch model server, on Kubernetes.")
    ]
    assert "TorchServe is a PyTorch model server" in texts
    texts = [p.text for p in reply_pieces("It runs on TPUs, which is why training is fast.")]
    assert not any(t.startswith("TPUs is") for t in texts)  # "which is why" gives a reason, not a definition


def test_a_which_clause_after_a_list_describes_the_whole_list():
    reply = "We compared Kubeflow, Airflow and Prefect, which are all workflow orchestrators."
    assert not any(p.text.startswith("Prefect are") for p in reply_pieces(reply))


@pytest.mark.parametrize(
    "sentence",
    [
        "Model drift is basically a model getting worse in production as the world moves on.",
        "An ML pipeline is basically the automated path from raw data to a served model and back.",
        "MLOps is essentially a set of practices for running models in production reliably.",
    ],
)
def test_a_gist_of_what_a_concept_is_made_of_is_no_reduction(sentence):
    assert not sweeping_words(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "MLOps is basically DevOps with bigger GPUs.",
        "A model registry is basically a container registry for serving images.",
        "Blue-green is essentially the practice.",  # no "of ...": a name, not a gist
    ],
)
def test_a_concept_reduced_to_another_is_still_sweeping(sentence):
    assert sweeping_words(sentence)


def test_a_sentence_offering_both_alternatives_opposes_neither():
    source = "Serving the model for predictions (e.g., via API, batch processing, edge deployment)."
    clause = "either behind a REST API for real-time predictions"
    assert opposite(clause, source)  # the clause alone reads as real-time where the source says batch
    sentence = f"Once trained you deploy it, {clause} or as a nightly batch job."
    assert not opposite(clause, source, sentence)


def test_a_job_someone_else_did_is_ignorance():
    assert professes_ignorance("I only ever trained models in notebooks, and someone else handled the deployment.")


def test_an_unsure_aside_is_doubt_not_ignorance():
    """ "I'm not 100% sure, but I think X" still claims X; the aside alone describes nothing."""
    assert is_unsure_aside("though I'm not 100% sure how much of it we used.")
    assert not is_unsure_aside("TFX is what we used for pipelines")
    assert not professes_ignorance("I'm not 100% sure, but I think a pipeline runs the same steps each time.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Rollback stays manual because automated rollback tends to flap.",
        "I'd keep rollback manual on purpose and swap the file by hand, since automating it is too risky.",
    ],
)
def test_a_sentence_that_rejects_the_other_side_still_opposes(sentence):
    source = "Automate the rollback process using scripts or CI/CD pipeline steps."
    clause = sentence.split(" because ")[0].split(" and ")[0]
    assert opposite(clause, source, sentence)


def test_moving_off_one_side_onto_the_other_opposes_neither():
    source = "Automates deployment to target environments (staging, production)."
    sentence = "The payoff is moving a team off manual deploys onto a repeatable, automated workflow."
    assert not opposite("The payoff is moving a team off manual deploys onto a repeatable", source, sentence)


def test_a_piece_read_from_a_which_clause_is_checked_against_its_sentence_without_error():
    """ "NAME is X" is built from "NAME, which is X": its words need not stand in the sentence as they do in it."""
    sentence = "We relied on TorchServe, which is a batch job runner."
    assert opposite("TorchServe is a nightly batch job runner", "Serves real-time predictions.", sentence)
