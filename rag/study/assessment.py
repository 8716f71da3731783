"""The offline check of a reply: which points it states, hints at or contradicts, and its false claims.

A reply is read as pieces (its sentences, and their clauses of three words or more, since a
one-line reply often packs several points). Every piece is compared by embedding
similarity with every point's *content*: the point's text without its bold label, its
sentences, and the study bank's paraphrases of it. The label is never matched on its own,
a piece made only of point labels and filler words is not a claim ("Monitoring.
Detection. Diagnosis." covers nothing), nor is a sentence under four words ("Differential
privacy."), one that says the speaker does not know ("I couldn't explain the kinds of drift")
a clause that is only a condition ("When drift shows up"), labels glued by empty verbs
("leverage X, handle Y properly"), praise of the topic ("super important, obviously") or a
question back to the interviewer ("Before I answer, could you tell me what you mean by ...?").
A topic put as a short question is read into the sentence that answers it ("Container
scanning? Leave it out." denies container scanning). A clause
rejecting an alternative ("..., not straight to 100%") denies no point. A reply made mostly of bare term
lists ("Spark, Parquet, feature store, GPUs.") names points and covers none.

A piece credits a point when it is close to the point *and* closer to the point than to
the question: a reply that restates the question is about as similar to every point as a
real answer is (every point shares the question's topic), but closer still to the question.

A piece is a false claim, credits nothing and is listed, when it
* negates what the source states about the point it is about ("never version datasets",
  "there is no need to monitor", "avoid rollbacks"): the piece is negated (an odd number of
  negations) and the point's sentences it matches (the closest and those about as close) say
  nothing negative (no "not", "avoid", "prevent", "reduce", "instead" ..., which a faithful
  paraphrase may turn into "don't");
* matches one of the study bank's misconceptions for the entry closely, and better than its
  correction, the source sentence that refutes it and any point;
* opens by naming one point's concept (by its name, acronym or product name, see
  `concept_names.py`) but, with the names taken out, reads like another point's content (two
  strategies, tools or drift types with their properties swapped: "Blue-green is the gradual
  one: you send 5% of traffic ...", "CD is where the unit tests run"), or describes the named one
  only in the closest other point's own words ("canary keeps two identical
  environments and switches all traffic at once"), or joins two points'
  names with a copula the source never joins them with ("SageMaker is IBM's product"); the
  same holds for the named sub-items of one point ("Schedule-Based: ...", "Performance-Based: ...");
* says a named tool is for another point's job ("DVC for model serving"), a job its own text never
  speaks of;
* puts the entry's steps in another order, where the study bank gives them (`sequence.py`: "the
  lifecycle starts with training", "data preparation comes after deployment");
* is close to a point's sentence but says its opposite in one word ("all traffic at once"
  where the source says "a small percentage ... gradually increase");
* prefers something else to what the source states ("orchestration is about speed rather than
  consistency"): its clause read with the two alternatives traded is the one close to the source
  (`contrast_readings`), unless what it rejects is a harm, the source's opposite word or another
  option the source names;
* is a sweeping claim about a concept the points never make ("is basically", "is just an S3
  bucket", "only matters for", "by definition", "a myth", "no need" ...): the way myths are
  stated; the speaker's own practice, an instruction and a hedge are not ("we always know
  which inputs", "Always encrypt", "almost always cheaper"). The cues are in `claim_cues.py`.

A sentence the entry's answer states itself, or one that professes ignorance, is never a false claim.

On an entry of one or two points, each point is a whole answer (Setup, Process, Rollback,
Pros, Cons), so a point's credit also follows the share of its sentences the reply touches.

Thresholds were calibrated on `eval/grading_dev.jsonl` and the cues on `eval/grading_dev2.jsonl`,
`eval/grading_dev3.jsonl`, `dev4`, `check2` to `check9` (eleven more authors); method and figures, with
the held-out sets, in `eval/README.md`, "Grading" and its later rounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from rag.study.claim_cues import (
    NEGATION,
    NEGATIVE_SENSE,
    contrast_readings,
    dismissed_subject,
    disowns,
    is_bare_list,
    is_negated,
    is_unsure_aside,
    names_opposite,
    opens_with_negation,
    opposite,
    professes_ignorance,
    relation_order,
    sweeping_words,
    warns,
)
from rag.study.concept_names import STOPWORDS, concept_names, product_names, singular, without, words_of
from rag.study.rubric import Point
from rag.study.sequence import out_of_order
from rag.text import quote_key, split_sentences, stem

SIM_FLOOR = 0.40  # below: the piece is not about this point
SIM_FULL = 0.62  # above: the piece states the point (paraphrases land at 0.55-0.8)
MARGIN_FLOOR = 0.0  # the piece must be closer to the point than to the question ...
MARGIN_FULL = 0.15  # ... by this much for full credit
COVERED_AT = 0.6  # credit from which a point counts as covered ...
PARTIAL_AT = 0.3  # ... and as partly covered
NEGATION_SIM = 0.5  # a negated piece this close to a point's sentence contradicts it ...
NEGATIVE_CLAUSE_SIM = 0.7  # ... unless this close to a negatively worded clause of the point (under its label) ...
NEGATIVE_CLAUSE_MARGIN = 0.05  # ... and this much closer to it than to the sentence it seemed to deny (both labelled)
NEGATIVE_PART_MARGIN = 0.15  # ... or a negatively worded part of it about as close as its other parts (by this)
NEGATED_SPAN = 4  # ... or it negates the words that part negates (this many after the cue)
NEGATION_NEAR = 0.05  # ... unless a sentence of that point about as close (by this much) is worded negatively too
MISCONCEPTION_SIM = 0.85  # a piece this close to a bank claim (and closer than to its correction) repeats it
MISCONCEPTION_MARGIN = 0.1
MISCONCEPTION_LEAN = 0.7  # a sentence repeats a myth when one of its clauses is this close to it too
RELATION_SIM = 0.7  # a piece naming a reversed myth's two terms in its order, this close to it, repeats it
# ... and closer than to the refuting source sentence read under its point's label by this much: "Concept drift
# is when the relationship ... changes" is as close to "Concept Drift: ... the relationship ... changes" as to
# the myth "Concept drift means the input distribution has shifted"; the myth itself is a little closer to the myth
MISCONCEPTION_CONTEXT_MARGIN = 0.03
SWAP_SIM = 0.55  # a piece naming point A this close to point B's content ...
SWAP_MARGIN = 0.08  # ... and this much closer to B than to A binds B's properties to A ...
SWAP_RATIO = 1.2  # ... and this many times closer: tools whose texts overlap ("MLflow: tracking + registry") fit both
SWAP_OWN_WORDS = 3  # ... or uses this many words only B's content uses and none only A's uses: "canary keeps two
# identical environments and switches all traffic at once" reads as close to canary as to blue-green by embedding
MISUSE_OWN_MAX = 0.45  # a tool said to be for a job its own text reads this far from is given another's job
OVERCLAIM_SIM = 0.4  # a sweeping sentence this close to some point is a claim about the entry
OPPOSITE_SIM = 0.55  # a piece this close to a point's sentence that says the opposite in one word contradicts it
CONTRAST_SIM = 0.5  # a sentence preferring A to B whose reading with B is this close to the source ...
CONTRAST_MARGIN = 0.05  # ... and this much closer than the sentence as it stands rejects what the source states
FEW_POINTS = 2  # an entry with this many points or fewer ...
MIN_SUB_ITEMS = 3  # ... whose point has this many sentences (Setup, Process, Rollback, Pros, Cons) ...
SUB_ITEM_SHARE = 0.7  # ... credits it in proportion to the share of them touched: covered from 0.42, partly from 0.21
SUBJECT_WORDS = 4  # a clause about another point names it in this many first words ("there's a separate validation")
SWAP_MIN_WORDS = 4  # names taken out, a sentence needs this many content words to say something about them
MIN_CONTENT_WORDS = 2
STEM_CHARS = 5  # words sharing this many first letters are one word's forms ("private", "privacy")
LIST_SHARE = 0.5  # a reply with this share of its words in bare term lists ...
LIST_CREDIT = 0.0  # ... credits a point at most this much
TERSE_MIN_WORDS = 12  # ... and so does a reply of this many words ...
TERSE_SHARE = 0.05  # ... with under this share of function words: terms strung together, no sentence
LABEL_SHARE = 0.45  # so does a reply with this share of its words taken from the points' labels
VAGUE_WORDS = frozenset(  # filler that names no content: "really all about ... key concepts that come together"
    "really basically actually key important concept concepts thing things stuff part parts picture piece pieces "
    "together come comes around whole overall general generally various kind kinds sort sorts lot lots way ways "
    "aspect aspects area areas topic topics element elements factor factors properly right good "
    "get gets got getting handle handles handled handling deal deals dealt doing done make makes made "
    # empty verbs and praise that glue labels into a sentence: "leverage X, take care of Y, so it's all solid"
    "want wants leverage leverages leveraging drive drives take takes care lean leans solid pretty much "
    "everything all end story grade production-grade proactive observable approach approaches depends depend "
    "option options crucial essential matters matter valuable visibility insight insights give gives "
    "happen happens going big great know knows because what's that's it's there's here's say says mean i'd i'm "
    "definitely something anything think yeah specifics specific company companies "
    # intensifiers and agreement: "Monitoring is super important, obviously; everybody agrees, we prioritize it"
    "super very extremely hugely obviously clearly absolutely totally truly certainly surely simply honestly "
    "reason reasons priority priorities prioritize prioritise agree agrees everybody everyone work works working "
    "moving board sure robust need needs stay stays quite own".split()
)
MIN_CLAIM_WORDS = 4  # a shorter sentence names a term ("Differential privacy."), it claims nothing
MAX_REPLY_CHARS = 6000
MAX_PIECES = 150
MIN_CLAUSE_WORDS = 3

_HEADING = re.compile(r"\s*((?:(?!(?:i|you|we|they|it|then|so)\b)[A-Za-z][\w&/-]*\s*){1,4}):\s", re.IGNORECASE)
_CLAUSE = re.compile(r"\s*(?:[,;:()]|\s-\s|\s—\s)\s*|\s+(?:and|or|so|then|but|while|which|because)\s+", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_LABEL_WORD = re.compile(r"[a-z0-9][a-z0-9'&/-]*")
# "between features and target", "both X and Y": one term, not two clauses
_PAIR = re.compile(r"\b((?:between|both|either)\s+(?:\S+\s+){1,4}?)(and|or)\s+", re.IGNORECASE)
_PAIR_JOIN = "\x00"
# a name and what a "which" clause says it is: read as "NAME is ...", since the clause split cuts the name off
_APPOSITIVE = re.compile(
    r"\b([A-Z][\w.+/'-]*(?:\s+(?:&\s+)?[A-Z][\w.+/'-]*)*),\s+which\s+(is|are)\s+(?!why|where|when|how|what)"
    r"([^,;:.!?—]{3,})"
)
# a clause that opens by referring back ("...; it's basically the data lake") speaks of the sentence's own subject
_BACK_REFERS = re.compile(r"\s*(?:it|it's|its|that|that's|this|they|they're|which)\b", re.IGNORECASE)
_LIST_END = re.compile(r"(?:\band|\bor|,)\s+$", re.IGNORECASE)
_WHOLE_LIST = re.compile(r"\s*(?:all|both|each|together)\b", re.IGNORECASE)
# "Spark for the data, distributed training for large models, and Kubernetes for serving": three items or more
_SERIES = re.compile(r"[^,;]+,[^,;]+,\s*(?:and|or)\s+[^,;]+", re.IGNORECASE)
_CONTRASTS = re.compile(r"\b(?:instead|rather|unlike|than|versus|vs|compared|whereas|both|either)\b", re.IGNORECASE)
_DEFINES = re.compile(r"\b(?:is|are|means|mean|refers? to|describes?)\b", re.IGNORECASE)  # "X is where ..."
_SUB_ITEM = re.compile(r"([A-Z][\w&/()' -]{1,40}?):\s+\S")  # "Schedule-Based: Retrain at regular intervals"
DEFINITION_WORDS = 6  # a clause defines the point it names when a copula comes within its first words


_REQUEST = re.compile(r"\s*(?:(?:could|can|would|will) you|what do you mean|do you mean)\b", re.IGNORECASE)
# a question back to the interviewer anywhere in it: "Before I answer, could you tell me what you mean by drift?"
_ASKS_BACK = re.compile(
    r"\b(?:(?:could|can|would|will) you|you mean|tell me|give me|are you|you asking|in mind|you'd like|you want me|"
    r"clarify|we talking about|come back to|move on)\b",
    re.IGNORECASE,
)
# a topic put as a question and answered by the next sentence: "Versioning data? Nobody does that."
_TOPIC_QUESTION_WORDS = 6
_NOT_A_TOPIC = re.compile(
    r"\s*(?:what|why|how|when|where|which|who|whose|is|are|am|was|were|do|does|did|can|could|would|will|should|"
    r"shall|has|have|had|may|might|must|maybe|perhaps|sorry|so|and|or|but|then)\b",
    re.IGNORECASE,
)
# a view's clauses, its lists kept whole: "Let the pipeline run the steps | so people aren't making slip-ups"
_VIEW_CLAUSE = re.compile(
    r"\s*[;:()]\s*|\s+[-—]\s+|,?\s+(?:so|but|because|since|while|which|whereas|leading to|causing)\s+|"
    r",\s+(?=(?:and|or)\s+(?:whether|if|how|so|then|it|they|this)\b)",
    re.IGNORECASE,
)
_REJECTION = re.compile(r"\s*(?:not|rather than|instead of)\b", re.IGNORECASE)  # "..., not straight to 100%"
# the part of a clause that a negation is in: "(making a model obsolete even) if the inputs haven't changed"
_DENIAL_WORDS = r"(?:\bnot\b|n't\b|\bno\b|\bnever\b|\bwithout\b)"
_DENIAL = re.compile(_DENIAL_WORDS, re.IGNORECASE)
_NEGATIVE_TAIL = re.compile(
    r"\b(?:if|when|where|that|which|though|although|unless)\b(?:(?!\b(?:if|when|where|that|which)\b).)*?"
    + _DENIAL_WORDS
    + r".*$",
    re.IGNORECASE,
)
# a clause opening with these is a condition ("When drift shows up"), the claim is in the clause it governs
_CONDITION = re.compile(r"\s*(?:when|whenever|if|once|as soon as|after|before|until|unless)\b", re.IGNORECASE)
_ADVICE = re.compile(  # ... unless it runs on into what to do: "Once drift is confirmed you should never retrain"
    r"\b(?:you|we|i|one)\s+(?:should|must|need to|have to|can|'d|'ll|would|will)\b|\b(?:should|must)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Claim:
    """A false claim found in a reply: its sentence, what is right instead, and the source's sentence."""

    claim: str
    correction: str
    source: str

    def to_json(self) -> dict:
        return {"claim": self.claim, "correction": self.correction, "source": self.source}


