"""The shared text helpers: sentence ends, clipping and short labels, as their callers use them."""

from rag.text import clip, clip_words, short_label, split_at_sentence_ends, split_sentences, stem


def test_strict_sentence_ends_keep_abbreviations_whole():
    text = "Drift is measured, e.g. with PSI. Then retrain. 3 checks follow."
    assert split_at_sentence_ends(text) == ["Drift is measured, e.g. with PSI.", "Then retrain.", "3 checks follow."]


def test_loose_sentence_ends_cut_at_every_end_mark():
    assert split_at_sentence_ends("Use e.g. PSI. then retrain.", loose=True) == ["Use e.g.", "PSI.", "then retrain."]


def test_split_sentences_reads_markdown_lists_as_sentences():
    markdown = "**Monitoring** matters. It catches drift.\n\n- Log inputs\n- Alert on skew"
    assert split_sentences(markdown) == ["Monitoring matters.", "It catches drift.", "Log inputs", "Alert on skew"]


def test_clip_cuts_at_a_word_and_marks_the_cut():
    clipped = clip("Feature stores keep training and serving features consistent", 30)
    assert clipped == "Feature stores keep training…"
    assert len(clipped) <= 30


def test_clip_leaves_short_text_alone_but_collapses_its_spacing():
    assert clip("  a  short\n text ", 40) == "a short text"


def test_clip_can_keep_line_breaks_for_markdown():
    assert clip("- first item\n- second item here", 22, flatten=False) == "- first item\n- second…"


def test_clip_with_a_custom_ellipsis_stays_within_the_limit():
    clipped = clip("one two three four five six", 15, ellipsis=" [...]")
    assert clipped == "one two [...]"
    assert len(clipped) <= 15


def test_clip_words_counts_words_and_drops_a_trailing_comma():
    assert clip_words("Version data, code, and models together", 3) == "Version data, code…"
    assert clip_words("  Two words  ", 5) == "Two words"


def test_short_label_names_a_passage_by_its_first_words():
    assert short_label("Canary releases send a small share of traffic to the new model", 4) == "Canary releases send a…"
    assert short_label("Shadow  deployment", 4) == "Shadow deployment"


def test_stem_joins_forms_a_fixed_prefix_would_split():
    assert stem("scoring") == stem("score") and stem("nightly") == stem("night")
    assert stem("Scheduled") == stem("schedule")
    assert stem("canary") != stem("batch")
