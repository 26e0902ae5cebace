import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.classify.predictor import KEYED_BATCH, Block, IntTable, LinearTextPredictor


@pytest.mark.parametrize("copies", [1, 4])  # 5 documents: looked up by string; 20: by integer keys
def test_export_matches_the_pipeline_and_survives_a_round_trip(tiny_model, tmp_path, copies):
    predictor = LinearTextPredictor.from_pipeline(tiny_model.pipeline)
    path = tmp_path / "p.npz"
    predictor.save(path)
    loaded = LinearTextPredictor.load(path)
    docs = ["前锋 在 比赛 中 进球", "银行 下调 存款 利率", "新款 手机 芯片", "", "  "] * copies
    assert (len(docs) >= KEYED_BATCH) == (copies > 1)
    assert np.allclose(loaded.predict_proba(docs), tiny_model.pipeline.predict_proba(docs), atol=1e-12)
    assert all((block.__dict__.get("keys") is not None) == (copies > 1) for block in loaded.blocks)
    assert list(loaded.classes_) == list(tiny_model.pipeline.classes_)


def test_pipelines_of_other_shapes_are_not_exported(tmp_path):
    from nlp.jobs.outofcore import hashed_features
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("features", hashed_features(2 ** 10)), ("classifier", SGDClassifier())])
    with pytest.raises(ValueError, match="not an exportable pipeline"):
        LinearTextPredictor.from_pipeline(pipeline)


@pytest.mark.parametrize("kind, ngrams, doc, expected", [
    ("words", (1, 2), "甲 乙 丙", ["甲", "乙", "丙", "甲 乙", "乙 丙"]),
    ("words", (2, 3), "甲 乙", ["甲 乙"]),
    ("chars", (1, 2), "甲 乙", ["甲", "乙", "甲乙"]),
    ("chars", (1, 3), "甲乙", ["甲", "乙", "甲乙"]),
])
def test_analyzers_match_scikit_learn_conventions(kind, ngrams, doc, expected):
    block = Block(kind, ngrams, [], np.zeros(0), True, "lead_characters" if kind == "chars" else None)
    assert sorted(block.analyze(doc)) == sorted(expected)


# Integer keys must find exactly the n-grams the string lookup finds, whatever the text.
CHAR_TERMS = ["甲", "乙", "丙", " ", "甲乙", "乙甲", "甲乙丙", "丙 ", "乙丙甲", "丙丙"]
WORD_TERMS = ["甲", "乙", "丙丁", "甲 乙", "乙 甲", "丙丁 甲", "戊 甲"]  # 戊 is only ever part of a pair


@pytest.mark.parametrize("kind, terms, ngrams, alphabet", [
    ("chars", CHAR_TERMS, (1, 3), "甲乙丙丁 "),
    ("chars", [t for t in CHAR_TERMS if len(t) > 1], (2, 3), "甲乙丙丁 "),
    ("words", WORD_TERMS, (1, 2), ["甲", "乙", "丙丁", "戊", "己"]),
])
@given(data=st.data())
def test_integer_keys_find_what_the_strings_find(kind, terms, ngrams, alphabet, data):
    units = data.draw(st.lists(st.sampled_from(list(alphabet)), max_size=30))
    doc = (" " if kind == "words" else "").join(units)
    block = Block(kind, ngrams, terms, np.ones(len(terms)), True,
                  "join_tokens" if kind == "chars" else None)
    assert block.keys is not None
    assert sorted(block.columns(doc, keyed=True)) == sorted(block.columns(doc, keyed=False))


@given(keys=st.sets(st.integers(1, 2 ** 62), max_size=200), probes=st.lists(st.integers(0, 2 ** 62), max_size=50))
def test_int_table_finds_exactly_the_keys_it_holds(keys, probes):
    keys = sorted(keys)
    table = IntTable(np.array(keys, dtype=np.int64), np.arange(len(keys), dtype=np.int64) * 7)
    expected = {k: i * 7 for i, k in enumerate(keys)}
    asked = np.array(keys + probes, dtype=np.int64)
    assert table.get(asked).tolist() == [expected.get(k, -1) for k in asked.tolist()]


def test_int_table_resolves_keys_that_share_a_home_slot():
    keys = np.arange(1, 65, dtype=np.int64) << 40  # Fibonacci hashing of multiples of 2**40 collides often
    table = IntTable(keys, np.arange(64, dtype=np.int64))
    assert table.get(keys).tolist() == list(range(64))
    assert table.get(keys + 1).tolist() == [-1] * 64


@pytest.mark.parametrize("keyed", [True, False])
@pytest.mark.parametrize("kind", ["words", "chars"])
def test_a_batch_counts_no_ngram_across_two_documents(kind, keyed):
    terms = ["甲", "乙", "甲 乙", "乙 甲"] if kind == "words" else ["甲", "乙", "甲乙", "乙甲"]
    block = Block(kind, (1, 2), terms, np.ones(len(terms)), False, "join_tokens" if kind == "chars" else None)
    if keyed:
        assert block.keys is not None  # built now: small batches use them from here on
    docs = ["甲 乙", "甲", "", "乙 乙 甲"]
    together = block.term_counts(docs).toarray()
    alone = np.vstack([block.term_counts([doc]).toarray() for doc in docs])
    assert together.tolist() == alone.tolist()
    assert together[0].tolist() == [1, 1, 1, 0]  # 甲 乙 甲乙; never the 乙甲 that spans into the next document