@dataclass
class Assessment:
    """Per point (in rubric order): its credit 0..1, whether a piece contradicts it; and the false claims."""

    credits: list[float]
    contradicted: list[bool]
    related: list[float]  # best raw similarity of any piece to the point (what an LLM verdict is checked against)
    incorrect: list[Claim] = field(default_factory=list)

    def state(self, i: int) -> str:
        if self.contradicted[i]:
            return "contradicted"
        if self.credits[i] >= COVERED_AT:
            return "covered"
        if self.credits[i] >= PARTIAL_AT:
            return "partial"
        return "missed"


@dataclass(frozen=True)
class _Piece:
    text: str
    sentence: str
    negated: bool
    has_clauses: bool = False  # a sentence whose clauses are pieces too
    said: str = ""  # the reply's own words, when `sentence` reads a topic question into its answer


def assess(
    embedder,
    points: list[Point],
    question: str,
    reply: str,
    misconceptions=(),
    vectors=None,
    answer: str = "",
    sequence=(),
) -> Assessment:
    """The offline check of `reply` against `points` (see the module docstring).

    `misconceptions`: the study bank's items for the entry (`claim`, `correction`, `source`).
    `vectors`: a function texts -> unit vectors for corpus texts (cached); the embedder otherwise.
    `answer`: the entry's answer; a sentence of the reply found in it is the source's own claim, never a false one.
    `sequence`: the study bank's steps of the entry in order (`sequence.Step`), when its answer is a sequence.
    """
    n = len(points)
    pieces = reply_pieces(reply)
    empty = Assessment([0.0] * n, [False] * n, [0.0] * n)
    if not pieces or not points:
        return empty
    corpus_vectors = vectors or embedder.embed
    piece_vectors = np.asarray(embedder.embed([p.text for p in pieces]))
    to_question = piece_vectors @ np.asarray(embedder.embed_query(question))
    views = [_views(point) for point in points]
    flat = [v for group in views for v in group]
    view_vectors = np.asarray(corpus_vectors(flat))
    sims_all = piece_vectors @ view_vectors.T  # pieces x views
    per_point, start = [], 0
    for group in views:
        block = sims_all[:, start : start + len(group)]
        per_point.append(block)
        start += len(group)
    best = np.stack([block.max(axis=1) for block in per_point], axis=1)  # pieces x points

    # what a piece must say beyond naming: words other than the labels', the question's and vague filler
    named_only = {w for point in points for w in _words(point.label)} | _words(question) | VAGUE_WORDS
    question_stems = {w[:STEM_CHARS] for w in _content_words(question) if len(w) >= STEM_CHARS}
    answer_key = quote_key(answer)
    ignorant = {s: professes_ignorance(s) for s in {p.sentence for p in pieces}}
    ordered = list(dict.fromkeys(p.sentence for p in pieces))
    for before, after in zip(ordered, ordered[1:]):  # "... and go from there? But I'm guessing": a guess taken back
        if disowns(after):
            ignorant[before] = True
    in_answer = {s: bool(answer_key) and quote_key(s) in answer_key for s in ignorant}
    substantive = np.array(
        [
            len(_beyond(_content_words(p.text) - named_only, question_stems)) >= MIN_CONTENT_WORDS
            and _claims(p.sentence)
            and not ignorant[p.sentence]
            and not _is_condition(p)
            and not _asks_back(p.sentence)  # "Could you tell me more about the pipeline?" asks, states nothing
            for p in pieces
        ]
    )
    false_piece = np.zeros(len(pieces), dtype=bool)
    # no claim to check: the speaker does not know, or the source says it itself
    # "Docker, Kubernetes, Prometheus." names, it claims nothing ("Never use canary, blue-green or A/B" denies)
    listed = {s: is_bare_list(s) and not NEGATION.search(s) for s in ignorant}
    states_nothing = np.array([ignorant[p.sentence] or in_answer[p.sentence] or listed[p.sentence] for p in pieces])
    contradicted = [False] * n
    incorrect: dict[str, Claim] = {}

    # a misconception from the study bank
    if misconceptions:
        claims = np.asarray(embedder.embed([m.claim for m in misconceptions]))
        corrections = np.asarray(embedder.embed([m.correction for m in misconceptions]))
        to_claim = piece_vectors @ claims.T
        to_correction = piece_vectors @ corrections.T
        sources = [m.source for m in misconceptions]
        to_refuting = piece_vectors @ np.asarray(corpus_vectors(sources)).T
        to_refuting_in_context = piece_vectors @ np.asarray(corpus_vectors([_in_context(s, points) for s in sources])).T
        myth_cued = [bool(sweeping_words(m.claim, anywhere=True) or NEGATION.search(m.claim)) for m in misconceptions]
        repeats: dict[int, int] = {}  # piece -> the myth it repeats
        leans: dict[int, int] = {}  # piece -> the myth it is near (a clause of a sentence that repeats it)
        # a myth that reverses a relation is told from its correction by word order, not by closeness
        orders = [[relation_order(p.text, m.claim, m.correction) for m in misconceptions] for p in pieces]
        for k, piece in enumerate(pieces):
            if states_nothing[k]:
                continue
            reversed_myths = [j for j in range(len(misconceptions)) if orders[k][j] == "claim"]
            if reversed_myths and to_claim[k, reversed_myths].max() >= RELATION_SIM:  # the relation the wrong way round
                repeats[k] = max(reversed_myths, key=lambda j: to_claim[k, j])
                continue
            j = int(to_claim[k].argmax())
            if orders[k][j] == "correction":  # "data drift causes model drift" for "model drift causes data drift"
                continue
            if myth_cued[j] and not (piece.negated or sweeping_words(piece.text, anywhere=True)):
                # the myth is a reduction or a denial ("is just a storage bucket"); the piece itself reduces or
                # denies nothing ("protect the model weights from extraction" in a sentence that denies elsewhere)
                continue
            closer = max(
                max(to_correction[k, j], to_refuting[k, j], best[k].max()) + MISCONCEPTION_MARGIN,
                to_refuting_in_context[k, j] + MISCONCEPTION_CONTEXT_MARGIN,
            )
            if to_claim[k, j] < closer:
                continue
            if to_claim[k, j] >= MISCONCEPTION_SIM:
                repeats[k] = j
            if to_claim[k, j] >= MISCONCEPTION_LEAN:
                leans[k] = j
        for k, j in repeats.items():
            piece = pieces[k]
            if piece.has_clauses and not any(
                leans.get(k2) == j for k2, other in enumerate(pieces) if other.sentence == piece.sentence and k2 != k
            ):
                continue  # a myth is stated in one clause; a sentence near it only as a whole mixes several claims
            false_piece[k] = True
            m = misconceptions[j]
            incorrect[piece.sentence] = Claim(piece.sentence, m.correction, m.source)  # the bank's words win

    # negation of a stated point: a piece read clause by clause, against the point's single sentences
    # a denial close enough to a point's sentence to be told true or false (the source's own sentence is true)
    judged = np.array([in_answer[p.sentence] for p in pieces], dtype=bool)
    sentence_views = [[j for j, v in enumerate(group) if len(split_sentences(v)) <= 1] for group in views]
    for k, piece in enumerate(pieces):
        if piece.has_clauses or states_nothing[k] or _is_condition(piece) or _is_rejection(piece):
            continue  # its clauses are checked instead: a negation belongs to the clause it is in
        options = [(float(per_point[i][k, j]), i, j) for i in range(n) for j in sentence_views[i]]
        if not options:
            continue
        sim, i, j = max(options)
        if sim < NEGATION_SIM:
            continue
        matched = views[i][j]
        flipped = [  # of the point the piece is about: "batch is cheaper" does not flip the real-time point
            (i2, views[i2][j2])
            for s2, i2, j2 in options
            if s2 >= OPPOSITE_SIM
            and best[k, i2] >= best[k].max() - NEGATION_NEAR
            and opposite(piece.text, views[i2][j2], piece.sentence)
        ]
        if flipped:
            i, matched = flipped[0]
        near = [views[i][j2] for s2, i2, j2 in options if i2 == i and s2 >= max(NEGATION_SIM, sim - NEGATION_NEAR)]
        # a denied opposite agrees with the source: "canary never exposes everyone at once" for "gradually"
        denies = piece.negated and not any(
            names_opposite(piece.text, v) or _matches_negative_part(piece.text, piece_vectors[k], v, corpus_vectors)
            for v in near
        )
        if denies:  # "concept drift with no visible change in the inputs": "even if the inputs haven't changed"
            label = points[i].label  # both read under the label, which the piece names as often as not
            near_negative = _negative_clause_sim(piece_vectors[k], label, views[i], corpus_vectors)
            to_matched = float(np.asarray(corpus_vectors([f"{label}: {matched}"]))[0] @ piece_vectors[k])
            denies = near_negative < max(NEGATIVE_CLAUSE_SIM, to_matched + NEGATIVE_CLAUSE_MARGIN)
        judged[k] = True
        if denies or flipped:
            false_piece[k] = True
            contradicted[i] = True
            incorrect.setdefault(
                piece.sentence, Claim(piece.sentence, _correction(points[i], matched), _source_sentence(points[i]))
            )
    # a point waved away by its name: "so reproducibility isn't a goal" (no sentence of the point says it that way)
    for k, piece in enumerate(pieces):
        if false_piece[k] or states_nothing[k] or piece.has_clauses or _is_condition(piece):
            continue
        i = _dismissed_point(piece.text, points)
        if i is not None:
            false_piece[k] = True
            contradicted[i] = True
            source = _source_sentence(points[i])
            correction = f"The source counts {points[i].label} as part of the answer: {source}"
            incorrect.setdefault(piece.sentence, Claim(piece.sentence, correction, source))
    # a sweeping claim the source does not make: "is basically", "always", "by definition", "a myth", "no need"
    source_text = " ".join(v for group in views for v in group)
    source_sweeping = sweeping_words(source_text, anywhere=True)
    named = " ".join([source_text, answer, *(point.label for point in points)])  # what the source names
    for k, piece in enumerate(pieces):
        if false_piece[k] or states_nothing[k] or piece.text != piece.sentence or best[k].max() < OVERCLAIM_SIM:
            continue
        words = sweeping_words(piece.text, source=named) - source_sweeping
        if words:
            i = int(best[k].argmax())
            false_piece[k] = True
            source = _source_sentence(points[i])
            correction = f"The source makes no such sweeping claim ({', '.join(sorted(words))}): {source}"
            incorrect.setdefault(piece.sentence, Claim(piece.sentence, correction, source))

    # a preference the wrong way round: "orchestration is about speed rather than consistency"
    done = false_piece | states_nothing
    for k, i, matched in _rejects_source(embedder, pieces, done, view_vectors, views):
        false_piece[k] = True
        contradicted[i] = True
        correction = f"The source says what this rejects: {matched.rstrip('.')}."
        incorrect.setdefault(pieces[k].sentence, Claim(pieces[k].sentence, correction, _source_sentence(points[i])))

    # properties of one point bound to another: with the concepts' names taken out, the piece reads like another point;
    # a point named by its label, then by a product its text names ("Flink is a model serving platform")
    by_products = _with_products(points, source_text)  # points named also by the products their text names
    for concepts, define in ((points, "clauses"), (by_products, "always")):
        done = false_piece | states_nothing
        for k, a, b in _swapped(embedder, corpus_vectors, concepts, views, source_text, pieces, done, define=define):
            false_piece[k] = True
            contradicted[a] = True
            source = _source_sentence(points[a])
            correction = f"That describes {points[b].label}, not {points[a].label}. {source}"
            incorrect.setdefault(pieces[k].sentence, Claim(pieces[k].sentence, correction, source))

    # a tool said to be for another point's job: "DVC for model serving", "Prometheus for experiment tracking"
    for concepts in (points, by_products):
        done = false_piece | states_nothing
        for k, a, b in _misused(embedder, corpus_vectors, concepts, views, source_text, pieces, done):
            false_piece[k] = True
            contradicted[a] = True
            source = _source_sentence(points[a])
            correction = f"That is what {points[b].label} is for, not {points[a].label}. {source}"
            incorrect.setdefault(pieces[k].sentence, Claim(pieces[k].sentence, correction, source))

    # the same within a point: its named sub-items swapped ("schedule-based retraining fires when metrics drop")
    subs, parents = _sub_concepts(points)
    sub_views = [[content_of(sub)] for sub in subs]
    done = false_piece | states_nothing
    for k, a, b in _swapped(embedder, corpus_vectors, subs, sub_views, source_text, pieces, done, define="never"):
        false_piece[k] = True
        contradicted[parents[a]] = True
        correction = f"That describes {subs[b].label}, not {subs[a].label}. {subs[a].text}"
        incorrect.setdefault(pieces[k].sentence, Claim(pieces[k].sentence, correction, subs[a].text))

    # the source's steps in another order: "the lifecycle starts with training", "evaluate offline afterwards"
    if sequence:
        labels = [point.label.lower() for point in points]
        sentences = [s for s in dict.fromkeys(p.sentence for p in pieces) if not (ignorant[s] or in_answer[s])]
        for claim in out_of_order(sentences, list(sequence)):
            i = labels.index(claim.label.lower()) if claim.label.lower() in labels else None
            source = _source_sentence(points[i]) if i is not None else ""
            if i is not None:
                contradicted[i] = True
            incorrect.setdefault(claim.sentence, Claim(claim.sentence, claim.correction, source))

    for k, piece in enumerate(pieces):  # a sentence with a false claim in it credits nothing, clause by clause
        if piece.sentence in incorrect:
            false_piece[k] = True
    on_point = _ramp(best, SIM_FLOOR, SIM_FULL)
    beyond_question = _ramp(best - to_question[:, None], MARGIN_FLOOR, MARGIN_FULL)
    credit = np.minimum(on_point, beyond_question)
    credit[~substantive | false_piece | _unjudged_denials(pieces, judged)] = 0.0
    if names_only(reply) or label_share(reply, points) >= LABEL_SHARE:  # it names the points, it explains none
        credit = np.minimum(credit, LIST_CREDIT)
    credits = [float(credit[:, i].max()) for i in range(n)]
    if n <= FEW_POINTS:  # each point is a whole answer of its own: full credit needs most of its sub-items
        item_credit = np.minimum(
            _ramp(sims_all, SIM_FLOOR, SIM_FULL), _ramp(sims_all - to_question[:, None], MARGIN_FLOOR, MARGIN_FULL)
        )
        item_credit[~substantive | false_piece] = 0.0
        start = 0
        for i, group in enumerate(views):
            items = [start + j for j, v in enumerate(group) if v in _sub_items(points[i])]
            start += len(group)
            if len(items) >= MIN_SUB_ITEMS:
                share = float((item_credit[:, items].max(axis=0) >= PARTIAL_AT).mean())
                credits[i] = min(credits[i], share / SUB_ITEM_SHARE)
    related = [float(best[:, i].max()) for i in range(n)]
    said = {p.sentence: p.said for p in pieces if p.said}  # a claim is quoted in the reply's own words
    claims = [Claim(said.get(c.claim, c.claim), c.correction, c.source) for c in incorrect.values()]
    return Assessment(credits, contradicted, related, claims)


