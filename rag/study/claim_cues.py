"""The wording of a false claim: negation, sweeping reductions, and one word said the other way round.

Sentence embeddings place "never version datasets" next to "version datasets", so the
polarity of a claim is read from its words. Each cue here was chosen on the calibration
replies (`eval/grading_dev.jsonl`, `dev2` to `dev4`, and the read `check2` to `check7`) for the
way myths are stated, against the harmless uses of the same words in correct answers:

* a negation ("never", "don't", "skip", "nobody needs to", "left out", "out of scope"), but
  not a negated harm ("without downtime", "avoiding downtime", "models don't crash"), a
  widening ("not only", "not just") or a change ("no longer");
* a sweeping reduction of a concept ("MLOps is basically DevOps", "a registry is just an S3
  bucket", "drift only matters for deep learning", "monitoring is mainly paperwork") or a
  complacent one, how a practice is denied in positive words ("quality holds steady",
  "scaling sorts itself out", "the input distribution stays the same") or a deflecting one,
  how a practice is handed to someone else ("monitoring is the SRE team's job", "security is
  the cloud provider's responsibility", "KPIs belong to the product team"), but
  not the speaker's own practice ("I always know which version", "you must always pin") nor
  an instruction ("Always encrypt data at rest"), a hedge ("almost always"), a guess
  ("maybe it's just a holiday thing"), a gist ("it basically boxes up the model"), a past
  account ("everything was always packaged in Docker") or a simplicity claim ("rolling back
  is just switching traffic"); "always" claims something only with an effect ("always
  better"), "no need" only when it waives what the source names ("no need to monitor", not
  "no need to rewrite a model for each target");
* a profession of ignorance ("I honestly couldn't explain the kinds of drift", "I haven't
  really dealt with it") names a topic without stating anything about it, and a bare list of
  terms ("Spark, Parquet, feature store, GPUs.") names without stating;
* one word of a pair that cannot describe the same thing ("all traffic at once" where the
  source says "gradually"), unless either sentence rejects the word itself ("instead of by hand");
  denied, the opposite word agrees with the source ("canary never exposes everyone at once");
* a preference ("rather than", "instead of"), read with its two alternatives traded so that the
  grader can tell whether it rejects what the source states ("about speed rather than consistency").
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.study.concept_names import STOPWORDS, words_of

NEGATION = re.compile(
    # a dismissal denies a practice as a "never" does; a two-word one ("shouldn't bother") is one negation
    r"\b(?:(?:shouldn't|should not|don't|do not|needn't|need not) bother|(?:isn't|aren't|not) (?:really )?worth|"
    r"(?:a )?thing of the past|rarely|optional|nice[- ]to[- ]have|only slows? (?:\w+ )?down|"
    r"safely (?:leave|ignore|drop)|"
    # "too noisy to include": the practice is waived
    r"too (?:\w+ ){1,2}?to (?:include|use|track|monitor|log|test|version|collect|measure|consider|bother|matter|"
    r"run|keep|check|validate|automate|document|worry about|care about)|"
    r"stop (?:doing|using|bothering|maintaining|tracking|running)|"
    # "forget about lineage", "Forget monitoring, ...": a dismissal ("don't forget to ..." is two negations)
    r"forget(?:ting)? about|(?:^|(?<=[.;:,!?] )|(?<=just )|(?<=can )|(?<=so )|(?<=and )|(?<=then ))forget\b(?! to\b)|"
    r"never|not|no|don't|dont|doesn't|doesnt|didn't|isn't|aren't|wasn't|won't|shouldn't|can't|cannot|"
    r"without|avoid|avoids|avoided|avoiding|skip|skips|skipped|skipping|unnecessary|nothing|neither|nor|none|"
    r"nobody|no one|left out|leav(?:e|es|ing) (?:[\w-]+ ){0,6}?out\b|out of scope|"
    r"omit|omits|omitted|omitting|discouraged|frowned upon|anti-pattern|bad practice|"
    r"cant|wont|isnt|arent|shouldnt|wasnt)\b|n't\b",  # typed without the apostrophe
    re.IGNORECASE,
)
_HARMS = (  # what a practice spares you: "without downtime", "avoiding conflicts" state something positive
    r"clash\w*|conflict\w*|break\w*|fail\w*|error\w*|downtime|outages?|interrupt\w*|disrupt\w*|interfer\w*|risk\w*|"
    r"los\w*|hurt\w*|harm\w*|slow\w*|bottleneck\w*|fall\w* over|crash\w*|go(?:es|ing)? down|guesswork|surprises?|"
    r"issues?|problems?|mistakes?|unable|wide open|exposed|leak\w*|stale|blind\w*|guess\w*|pretend\w*|panic\w*|"
    r"worry\w*|overthink\w*|reinvent\w*|hand-roll\w*|scrambl\w*|firefight\w*|corrupt\w*|degrad\w*|confound\w*|"
    r"contaminat\w*|drama|noise|chance|luck|heroics|overfit\w*|broken|exceptions?"
)
_HARM = re.compile(rf"\b(?:{_HARMS})\b", re.IGNORECASE)
# waste a practice cuts: "cut unnecessary callbacks", "avoid redundant retraining" (a claim in favour, no dismissal)
_WASTE_CUT = (
    r"\b(?:cut\w*|reduc\w*|avoid\w*|eliminat\w*|remov\w*|prevent\w*|fewer|less|minimi\w*|drop\w*|skip\w*)\s+"
    r"(?:\w+\s+){0,2}?(?:unnecessary|redundant|superfluous|useless|pointless)\b"
)
_CUTS_WASTE = re.compile(_WASTE_CUT, re.IGNORECASE)
_HARMLESS_NEGATION = re.compile(  # negations that state something positive
    _WASTE_CUT + r"|\bno (?:longer|more)\b|\b(?:not|isn't|aren't|wasn't|weren't) (?:only|just|merely)\b|\bno matter\b|"
    # "you don't just run unit tests; you also validate the data": not only, and more
    r"\b(?:don't|doesn't|didn't|do not|does not|won't|never) (?:just|only|simply|merely)\b|"
    # a consequence a practice heads off: "limits on CPU so it does not eat the others' resources"
    r"\bso (?:that )?(?:you|we|they|it|nobody|no one|the \w+) (?:don't|doesn't|won't|can't|cannot|never|do not|"
    r"does not|will not|isn't|aren't)\b(?! (?:need|have|bother|matter))|"
    r"\bnever (?:been )?easier\b|"
    r"\b(?:don't|do not|never) forget\b(?! about)|"  # a reminder: "don't forget to version the data"
    # a harm headed off: "so workloads don't starve each other", "one greedy job doesn't take down the box"
    r"\b(?:don't|doesn't|won't|do not|does not|will not|rarely) (?:\w+ )?(?:crash\w*|break\w*|fail\w*|go down|"
    r"starv\w*|tak\w* down|bring\w* down|knock\w* over|overload\w*|hog\w*|interfer\w*|step on)\b|"
    r"\bnot (?:all|every)\b|"  # a qualification: "not all drift is equal"
    r"\b(?:nobody|no one) (?:knows|remembers|can tell|can say|noticed|notices)\b|"  # a gap: "nobody knows which data"
    r"^\s*without\b[^,;:.]*|"  # "Without MLOps, you end up with ...": a condition, as "if" opens one
    # one outcome of a decision: "the pipeline can decide automatically to skip retraining and alert someone"
    r"\b(?:decid\w*|choos\w*|opt(?:s|ed|ing)?) (?:\w+ ){0,2}?(?:whether|to skip|not to)\b|"
    rf"\b(?:without|avoid(?:s|ing)?) (?:\w+ ){{0,3}}?(?:{_HARMS})\b|"
    rf"\b(?:don't|do not|doesn't|won't|never) want (?:\w+ ){{0,3}}?(?:{_HARMS})\b|"  # "don't want your API wide open"
    # "no need to reinvent the wheel", "no need to panic" (but "no need to worry about drift" waives the practice)
    rf"\bno need to (?:\w+ )?(?:{_HARMS})\b(?! about| over| with)|"
    r"\b(?:don't|do not|never|shouldn't|should not|can't|cannot|won't)\s+(?:\S+\s+){0,6}?unless\b|"  # = "only if"
    # a negation inside a condition states nothing: "if you don't want to run infra", "use differential privacy
    # where records must not be recoverable", "federated learning when data can't leave the device" (not "is where")
    r"\b(?:if|when|whenever|wherever|(?<!is )(?<!'s )where)\b[^,;:.]*|"
    # a consequence: "understand training, or you can't support ...", "otherwise the groups differ ..."
    r"\b(?:or (?:else )?|otherwise,? )(?:you|we|they|it|the)\b[^,;:.]*|"
    r"\b(?:make|makes|making|made) sure (?:that )?(?:\S+ ){0,3}?"  # a check: "making sure they're not biased"
    r"(?:not|never|don't|doesn't|isn't|aren't|won't|can't)\b|"
    # a step not skipped: "never drop a new model straight into production"
    r"\b(?:never|don't|do not|shouldn't|should not|must not|mustn't)\s+(?:\S+\s+){0,5}?(?:straight|directly)\s+"
    r"(?:in)?to\b|"
    # a thing described by what was not done to it: "on data it hasn't seen", "a rollback you've never rehearsed"
    r"\b(?:a|an|the|any|every|on|of|with|for) \w+ (?:that )?(?:it|you|we|they)(?:'ve|'d| have| has| had)? "
    r"(?:never|not|don't|didn't|haven't|hasn't|can't)\b|"
    r"\b(?:a|an|the|any|every) \w+ (?:that|which) (?:has|have|had|was|were|is|are)(?:n't| never| not) "
    r"(?:been )?\w+ed\b|"  # "a rollback that has never been exercised"
    # an order of steps: "never jump to the data before you know the objective" = know the objective first
    r"\b(?:don't|do not|never|shouldn't|should not)\s+(?!need|have|bother|really)(?:\S+\s+){0,6}?before\b|"
    r"\b(?:never|not|don't|doesn't|won't)\b[^,;:.]{0,40}\bforever\b|"  # "models never stay accurate forever"
    r"[,;]\s*not\s+(?:\w+\s*){1,3}(?=[,;:.]|$)|"  # a rejected alternative: "production code, not notebooks"
    r"\bwithout (?:\w+ ){0,2}?(?:affect\w*|impact\w*|drift\w*|depend\w* on|manual\w*|redeploy\w*|retrain\w*|"
    r"touch\w*|chang\w*|ask\w*|warn\w*|notic\w*|tell\w*)\b",  # "without redeploying": no other step needed;
    # "the data changes without asking you": unannounced
    re.IGNORECASE,
)
NEGATIVE_SENSE = re.compile(  # a source sentence with any of these may be paraphrased with a "don't" or "no"
    r"\b(?:never|not|no|without|avoid\w*|prevent\w*|reduc\w*|minimi\w*|minimal|instead|unlike|rather|"
    r"differ\w*|mismatch\w*|inconsisten\w*|less|fewer|eliminat\w*|lack\w*|fail\w*|silent\w*|only|cannot|none|nothing|non-[\w-]+|"
    # a gap or a difficulty the source names: "insufficient monitoring", "hard to diagnose", "undetected issues"
    r"insufficient|inadequate|too (?:little|few)|thin|poor\w*|(?:is|are|goes|go) missing|gaps?|hard to|difficult\w*|"
    r"undetected|unnoticed|unmonitored|untracked|unversioned|untested|unclear|unauthori[sz]ed|unprotected)\b|n't\b",
    re.IGNORECASE,
)
_CONDITION_CLAUSE = re.compile(r"\b(?:if|unless)\b[^,;:.]*", re.IGNORECASE)  # "if you can't say which version ..."
SCOPED_NEGATION = re.compile(  # a sentence that opens with a negation passes it to all its clauses
    r"^\s*(?:(?:so|and|also|just|simply|then)\s+)?(?:never|don't|do not|avoid|skip|"
    r"(?:there(?:'s| is) )?no (?:need|point|reason)|nobody (?:needs|has) to|no one (?:needs|has) to)\b",
    re.IGNORECASE,
)
# "is basically the discipline of getting models into production", "a model getting worse": a gist of what it is
# made of or what happens, not another concept it is reduced to ("a container registry", "DevOps for GPUs")
_GIST = (
    r"(?!\s+(?:the|a|an)\s+(?:[\w-]+\s+)?(?:discipline|practice|practices|set|process|path|way|idea|approach|chain|"
    r"loop|journey|art)\s+(?:of|from|for|to|that|where|by)\b)"
    r"(?!\s+(?:a|the|your|our|its)\s+\w+\s+(?:getting|becoming|going|growing|drifting|degrading|decaying|slipping|"
    r"losing)\b)"
)
_SWEEPING = re.compile(  # the words a myth is stated with; each occurrence is then read in its clause
    # "is basically DevOps" reduces; "is basically what makes ...", "is basically zero" hedge a description
    r"\b(?:always|(?:is|are|'s|was|were)\s+(?:basically|essentially)(?!\s+(?:what|when|why|how|zero|instant\w*)\b)"
    + _GIST
    + r"|(?:basically|essentially)(?=\s+(?:is|are|means|just|the same|a|an)\b)"
    + _GIST
    + r"|(?:mostly|mainly)(?!\s*[,;:.)]|\s+depends?\b|\s+(?:what|how|when|why)\b|"
    # "trained mostly on desktop traffic", "the errors mostly disappear": a share, not what a concept is reduced to
    r"\s+(?:on|in|at|from|with|within|across|inside|among)\b|\s+(?:disappear\w*|vanish\w*|go(?:es)? away|fade\w*)|"
    r"\s+(?:not|no|never|don't|doesn't|won't|isn't|aren't)\b)|merely|purely|by definition|myths?|guaranteed|"
    r"unnecessary|redundant|superfluous|overkill|overrated|pointless|useless|obsolete|irrelevant|wasted effort|"
    r"waste of time|nice[- ]to[- ]have|(?:is|are|'s) (?:purely |entirely )?optional|"  # a practice dismissed
    # "ops never need to be involved" (but "promotion never has to be a manual copy step" spares a chore)
    r"never (?:really )?(?:need|needs|has|have) to(?! (?:be )?(?:a |an )?(?:manual\w*|by hand|done by hand|copied|"
    r"rewritten|redone|hand-\w+)\b)|"
    r"nothing to do with|immune to|no need|(?:doesn't|don't|does not|do not) (?:really )?matter|(?:is|are) enough|"
    r"hurts?|stays? the same|holds? steady|sorts? (?:itself|themselves) out|takes? care of (?:itself|themselves)|"
    r"(?:is|are) plenty|works? fine|for good|harmless|all (?:the \w+ )?(?:you|we|one) (?:need|needs)|all it takes|"
    r"(?:'s|’s) (?:job|responsibility|problem|concern)|(?:job|responsibility) of the|belongs? to the|"
    r"outside (?:of )?(?:mlops|the scope)|not an? (?:mlops|ml) concern|"
    r"handled by the (?:cloud|platform|vendor|provider))\b",
    re.IGNORECASE,
)
_REDUCTION = re.compile(  # "is just an S3 bucket", "is only for plotting", "only matters for deep learning"
    # "is only fast if ..." states a condition (but "is only needed if" waives a practice), "there's only one
    # place" centralises
    r"\b(?:is|are|was|were|'s|means|mean)\s+(?:basically\s+|really\s+)?(?:just|only|simply)\s+"
    r"(?!\w+ing\b|as\b|not\b|(?:one|a single) (?:place|location|spot|store|source)\b|"
    r"(?!needed|required|necessary|relevant|worth)[^,;:.]*\b(?:if|when|once|until|unless)\b)|"
    r"\bonly\s+(?:matters?|happens?|applies|apply|needs?|covers?|contains?|holds?|runs?|builds?|cares?|"
    r"deals?|concerns?|affects?|tracks?|stores?|checks?|measures?)\b(?!\s+(?:if|when|once|after|until|through|via)\b)|"
    r"\bmatters?\s+only\b",
    re.IGNORECASE,
)
_IGNORANCE = re.compile(  # "I honestly couldn't explain ...", "not sure", "no idea": the speaker states nothing
    r"\b(?:i|i'm|i've|we)\b[^.]{0,40}?\b(?:don't|do not|didn't|can't|cannot|couldn't|haven't|have not|am not|"
    r"'m not|never|wouldn't|would not|won't)\s+(?:\w+\s+)?(?:know|sure|remember|recall|explain|tell|say|familiar|"
    r"understand|had to)\b|\bnever been in a position\b|"
    r"\b(?:i|we)\b[^.]{0,20}?\b(?:can't|cannot|couldn't)\s+(?:\w+\s+)?(?:list|name|describe|answer|"
    r"think of|give|define|go into|speak to)\b|"
    r"\bi(?:'ve)?\b[^.]{0,60}?\b(?:haven't|have not|have never|never)\s+(?:really\s+|actually\s+|ever\s+)?"
    r"(?:dealt|worked|used|touched|tried|packaged|deployed|built|set up|implemented|done|been involved|"
    r"dug into|looked into|read up on|studied|"  # "how it's adapted for ML, I honestly haven't dug into"
    r"thought (?:hard |much |deeply |properly |seriously )?about|"  # "I've never thought hard about the why"
    r"been (?:on|in|near|close to|part of|hands-on with)\b)\b|"  # "I haven't really been on the production side"
    r"\bi\s+(?:don't|do not)\s+think\s+i\s+(?:can|could)\b|"
    r"\bi(?:'d| would)\s+(?:have|need)\s+to\s+(?:think|look|check|read|google|ask|see)\b|\blook (?:it|that|this) up\b|"
    # "I'd rather not make something up", "it's hard to say in general": a refusal to state anything
    r"\b(?:rather not|don't want to|do not want to|not going to) (?:make (?:\w+ )?up|guess)\b|"
    r"\bmake (?:something|things|stuff|it) up\b|\b(?:hard|difficult|impossible) to say\b|"
    r"\b(?:no idea|not (?:really |entirely |quite )?sure|no clue|i'd guess|i would guess|drawing a blank|"
    r"not familiar with|i'm guessing|just a guess|wild guess|my guess|(?:can|could) only guess|"
    # "I've only heard the term", "I'm not an expert, but probably ...": what follows is a guess
    r"\bi(?:'ve| have)? only (?:ever )?heard (?:of |about )?(?:it|the term|the name)|not (?:an? |much of an? )?expert|"
    r"(?:another|a different|a separate|the other) team(?:'s)? (?:area|job|thing|problem|remit)|"
    r"(?:we|they) had (?:a|another|a separate) team for (?:that|it|this)|"
    # a deflection: "a separate platform team who handled retraining, so I never really saw how it was set up"
    r"(?:another|a separate|a different|the other) (?:\w+ ){0,2}?team (?:who|that|which) (?:handled|did|owned|ran|"
    r"managed|looked after|took care of)|never (?:really )?(?:saw|got to see) how|"
    r"(?:was|were) (?:all |always )?handled by (?:the|a|another|our|their) (?:\w+ ){0,2}?team|"
    # "someone else handled the deployment": the speaker was not the one who did it
    r"(?:someone|somebody) else (?:always |usually |just )?"
    r"(?:handled|did|took care of|owned|ran|dealt with|looked after)|"
    # "the data science team handles all of that": the topic is someone else's, nothing is said about it
    r"team (?:handles|handled|owns|owned|does|did|takes care of|took care of|deals with|dealt with) "
    r"(?:all (?:of )?)?(?:that|this|it|those)(?! \w+ing| by| with| through| using| via))(?=[\s;:,.!?]|$)",
    re.IGNORECASE,
)
_SPEAKER = re.compile(  # the speaker's own practice or advice: "I always", "you must always", "in my last job"
    r"\b(?:i|we|you|i'd|we'd|you'd|i'm|we're|you're|i've|we've|you've|i'll|we'll|you'll|let's|one|my|our|your|me)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(r"\b(?:almost|nearly|not|isn't|aren't|virtually)\s*$", re.IGNORECASE)
_GUESS = re.compile(  # "maybe it's just a holiday thing": a guess, not a claim
    r"\b(?:maybe|perhaps|possibly|probably|might|may|could)\b",
    re.IGNORECASE,
)
_OUTCOME = re.compile(  # "a newer model is always better": "always" claims an effect, not a step of the workflow
    r"\b(?:better|best|worse|worst|more|less|fewer|as good|improv\w*|reduc\w*|increas\w*|decreas\w*|available|"
    r"outperform\w*|beats?|wins?|right|correct|accurate|enough|higher|lower|faster|cheaper|safer|fix(?:es)?|"
    r"solves?|prevents?|identical|deterministic|works?)\b",
    re.IGNORECASE,
)
# "suddenly gets mostly mobile transactions": the share of what something receives, not a reduction of a concept
_RECEIVES = re.compile(
    r"\b(?:gets?|getting|got|sees?|seeing|saw|receives?|receiving|received|contains?|containing|handles?|"
    r"handling|handled)\s*$",
    re.IGNORECASE,
)
_GIST_SUBJECT = re.compile(r"^\s*(?:it|that|this)\s*$", re.IGNORECASE)  # "It's basically one shared spot ..."
_REPORTED = re.compile(  # "even if people think MLOps is only technical": a belief reported, not claimed
    r"\b(?:people|some|many|others|folks|everyone|they|managers|teams)\s+(?:\w+\s+)?(?:think|say|believe|assume|claim)s?\b",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(?:was|were|had|used to)\b", re.IGNORECASE)  # "everything was always packaged": a past system
# "even if the mapping stays the same": a condition or concession, not a claim
_CONDITION_OPEN = re.compile(r"\s*(?:even\s+)?(?:if|when|whenever|though|although|unless|whether)\b", re.IGNORECASE)
# "batch jobs that score on a schedule when latency doesn't matter": the sweeping word is inside the condition
# (but "copying the model over when needed works fine": an elliptical condition, then the claim)
_CONDITION_WITHIN = re.compile(
    r"\b(?:if|when|whenever|unless|as long as)\b(?!\s+(?:needed|necessary|required|possible|applicable)\b)",
    re.IGNORECASE,
)
_BOUND = re.compile(r"\b(?:before|until)\b", re.IGNORECASE)  # "visible before it hurts the business"
BOUND_REACH = 3  # a sweeping word this many words after "before" is the harm it heads off
_FILLER = frozenset(  # words passed over to reach what "no need to ..." waives ("bother", "give", "someone")
    "just really even ever actually any anything much further also then again bother worry care about think "
    "give make do have get keep take use spend put go try work consider someone anyone anybody people".split()
)
RESTRICTED_WORDS = 3  # "only validated, signed-off models": the words that say what is let through ...
RESTRICTED_SHARED = 2  # ... of which the source's "only" must share this many ("validated", "models")
_ONLY = re.compile(r"\bonly\b", re.IGNORECASE)
STEM = 5  # two words sharing their first letters up to this many are one word ("monitor", "monitoring")
_CLAUSE_BREAK = re.compile(r"[,;:()—–]|\s-\s|\b(?:and|or|so|but|because|since|while|which|then)\b", re.IGNORECASE)

OPPOSITES = [  # word groups that cannot both describe the same thing: a reply with one, its source with the other
    (re.compile(rf"\b(?:{a})\b", re.IGNORECASE), re.compile(rf"\b(?:{b})\b", re.IGNORECASE))
    for a, b in [
        (r"increas\w*", r"decreas\w*"),
        (
            r"gradual\w*|step by step|incremental\w*|progressive\w*",
            r"all at once|at once|all-at-once|in one go|at the same (?:time|moment)|simultaneous\w*",
        ),
        (r"manual\w*|by hand|hands-on", r"automat\w*"),
        (r"batch\w*", r"real-time|realtime|streaming"),
        (r"small\w*|subset|fraction", r"all|entire|every|whole"),
        (r"optional", r"required|mandatory"),
        (r"offline", r"online"),
        (r"faster|quicker", r"slower"),
        (r"higher", r"lower"),
        (r"earl(?:y|ier)", r"lat(?:e|er)"),
        # the design choices an MLOps answer takes sides on: scale out, columnar, modular, incremental, standard
        (
            r"horizontal\w*|scale out|scaling out|replicas",
            r"vertical\w*|scale up|scaling up|(?:one|single) (?:larger|bigger)",
        ),
        (r"columnar|column-oriented|column-based", r"row-based|row-oriented|row format"),
        (r"modular\w*|independent", r"monolith\w*"),
        (r"incremental\w*|only new", r"full (?:dataset|history|data)|entire (?:dataset|history)|from scratch"),
        (r"standardi[sz]\w*|reusable|templates?|self-service", r"bespoke|ad[- ]hoc|one-off"),
        (r"locali[sz]\w*|decentrali[sz]\w*|federated", r"centrali[sz]\w*"),
        (r"dynamic\w*", r"static\w*|fixed"),
        (r"long enough|longer|weeks?", r"short|shorter|shortest|(?:a few|several) (?:hours|minutes)|a day|one day"),
    ]
]
_CONTRAST = re.compile(r"\b(?:instead|rather|unlike|than|versus|vs|replac\w*|not|no|without|avoid\w*)\b|n't\b", re.I)


# "&", "/" and brackets join terms too ("Data Collection & Storage", "Model Drift (or Prediction Drift)")
_LIST_ITEM = re.compile(r"\s*[,;&/()]\s*|(?:^|\s+)(?:and|or|plus)(?:\s+|$)", re.IGNORECASE)
_STATEMENT = re.compile(  # a verb of being, having or modality, or a person: the sentence says something
    r"\b(?:is|are|was|were|be|been|being|am|has|have|had|do|does|did|can|could|should|would|will|must|may|might|"
    r"means|need|needs|i|you|we|they|it|he|she)\b|n't\b|['’](?:s|re|ll|d|ve|m)\b",
    re.IGNORECASE,
)
_LIST_FILLER = re.compile(
    r"\b(?:so|basically|also|like|um+|uh+|er|erm|yeah|well|then|just|really|etc|stuff|things|you know|"
    r"kind of|sort of|i guess|i mean|and so on|all that)\b",
    re.IGNORECASE,
)
LIST_ITEMS = 3  # a sentence of this many short items ...
LIST_ITEM_WORDS = 3  # ... of at most this many words each, with no verb of being or person, is a bare list;
LONG_ITEM_SHARE = 0.25  # ... this share of its items may be longer ("works on my machine") ...
LONG_ITEM_WORDS = 6  # ... up to this many words


def is_bare_list(sentence: str) -> bool:
    """Whether the sentence only lists terms ("Spark, Parquet, feature store, GPUs."): it names, it states nothing.

    Filler glues a list without making it a statement ("so basically validation, and also um monitoring").
    """
    body = _LIST_FILLER.sub(" ", sentence).strip().rstrip(".!?")
    items = [item.split() for item in _LIST_ITEM.split(body) if item and item.strip()]
    long_items = [i for i in items if len(i) > LIST_ITEM_WORDS]
    return (
        len(items) >= LIST_ITEMS
        and len(long_items) <= LONG_ITEM_SHARE * len(items)
        and all(len(i) <= LONG_ITEM_WORDS for i in long_items)
        and not _STATEMENT.search(body)
    )


def warns(sentence: str) -> bool:
    """Whether the sentence is a warning with a negated condition ("if you can't say which version was good, you
    can't roll back to it"): whatever its consequence says, it denies no practice."""
    return any(NEGATION.search(clause) for clause in _CONDITION_CLAUSE.findall(sentence))


def is_negated(text: str) -> bool:
    """An odd number of negations ("never ... without" is a positive statement), harmless ones aside.

    A sentence whose condition is negated is a warning, whatever its consequence says ("if you can't say which
    version was good, you can't roll back to it").
    """
    if warns(text):
        return False
    return len(NEGATION.findall(_HARMLESS_NEGATION.sub(" ", text))) % 2 == 1


def opens_with_negation(sentence: str) -> bool:
    """Whether the sentence opens with a negation it passes to all its clauses ("Don't version data, models or
    code"); a harmless opening ("There's no need to overthink which tool") passes nothing."""
    return bool(SCOPED_NEGATION.match(sentence)) and bool(SCOPED_NEGATION.match(_HARMLESS_NEGATION.sub(" ", sentence)))


_DISOWNS = re.compile(  # a sentence that takes back the one before: "... and go from there? But I'm guessing"
    r"\b(?:i'm (?:just |only )?guessing|(?:that's|it's|this is) (?:just |only )?(?:a|my) guess|just guessing|"
    r"wouldn't trust (?:that|this|my)|don't quote me|take (?:that|this|it) with a (?:grain|pinch) of salt)\b",
    re.IGNORECASE,
)


def disowns(sentence: str) -> bool:
    """Whether the sentence takes back what was said before it ("But honestly I'm guessing")."""
    return bool(_DISOWNS.search(sentence))


_UNSURE_ASIDE = re.compile(  # "though I'm not 100% sure I used all of its features": the speaker's doubt, no claim
    r"^\s*(?:though|although|but|and)?\s*(?:i'm|i am|we're|we are)\s+not\s+(?:\w+%?\s+){0,2}?sure\b",
    re.IGNORECASE,
)


def is_unsure_aside(clause: str) -> bool:
    """Whether a clause is the speaker's doubt about their own answer, which says nothing about the concepts."""
    return bool(_UNSURE_ASIDE.search(clause))


def professes_ignorance(sentence: str) -> bool:
    """Whether the sentence says the speaker does not know ("I couldn't explain the difference between ...")."""
    return bool(_IGNORANCE.search(sentence))


def sweeping_words(sentence: str, anywhere: bool = False, source: str = "") -> set[str]:
    """The sweeping words of a sentence that make a claim about a concept (lower case).

    An occurrence counts when its clause has no first or second person before it (the
    speaker's practice), does not open the clause (an instruction or a fragment: "Always
    encrypt", "Mostly encryption"), is not hedged ("almost always"), not in a past account
    ("everything was always packaged in Docker") and not the harm a practice heads off ("before it
    hurts the business"). "Always" counts only when it claims an effect ("a retrained model is always
    better"), not a step of the workflow ("every version is always linked to its data"); "it's
    basically" is a gist of the asked concept. "No need" counts only when what it waives is
    something the `source` names ("no need to monitor"), not a chore the practice spares you
    ("so there's no need to rewrite a model for each target"). `anywhere`: every occurrence
    (the words a source uses, which a reply may repeat).
    """
    found: set[str] = set()
    cut = [m.span() for m in _CUTS_WASTE.finditer(sentence)]
    for match in _SWEEPING.finditer(sentence):
        word = match.group(0).lower()
        if any(start <= match.start() < end for start, end in cut):
            continue
        if not anywhere:
            if not _claims_about_concept(sentence, match.start()):
                continue
            clause_before = _clause_before(sentence, match.start())
            if word == "always" and not _OUTCOME.search(_clause_at(sentence, match.start())):
                continue
            if word.split()[-1] in ("basically", "essentially") and _GIST_SUBJECT.match(clause_before):
                continue
            if word.startswith(("was ", "were ")):  # "rolling back was basically flipping traffic": a past account
                continue
            if word in ("mostly", "mainly") and _RECEIVES.search(sentence[: match.start()]):
                continue
            if word == "no need" and source and not _waives_what_source_names(sentence[match.end() :], _stems(source)):
                continue
        found.add(word)
    for match in _REDUCTION.finditer(sentence):
        word = " ".join(match.group(0).lower().split())
        past = word.startswith(("was ", "were "))  # "the model was only ever fitted to": a past account
        if not anywhere and (past or not _claims_about_concept(sentence, match.start(), opens_ok=True)):
            continue
        if not anywhere and source and _restricts_as_source(sentence[match.end() :], source):
            continue
        found.add(word)
    return found


@lru_cache(maxsize=64)
def _stems(source: str) -> frozenset[str]:
    """The source's words by their first STEM letters, once per source (not once per reply sentence)."""
    return frozenset(w[:STEM] for w in words_of(source))


def _waives_what_source_names(rest: str, source_stems: frozenset[str]) -> bool:
    """Whether "no need to/for ..." waives something the source names: the verb waived, or a word of the thing."""
    clause = _CLAUSE_BREAK.split(rest, maxsplit=1)[0]
    words = re.findall(r"[a-z][a-z'-]*", clause.lower())
    if words and words[0] == "for":
        words = words[1:]
        if "to" not in words:  # "no need for drift tests": any word of the thing
            return any(w[:STEM] in source_stems for w in words if w not in STOPWORDS and w not in _FILLER)
        words = words[words.index("to") :]  # "no need for someone to kick off steps": the verb
    heads = [w for w in words if w not in STOPWORDS and w not in _FILLER]
    return not heads or heads[0][:STEM] in source_stems


def _restricts_as_source(rest: str, source: str) -> bool:
    """Whether "means only ..." restricts what the source restricts too: "stages mean only validated models get
    deployed" for the source's "ensures that only approved and validated models are deployed" (two words of
    what follows the reply's "only" follow one of the source's)."""
    said = _heads(rest)
    return any(len(said & _heads(source[m.end() :])) >= RESTRICTED_SHARED for m in _ONLY.finditer(source))


def _heads(text: str) -> set[str]:
    """The first RESTRICTED_WORDS content words up to the end of the sentence part, by their first STEM letters."""
    clause = re.split(r"[.;:?!]", text, maxsplit=1)[0]
    words = [w for w in re.findall(r"[a-z][a-z'-]*", clause.lower()) if w not in STOPWORDS and w not in _FILLER]
    return {w[:STEM] for w in words[:RESTRICTED_WORDS]}


def _clause_before(sentence: str, start: int) -> str:
    before = sentence[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    return before[breaks[-1].end() :] if breaks else before


def _clause_at(sentence: str, start: int) -> str:
    after = sentence[start:]
    end = _CLAUSE_BREAK.search(after, 1)
    return _clause_before(sentence, start) + (after[: end.start()] if end else after)


def _claims_about_concept(sentence: str, start: int, opens_ok: bool = False) -> bool:
    clause_before = _clause_before(sentence, start)
    if _SPEAKER.search(clause_before) or _HEDGE.search(clause_before) or _GUESS.search(clause_before):
        return False
    if _PAST.search(clause_before) or _REPORTED.search(clause_before):
        return False
    if _CONDITION_OPEN.match(clause_before) or _CONDITION_WITHIN.search(clause_before):
        return False
    bound = list(_BOUND.finditer(clause_before))
    if bound and len(clause_before[bound[-1].end() :].split()) <= BOUND_REACH:
        return False
    return opens_ok or bool(clause_before.strip())


def opposite(piece: str, source: str, sentence: str = "") -> bool:
    """Whether the piece says the opposite of its source sentence in one word ("all traffic" for "a small subset").

    `sentence`: the reply's sentence the piece is a clause of (see `names_opposite`)."""
    if _CONTRAST.search(piece) or _CONTRAST.search(source):
        return False  # "instead of by hand", "rather than all at once": the sentence names the opposite to reject it
    return names_opposite(piece, source, sentence)


_LESSENED = re.compile(r"\b(?:less|fewer|reduc\w*|minimi[sz]\w*|eliminat\w*|cut(?:ting)?|no)\s+(?:\w+\s+)?\w+", re.I)
_ALTERNATIVE = re.compile(r"\bor\b", re.IGNORECASE)
# "moving a team off hand-run notebooks and manual deploys onto an automated workflow": away from one side
_MOVE_OFF = re.compile(
    r"\b(?:mov\w*|shift\w*|transition\w*|migrat\w*|get(?:s|ting)?|took|tak(?:e|es|ing))\b[^,;.]{0,40}?"
    r"\b(?:off|away from)\s",
    re.IGNORECASE,
)


def names_opposite(piece: str, source: str, sentence: str = "") -> bool:
    """Whether the piece has one word of a pair where the source has the other: said plainly, the opposite claim;
    negated ("canary never exposes everyone at once" for "gradually"), the same claim as the source's. A word
    lessened ("less manual work" for "automation") is the other word's side. A clause of a `sentence` that offers
    both sides ("either behind an API for real-time predictions or as a nightly batch job") or moves off the
    piece's side onto the source's opposes nothing (but "rollback stays manual because automated rollback flaps"
    still does)."""
    plain = _LESSENED.sub(" ", piece)
    for one, other in OPPOSITES:
        for a, b in ((one, other), (other, one)):
            if a.search(source) and not b.search(source) and b.search(plain) and not a.search(piece):
                if sentence and a.search(sentence) and _offers_both(sentence, a, b):
                    continue
                return True
    return False


def _offers_both(sentence: str, source_side: re.Pattern, piece_side: re.Pattern) -> bool:
    """Whether the sentence joins the two sides by "or", or moves off the piece's side onto the source's."""
    spans = sorted(
        [(m.start(), m.end(), True) for m in source_side.finditer(sentence)]
        + [(m.start(), m.end(), False) for m in piece_side.finditer(sentence)]
    )
    for (_, end, side), (start, _, next_side) in zip(spans, spans[1:]):
        if side != next_side and _ALTERNATIVE.search(sentence[end:start]):
            return True
    first_piece_side = next((start for start, _, side in spans if not side), None)
    if first_piece_side is None:  # no plain clause of the sentence ("NAME is X" read from "NAME, which is X")
        return False
    move = _MOVE_OFF.search(sentence[:first_piece_side])
    return bool(move) and not any(side and start < first_piece_side for start, _, side in spans)


_CONTRAST_PHRASE = re.compile(r"\s*\b(?:rather than|instead of|as opposed to)\s+", re.IGNORECASE)
_CONTRAST_END = re.compile(r"[,;:.!?()]|\s(?:so|because|since|which|while|but|and then)\s", re.IGNORECASE)
_CONTRAST_ANCHOR = re.compile(  # the word after which the preferred alternative starts: "is about [speed]"
    r"\b(?:is|are|was|were|be|'s|about|for|as|on|by|to|in|from|with|use|uses|using|through|via|means)\s+",
    re.IGNORECASE,
)
CONTRAST_WORDS = 8  # the preferred alternative is at most this many words


def contrast_readings(sentence: str) -> tuple[str, str] | None:
    """The clause that prefers one alternative to another, as it stands and with the two traded.

    "Orchestration is about speed rather than consistency" -> ("Orchestration is about speed",
    "Orchestration is about consistency"); the rest of the sentence is left out, as it says the same
    in both readings. When the traded reading is the one close to the source, the sentence rejects
    what the source states; a right answer rejects what the source rejects ("as an automated
    pipeline rather than by hand"). The preferred alternative runs from the last linking word ("is",
    "about", "as" ...) before the phrase. Rejecting a harm ("significant rather than noise") is no
    preference to check.
    """
    match = _CONTRAST_PHRASE.search(sentence)
    if not match:
        return None
    before, after = sentence[: match.start()], sentence[match.end() :]
    end = _CONTRAST_END.search(after)
    rejected = after[: end.start()] if end else after
    clause = re.split(r"[,;:()]", before)[-1]
    anchors = list(_CONTRAST_ANCHOR.finditer(clause))
    if not anchors or len(clause[anchors[-1].end() :].split()) > CONTRAST_WORDS or not rejected.strip():
        return None  # without a linking word the two alternatives cannot be lined up
    if _HARM.search(rejected):
        return None
    return clause.strip(), (clause[: anchors[-1].end()] + rejected).strip()


_PASSIVE = re.compile(r"\bby\b")  # "data drift is caused by model drift", "driven by"


def relation_order(piece: str, claim: str, correction: str) -> str | None:
    """Which way round the piece states a relation that a myth reverses: "claim", "correction" or None.

    Sentence embeddings barely see word order, so "data drift causes model drift" reads as close to
    the myth "model drift causes data drift" as to its correction ("data drift often leads to model
    drift"). When the claim and the correction name the same two terms in opposite orders, the
    piece's order decides; a "by" between them ("is caused by", "driven by") turns it round. None:
    the myth reverses nothing, or the piece does not name both terms.
    """
    claim_terms, correction_terms = _term_positions(claim), _term_positions(correction)
    shared = [t for t in claim_terms if t in correction_terms]
    piece_terms = _term_positions(piece)
    for k, a in enumerate(shared):
        for b in shared[k + 1 :]:
            in_claim = claim_terms[a] < claim_terms[b]
            if in_claim == (correction_terms[a] < correction_terms[b]) or a not in piece_terms or b not in piece_terms:
                continue
            first, second = sorted((piece_terms[a], piece_terms[b]))
            between = piece.lower()[first:second].split()[2:]  # the words after the first term
            if not any(w.strip(",;") not in STOPWORDS for w in between):
                continue  # "model drift and data drift are both drift": no relation between them
            in_piece = (piece_terms[a] < piece_terms[b]) != bool(_PASSIVE.search(piece.lower()[first:second]))
            return "claim" if in_piece == in_claim else "correction"
    return None


def _term_positions(text: str) -> dict[str, int]:
    """Two-word terms ("data drift") by where they first occur in the text (lower case)."""
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[a-z][a-z0-9-]*", text.lower())]
    terms: dict[str, int] = {}
    for (w1, start), (w2, _) in zip(tokens, tokens[1:]):
        if w1 not in STOPWORDS and w2 not in STOPWORDS:
            terms.setdefault(f"{w1} {w2}", start)
    return terms


_DISMISSAL = re.compile(  # "so reproducibility isn't a goal", "governance is not really needed": a practice waved away
    r"^\s*(?:(?:so|and|but|then|thus|hence|which means)\s+)?(?P<subject>(?:[\w/&-]+\s+){0,3}?[\w/&-]+)\s+"
    r"(?:is|are|'s)(?:n't|\s+not)\s+(?:really\s+|even\s+|actually\s+|that\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:goal|aim|priority|concern|requirement|needed|necessary|important|required|essential)\b",
    re.IGNORECASE,
)


def dismissed_subject(clause: str) -> str | None:
    """The subject a clause waves away as no goal or need ("reproducibility" in "so reproducibility isn't a
    goal"), or None. A clause that heads off a harm or qualifies ("not only") waves nothing away."""
    if _HARMLESS_NEGATION.search(clause):
        return None
    match = _DISMISSAL.match(clause)
    return match.group("subject") if match else None
