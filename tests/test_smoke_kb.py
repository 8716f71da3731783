def test_kb_fixture_searches_the_real_corpus(kb):
    hits = kb.retriever.search("how do I roll back a bad model", k=3)
    assert hits[0].entry.question_number == 10