def _swapped(
    embedder, corpus_vectors, points, views, source_text, pieces, false_piece, define: str = "clauses"
) -> list[tuple[int, int, int]]:
    """(piece, named point, point it describes) for each piece that binds one point's properties to another.

    A clause that names one point in its first words is read with all names taken out: when it
    is then closer to another point's content than to its own, by SWAP_MARGIN, it describes that
    other point; so it does when it uses only the closest other point's own words (`_uses_words_of`).
    A clause that joins two points' names by a copula the source never joins them with ("SageMaker
    is IBM's product") says one is the other, unless the first one's label joins them ("TFX
    (TensorFlow Extended)"). `define`: where a piece must define
    what it names (a copula in its first words) to be checked: "clauses" naming a point by its name
    words (not a list of steps), "never" (sub-items' names, "schedule-based", are distinctive), or
    "always" (a product named in a list of steps, "Everything in Git, a CI job that ...", is no definition).
    """
    n = len(points)
    if n < 2:
        return []
    names = concept_names([p.label for p in points], source_text)
    all_words = names.all_words()
    found: list[tuple[int, int, int]] = []
    candidates = []
    for k, piece in enumerate(pieces):
        if false_piece[k]:
            continue
        pair = names.bound(piece.text)
        if (
            pair
            and not any(set(pair) <= names.named_in(v) for group in views for v in group)
            and pair[1] not in names.named_in(points[pair[0]].label)  # "TFX is TensorFlow's ...": its label says so
        ):
            found.append((k, pair[0], pair[1]))
            continue
        # a clause names a point surely by an acronym or product name ("CD is ..."), by its name words only
        # when it defines it ("..., while Tracking is where you manage model versions"), not in a list of steps
        clause = piece.text != piece.sentence
        defines = define == "never" or bool(_DEFINES.search(_opening(piece.text)))
        named = names.named_by_subject(piece.text, aliases_only=clause and not defines)
        if define == "always" and not defines:
            continue
        if (
            len(named) == 1
            and len(names.named_in(piece.text)) == 1  # a list of several tools is checked clause by clause
            and not (piece.has_clauses and _SERIES.search(piece.text))  # so is a series of what to use for what
            and len(_content_words(without(piece.text, all_words))) >= SWAP_MIN_WORDS
        ):
            candidates.append((k, named[0]))
    if not candidates:
        return found
    neutral_views = [[without(v, all_words) for v in group] for group in views]
    own_stems = _point_stems(views, all_words)
    neutral_vectors = np.asarray(corpus_vectors([v for group in neutral_views for v in group]))
    label_stems = [{stem(w) for w in _content_words(point.label)} for point in points]
    label_words = {w for point in points for w in _content_words(point.label)}
    read = {k: _read_for_swap(pieces, k, a, label_stems, label_words) for k, a in candidates}
    neutral_pieces = np.asarray(embedder.embed([without(read[k].text, all_words) for k, _ in candidates]))
    sims = neutral_pieces @ neutral_vectors.T
    for row, (k, a) in enumerate(candidates):
        per, start = [], 0
        for group in neutral_views:
            per.append(float(sims[row, start : start + len(group)].max()))
            start += len(group)
        named = names.named_in(pieces[k].text)
        b = int(np.argmax(per))
        if b != a and b not in named:
            if per[b] >= SWAP_SIM and per[b] - per[a] >= SWAP_MARGIN and per[b] >= SWAP_RATIO * per[a]:
                found.append((k, a, b))
                continue
        # else the closest other point, checked by words: an embedding barely tells two strategies' descriptions apart
        others = [i for i in range(n) if i != a and i not in named]
        if others:
            b = max(others, key=lambda i: per[i])
            if _uses_words_of(read[k], own_stems[b] - own_stems[a], own_stems[a] - own_stems[b], all_words):
                found.append((k, a, b))
    return found


def _read_for_swap(pieces: list[_Piece], k: int, a: int, label_stems: list[set[str]], label_words: set[str]) -> _Piece:
    """The piece read for a swap of point `a`: a sentence of several clauses without the speaker's doubts and
    from the first clause that names another point by a word of its own label (and not `a`) on. "After that
    evaluation on a hold-out set, and there's a separate validation step where you compare against the current
    model" gives validation its own clause, so the sentence binds nothing of it to evaluation; "The registry
    serves predictions over HTTP, which replaces a separate deployment step" still reads like deployment.
    `label_stems`: each point's label words by their stems; `label_words`: all the labels' words."""
    piece = pieces[k]
    if not piece.has_clauses:
        return piece
    shared = {w for i, stems in enumerate(label_stems) if i != a for w in stems}
    own = label_stems[a] - shared  # "evaluation" of "Model Evaluation", not "model"
    others = {w for i, stems in enumerate(label_stems) if i != a for w in stems - label_stems[a]}
    clauses = [c.text for c in pieces if c.sentence == piece.sentence and c.text != piece.sentence]
    text = piece.text
    for clause in clauses:  # "..., though I'm not 100% sure I used all of its features": doubt, no description
        if is_unsure_aside(clause):
            text = text.replace(clause, " ")
    said = [{stem(w) for w in _content_words(c)} for c in clauses]
    opens = [{stem(w) for w in _WORD.findall(c.lower())[:SUBJECT_WORDS]} for c in clauses]
    start = next(
        (
            j
            for j, words in enumerate(said)
            if opens[j] & others and not words & own and not _BACK_REFERS.match(clauses[j])
        ),
        None,
    )
    at = text.find(clauses[start]) if start is not None else -1
    if at >= 0:
        # the other point's clause runs to the sentence's end ("... or baseline model and check for bias"), but
        # for clauses that name `a` again
        rest = " ".join([text[:at], *(c for c, words in zip(clauses[start:], said[start:]) if words & own)])
        # "The model registry is where raw data gets ingested": the clause is what the sentence says of `a`
        if len(_content_words(without(rest, label_words))) >= SWAP_MIN_WORDS:
            text = rest
    return piece if text == piece.text else replace(piece, text=text)


def _point_stems(views: list[list[str]], name_words: set[str]) -> list[set[str]]:
    """Each point's content words by their roots (`_root`), its name words left out."""
    return [
        {_root(w) for v in group for w in _content_words(without(v, name_words)) if w not in VAGUE_WORDS}
        for group in views
    ]


def _root(word: str) -> str:
    """A word's stem cut to STEM_CHARS letters: the stem joins inflections a cut alone misses ("scoring",
    "score"; "nightly", "night"), the cut joins derivations the stem keeps apart ("smaller", "small")."""
    return stem(word)[:STEM_CHARS]


def _uses_words_of(piece: _Piece, theirs: set[str], own: set[str], name_words: set[str]) -> bool:
    """Whether a piece that names one point describes it only in another's words: SWAP_OWN_WORDS or more words
    only the other point's content uses, none only its own, and no denial or contrast that would set them apart
    ("unlike blue-green, a canary needs no second environment"). Names are left out, as they are of the points'
    words: "stream processing" names its point, it does not describe it."""
    if piece.negated or _CONTRASTS.search(piece.sentence):
        return False
    stems = {_root(w) for w in _content_words(without(piece.text, name_words))}
    return len(stems & theirs) >= SWAP_OWN_WORDS and not stems & own


def _misused(embedder, corpus_vectors, points, views, source_text, pieces, done) -> list[tuple[int, int, int]]:
    """(piece, named point, point whose job it is) for each piece saying a named point is for another's job.

    "DVC for model serving": what follows "for", with every name taken out, is read against each
    point's content; when it reads like another point's (SWAP_SIM, by SWAP_MARGIN more than the
    named one's), not like the named one's at all (below MISUSE_OWN_MAX: tools share jobs, "MLflow
    for experiment tracking" is true though Weights & Biases reads closer) and that other point is
    not named in the piece, the named one is given the wrong job.
    """
    names = concept_names([p.label for p in points], source_text)
    all_words = names.all_words()
    candidates = []
    for k, piece in enumerate(pieces):
        if done[k] or piece.has_clauses:
            continue
        for a, purpose in names.purposes(piece.text):
            neutral = without(purpose, all_words)
            if len(_content_words(neutral)) >= MIN_CONTENT_WORDS:
                candidates.append((k, a, neutral))
    if not candidates:
        return []
    neutral_views = [[without(v, all_words) for v in group] for group in views]
    neutral_vectors = np.asarray(corpus_vectors([v for group in neutral_views for v in group]))
    sims = np.asarray(embedder.embed([neutral for _, _, neutral in candidates])) @ neutral_vectors.T
    found, seen = [], set()
    for row, (k, a, _) in enumerate(candidates):
        per, start = [], 0
        for group in neutral_views:
            per.append(float(sims[row, start : start + len(group)].max()))
            start += len(group)
        b = int(np.argmax(per))
        if k in seen or b == a or b in names.named_in(pieces[k].text):
            continue
        if per[b] >= SWAP_SIM and per[b] - per[a] >= SWAP_MARGIN and per[a] < MISUSE_OWN_MAX:
            found.append((k, a, b))
            seen.add(k)
    return found


def _rejects_source(embedder, pieces, done, view_vectors, views) -> list[tuple[int, int, str]]:
    """(piece, point, source view) for each sentence that prefers something to what the source states.

    The sentence is read as it stands and with its alternatives traded (`contrast_readings`); when the
    traded reading is the closer to the source, the sentence rejects the source's own claim.
    """
    readings = {
        k: r for k, p in enumerate(pieces) if not done[k] and p.text == p.sentence and (r := contrast_readings(p.text))
    }
    if not readings:
        return []
    texts = [text for pair in readings.values() for text in pair]
    vectors = np.asarray(embedder.embed(texts))
    sims = vectors @ view_vectors.T
    owner = [(i, v) for i, group in enumerate(views) for v in group]
    found = []
    for row, k in enumerate(readings):
        stands, traded = sims[2 * row], sims[2 * row + 1]
        j, j_stands = int(traded.argmax()), int(stands.argmax())
        if traded[j] < CONTRAST_SIM or traded[j] - stands[j_stands] < CONTRAST_MARGIN:
            continue
        if owner[j_stands][0] != owner[j][0] and stands[j_stands] >= CONTRAST_SIM:
            continue  # one option the source names preferred to another ("a canary instead of switching at once")
        if names_opposite(texts[2 * row + 1], owner[j][1]):
            continue  # what is rejected is the opposite of the source's word ("by pipelines instead of by hand")
        found.append((k, owner[j][0], owner[j][1]))
    return found


def _with_products(points: list[Point], source_text: str) -> list[Point]:
    """The points labelled also by the products their text names ("Kafka Streams", "TorchServe"), so a reply
    naming a product names its point. Words of any label are left to the labels ("Blue-Green": blue, green)."""
    label_words = {w for p in points for w in words_of(p.label)}
    return [
        Point(
            label=" ".join(
                [*(n for n in product_names(content_of(p), source_text) if n.lower() not in label_words), p.label]
            ),
            text=p.text,
        )
        for p in points
    ]


def _sub_concepts(points: list[Point]) -> tuple[list[Point], list[int]]:
    """The named sub-items of each point ("Schedule-Based: Retrain at regular intervals"), as points of their own,
    with the index of the point each belongs to. A point's sub-items are alternatives or parts an answer
    may bind to one another, just as it may bind two points."""
    subs: list[Point] = []
    parents: list[int] = []
    for i, point in enumerate(points):
        for sentence in _sub_items(point):
            named = _SUB_ITEM.match(sentence)
            if named:
                subs.append(Point(label=named.group(1), text=sentence))
                parents.append(i)
    return subs, parents


def _negative_clause_sim(piece_vector, label: str, views: list[str], corpus_vectors) -> float:
    """How close the piece is to a clause of the point that is worded negatively itself: a denial much closer to
    one than to the sentence it seems to deny repeats the source's ("you can have concept drift with no change in
    the inputs" for "... even if the input data distribution hasn't changed"). A clause is read under the
    point's label, as the piece names it."""
    clauses = [c for v in views for c in _CLAUSE.split(v) if c and _DENIAL.search(c)]  # not "rather than ..."
    clauses += [m.group(0) for c in clauses for m in _NEGATIVE_TAIL.finditer(c)]  # "... even if it hasn't changed"
    clauses = [c for c in dict.fromkeys(clauses) if len(c.split()) >= MIN_CLAUSE_WORDS]
    if not clauses:
        return 0.0
    labelled = [f"{label}: {c}" for c in clauses]
    return float((np.asarray(corpus_vectors(labelled)) @ piece_vector).max())


def _matches_negative_part(piece_text: str, piece_vector, view: str, corpus_vectors) -> bool:
    """Whether a denial may paraphrase the view because it matches the part of it that is worded negatively ("so
    nobody does it by hand" for "reduces manual effort"), by meaning or by negating the same words ("never requires
    proportional manual effort" for "reduce manual effort"). A view negative only in another clause does not excuse
    it: "data scientists own it all, so ops never need to be involved" denies "whether data science, engineering and
    ops work together better, and whether managing models takes less effort". The view is cut at its clauses, not at
    its list items ("less memory, CPU or GPU than in development" is one part)."""
    if not NEGATIVE_SENSE.search(view):
        return False
    clauses = _view_clauses(view)
    negative = [c for c in clauses if NEGATIVE_SENSE.search(c)]
    positive = [c for c in clauses if not NEGATIVE_SENSE.search(c)]
    if not positive:
        return True
    if not negative:
        return False
    if _negated_words(piece_text, NEGATION) & set().union(*(_negated_words(c, NEGATIVE_SENSE) for c in negative)):
        return True
    # the piece's own negated clause, where it has others: "templates, ..., so growth never requires headcount"
    piece_clauses = _view_clauses(piece_text)
    denied = [c for c in piece_clauses if NEGATION.search(c)]
    if len(piece_clauses) > 1 and denied:
        piece_vector = np.asarray(corpus_vectors(denied)).mean(axis=0)
        piece_vector = piece_vector / np.linalg.norm(piece_vector)
    sims = np.asarray(corpus_vectors(negative + positive)) @ piece_vector
    return bool(sims[: len(negative)].max() > sims[len(negative) :].max() - NEGATIVE_PART_MARGIN)


def _view_clauses(text: str) -> list[str]:
    """The clauses of a sentence long enough to be read alone, its lists kept whole (`_VIEW_CLAUSE`)."""
    return [c for c in _VIEW_CLAUSE.split(text) if c and len(c.split()) >= MIN_CLAUSE_WORDS]


def _negated_words(text: str, cue: re.Pattern) -> set[str]:
    """The content words just after each negative cue: {"devops", "help"} in "deploy without DevOps help"."""
    words = set()
    for m in cue.finditer(text):
        after = re.findall(r"[a-z][a-z-]*", text[m.end() :].lower())[:NEGATED_SPAN]
        words |= {w for w in after if len(w) > 3 and w not in STOPWORDS}
    return words


def _unjudged_denials(pieces: list[_Piece], judged) -> np.ndarray:
    """The denials that earn no credit: a negated piece too far from every sentence of the points to be told true
    or false ("never automate packaging" near no sentence), and a sentence whose clauses are all such denials. A
    denial states a point only when the negation check found it agrees with the source."""
    unjudged = np.array([p.negated and not p.has_clauses and not judged[k] for k, p in enumerate(pieces)], dtype=bool)
    by_sentence: dict[str, list[bool]] = {}
    for k, p in enumerate(pieces):
        if p.text != p.sentence:
            by_sentence.setdefault(p.sentence, []).append(bool(unjudged[k]))
    for k, p in enumerate(pieces):
        if p.has_clauses and not judged[k] and by_sentence.get(p.sentence) and all(by_sentence[p.sentence]):
            unjudged[k] = True
    return unjudged


def _opening(text: str) -> str:
    return " ".join(text.split()[:DEFINITION_WORDS])


def _is_condition(piece: _Piece) -> bool:
    """A clause that is only a condition ("If predictions aren't time-sensitive") states nothing, nor denies;
    one that runs on into what to do ("Once drift is confirmed you should never retrain") does."""
    return piece.text != piece.sentence and bool(_CONDITION.match(piece.text)) and not _ADVICE.search(piece.text)


def _is_rejection(piece: _Piece) -> bool:
    """A clause rejecting an alternative ("canary with a small share first, not straight to 100%") denies no point."""
    return piece.text != piece.sentence and bool(_REJECTION.match(piece.text))


def names_only(reply: str) -> bool:
    """Whether the reply is mostly bare lists of terms ("Spark, Parquet, feature store, GPUs."), or terms strung
    together with almost no function words ("Testing, pytest unittest, data validation schema, held-out test set
    AUC F1 RMSE, robustness adversarial slices ..."): it names, it states nothing."""
    text = (reply or "")[:MAX_REPLY_CHARS]
    sentences = split_sentences(text)
    listed = sum(len(s.split()) for s in sentences if is_bare_list(s))
    total = sum(len(s.split()) for s in sentences)
    return (total > 0 and listed >= LIST_SHARE * total) or _telegraphic(text)


def _telegraphic(text: str) -> bool:
    """Whether a reply of TERSE_MIN_WORDS words or more has under TERSE_SHARE of function words ("the", "for",
    "is", "you" ...). Prose, notes in bullet form included, has far more: true replies over twenty read sets have
    0.08 or more, keyword salads of terms that are no list items 0 to 0.03."""
    words = _LABEL_WORD.findall(text.lower())
    return len(words) >= TERSE_MIN_WORDS and sum(w in STOPWORDS for w in words) < TERSE_SHARE * len(words)


def label_share(reply: str, points: list[Point]) -> float:
    """The share of the reply's words that are words of the points' labels: a keyword salad strings the labels
    together ("Speed & Frequency of Deployment leveraging Reliability & Stability to drive ..."); true answers
    over fourteen reply sets stay at or below 0.35, salads that score run from 0.5 to 1.0."""
    words = _LABEL_WORD.findall((reply or "")[:MAX_REPLY_CHARS].lower())
    names = [point.label for point in points if not point.label.endswith("…")]  # a sentence's opening is no name
    label_words = {w for label in names for w in _LABEL_WORD.findall(label.lower())}
    return sum(w in label_words for w in words) / len(words) if words else 0.0


def reply_pieces(reply: str) -> list[_Piece]:
    """Sentences of the reply, plus their clauses of three words or more.

    "between features and target" and "both X and Y" stay in one clause: the pair is one term.

    A sentence that opens with a negation ("Don't version data, models or code") passes it
    to every clause, so "models or code" is read as negated too.
    """
    text = (reply or "")[:MAX_REPLY_CHARS]
    pieces: dict[str, _Piece] = {}
    for sentence, said, topic in _answered_topics(split_sentences(text)):
        scoped = opens_with_negation(sentence)
        warning = warns(sentence)
        joined = _PAIR.sub(lambda m: m.group(1) + m.group(2) + _PAIR_JOIN, sentence)
        clauses = [c.replace(_PAIR_JOIN, " ") for c in _CLAUSE.split(joined) if c]
        clauses = [c for c in clauses if len(c.split()) >= MIN_CLAUSE_WORDS and c != topic]
        denied = [topic] if topic and is_negated(sentence) else []  # "Container scanning? Leave it out."
        pieces.setdefault(
            sentence, _Piece(sentence, sentence, is_negated(sentence), bool(denied) or len(clauses) > 1, said)
        )
        for clause in denied:
            pieces.setdefault(clause, _Piece(clause, sentence, True, said=said))
        for match in _APPOSITIVE.finditer(sentence):  # "TensorFlow Serving, which is AWS's hosting service"
            if _LIST_END.search(sentence[: match.start()]) or _WHOLE_LIST.match(match.group(3)):
                continue  # "..., Vertex AI and Azure ML, which are all managed platforms": about the whole list
            claim = f"{match.group(1)} {match.group(2)} {match.group(3).strip()}"
            pieces.setdefault(claim, _Piece(claim, sentence, not warning and is_negated(claim), said=said))
        if len(clauses) > 1:
            heading = _HEADING.match(sentence)  # "Cloud ML platforms: don't use ...": a heading names a topic
            for clause in clauses:
                if heading and clause == heading.group(1):
                    continue
                negated = not warning and (is_negated(clause) or (scoped and not NEGATION.search(clause)))
                pieces.setdefault(clause, _Piece(clause, sentence, negated, said=said))
    return list(pieces.values())[:MAX_PIECES]


def _answered_topics(sentences: list[str]) -> list[tuple[str, str, str]]:
    """(sentence, the reply's words if it was rewritten, the topic): a topic put as a question is read into its answer.

    "Versioning or validating data? Nobody does that in practice." is one claim about versioning
    data, as "Nobody versions or validates data" is: the short question names the topic and the
    next sentence says something about it; it is read as "Versioning or validating data: Nobody
    does that ...", and a denial in the answer denies the topic. A real question ("Why does it
    matter?", "Is it seasonality?") opens with a question word and is left as it is.
    """
    out: list[tuple[str, str, str]] = []
    k = 0
    while k < len(sentences):
        sentence = sentences[k]
        question = sentence.rstrip()
        if (
            k + 1 < len(sentences)
            and question.endswith("?")
            and len(question.split()) <= _TOPIC_QUESTION_WORDS
            and not _NOT_A_TOPIC.match(question)
            and not _ASKS_BACK.search(question)
        ):
            answer, topic = sentences[k + 1], question.rstrip("?").strip()
            out.append((f"{topic}: {answer}", f"{sentence} {answer}", topic))
            k += 2
            continue
        out.append((sentence, "", ""))
        k += 1
    return out


def _asks_back(sentence: str) -> bool:
    """A question to the interviewer ("Could you tell me ...", "Are we talking about X or Y?") states nothing."""
    return bool(_REQUEST.match(sentence)) or (sentence.rstrip().endswith("?") and bool(_ASKS_BACK.search(sentence)))


def content_of(point: Point) -> str:
    """The point's text without its leading label ("Monitoring: Continuously ..." -> "Continuously ...")."""
    text = point.text
    for sep in (":", " -", " —"):
        head = point.label + sep
        if text.lower().startswith(head.lower()):
            return text[len(head) :].strip() or text
    return text


def _views(point: Point) -> list[str]:
    """The texts a piece is compared with: the point's content whole and by sentence, and its paraphrases."""
    content = content_of(point)
    sentences = [s for s in split_sentences(content) if s != content]
    return list(dict.fromkeys([content, *sentences, *point.paraphrases]))


def _sub_items(point: Point) -> set[str]:
    """The sentences of a point's content (its sub-items), when it has several."""
    content = content_of(point)
    return {s for s in split_sentences(content) if s != content}


def _in_context(sentence: str, points: list[Point]) -> str:
    """A source sentence with the label of the point it belongs to, when it does not name it itself.

    "This is a specific type of drift where the relationship ... changes" says what *concept drift* is
    only under its label; read alone, a reply defining concept drift rightly seems farther from it than
    from the myth that names concept drift.
    """
    key = quote_key(sentence)
    for point in points:
        if key and not _words(point.label) <= _words(sentence) and key in quote_key(point.text):
            return f"{point.label}: {sentence}"
    return sentence


def _claims(sentence: str) -> bool:
    return len(sentence.split()) >= MIN_CLAIM_WORDS


def _dismissed_point(text: str, points: list[Point]) -> int | None:
    """The point a clause waves away by its label's words ("reproducibility isn't a goal"): the point whose label
    holds most of the subject's content words, at least half of them; None when no label does."""
    subject = dismissed_subject(text)
    if not subject:
        return None
    words = {singular(w) for w in _content_words(subject)}
    if not words:
        return None
    shares = [len(words & {singular(w) for w in _content_words(point.label)}) / len(words) for point in points]
    best = max(range(len(points)), key=lambda i: shares[i])
    return best if shares[best] >= 0.5 else None


def _correction(point: Point, matched: str) -> str:
    return f"The source says the opposite: {matched.rstrip('.')}."


def _source_sentence(point: Point) -> str:
    sentences = split_sentences(content_of(point))
    return sentences[0] if sentences else point.text


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _content_words(text: str) -> set[str]:
    return {w for w in _words(text) if w not in STOPWORDS and len(w) > 1}


def _beyond(words: set[str], stems: set[str]) -> set[str]:
    """The words that are no other form of a question's word ("the data stays private and secure" restates
    "the privacy and security of data"): those not sharing their first STEM_CHARS letters with one."""
    return {w for w in words if len(w) < STEM_CHARS or w[:STEM_CHARS] not in stems}


def _ramp(x, low: float, high: float):
    return np.clip((x - low) / (high - low), 0.0, 1.0)
