import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import predictor_reference as reference
from nlp.classify import predictor
from nlp.classify.predictor import Block, LinearTextPredictor


@pytest.mark.parametrize("copies", [1, 4])
def test_export_matches_the_pipeline_and_survives_a_round_trip(tiny_model, tmp_path, copies):
    exported = LinearTextPredictor.from_pipeline(tiny_model.pipeline)
    path = tmp_path / "p.npz"
    exported.save(path)
    loaded = LinearTextPredictor.load(path)
    docs = ["前锋 在 比赛 中 进球", "银行 下调 存款 利率", "新款 手机 芯片", "", "  "] * copies
    assert np.allclose(loaded.predict_proba(docs), tiny_model.pipeline.predict_proba(docs), atol=1e-12)
    assert list(loaded.classes_) == list(tiny_model.pipeline.classes_)


def test_one_document_at_a_time_gives_the_batch_bits(tiny_model):
    exported = LinearTextPredictor.from_pipeline(tiny_model.pipeline)
    docs = ["前锋 在 比赛 中 进球", "银行 下调 存款 利率", "", "新款 手机 芯片 发布"]
    alone = np.vstack([exported.predict_proba([doc]) for doc in docs])
    assert alone.tobytes() == exported.predict_proba(docs).tobytes()


def test_pipelines_of_other_shapes_are_not_exported(tmp_path):
    from nlp.jobs.outofcore import hashed_features
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("features", hashed_features(2 ** 10)), ("classifier", SGDClassifier())])
    with pytest.raises(ValueError, match="not an exportable pipeline"):
        LinearTextPredictor.from_pipeline(pipeline)


@pytest.mark.parametrize("kind, ngrams, units, expected", [
    ("words", (1, 2), ["甲", "乙", "丙"], ["甲", "乙", "丙", "甲 乙", "乙 丙"]),
    ("words", (2, 3), ["甲", "乙"], ["甲 乙"]),
    ("chars", (1, 2), "甲 乙", ["甲", " ", "乙", "甲 ", " 乙"]),
    ("chars", (1, 3), "甲乙", ["甲", "乙", "甲乙"]),
])
def test_the_reference_analyzers_follow_scikit_learn(kind, ngrams, units, expected):
    from sklearn.feature_extraction.text import CountVectorizer

    doc = " ".join(units) if kind == "words" else units
    analyzer = CountVectorizer(analyzer="word" if kind == "words" else "char", ngram_range=ngrams,
                               tokenizer=str.split if kind == "words" else None, token_pattern=None, lowercase=False).build_analyzer()
    assert sorted(reference.analyze(units, kind, ngrams)) == sorted(expected) == sorted(analyzer(doc))


# The compiled core must find exactly the n-grams the string lookup finds, whatever the text.
CHAR_TERMS = ["甲", "乙", "丙", " ", "甲乙", "乙甲", "甲乙丙", "丙 ", "乙丙甲", "丙丙"]
WORD_TERMS = ["甲", "乙", "丙丁", "甲 乙", "乙 甲", "丙丁 甲", "戊 甲",  # 戊 is only ever part of a pair
              "甲 乙 丙丁", " 甲", "甲  乙"]  # too long for (1, 2), and two no token sequence can be


@pytest.mark.parametrize("kind, terms, ngrams, alphabet", [
    ("chars", CHAR_TERMS, (1, 3), "甲乙丙丁 "),
    ("chars", [t for t in CHAR_TERMS if len(t) > 1], (2, 3), "甲乙丙丁 "),
    ("chars", CHAR_TERMS, (1, 1), "甲乙丙丁 "),
    ("chars", CHAR_TERMS + ["𠀀", "甲𠀀", "𠀀𠀁乙"], (1, 3), "甲乙丙丁 𠀀𠀁"),  # beyond U+FFFF: looked up in the dict
    ("words", WORD_TERMS, (1, 2), ["甲", "乙", "丙丁", "戊", "己"]),
    ("words", WORD_TERMS, (1, 3), ["甲", "乙", "丙丁", "戊"]),
])
@given(data=st.data())
def test_the_compiled_core_counts_what_the_strings_find(kind, terms, ngrams, alphabet, data):
    docs = data.draw(st.lists(st.lists(st.sampled_from(list(alphabet)), max_size=30), max_size=4))
    docs = [units if kind == "words" else "".join(units) for units in docs]
    indptr, columns, counts = predictor._ngrams.NgramTable.of_terms(terms, kind, ngrams).counts(docs)
    dense = np.zeros((len(docs), len(terms)), dtype=np.float32)
    for row in range(len(docs)):
        span = slice(indptr[row], indptr[row + 1])
        assert list(columns[span]) == sorted(set(columns[span]))  # sorted, each column once
        dense[row, columns[span]] = counts[span]
    assert dense.tolist() == reference.term_counts(docs, terms, kind, ngrams).tolist()


@given(words=st.sets(st.text("甲乙丙丁戊己庚辛", min_size=1, max_size=3), min_size=1, max_size=300),
       doc=st.lists(st.text("甲乙丙丁戊己庚辛", min_size=1, max_size=3), max_size=40))
def test_a_large_vocabulary_of_pairs_is_found_exactly(words, doc):
    words = sorted(words)
    terms = words + [f"{a} {b}" for a, b in zip(words, words[1:] + words[:1])]
    indptr, columns, counts = predictor._ngrams.NgramTable.of_terms(terms, "words", (1, 2)).counts([doc])
    dense = np.zeros(len(terms), dtype=np.float32)
    dense[columns] = counts
    assert dense.tolist() == reference.term_counts([doc], terms, "words", (1, 2))[0].tolist()


@given(data=st.data())
def test_the_decision_function_sums_as_scipy_does(data):
    n_rows, n_columns, n_classes = data.draw(st.integers(0, 5)), data.draw(st.integers(1, 30)), data.draw(st.integers(1, 7))
    floats = st.floats(-1e3, 1e3, width=32, allow_subnormal=False)
    weights = np.array(data.draw(st.lists(floats, min_size=n_columns * n_classes, max_size=n_columns * n_classes)),
                       dtype=np.float32).reshape(n_columns, n_classes)
    rows = [sorted(data.draw(st.sets(st.integers(0, n_columns - 1), max_size=n_columns))) for _ in range(n_rows)]
    indptr = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    columns = np.array([c for r in rows for c in r], dtype=np.int64)
    values = np.array(data.draw(st.lists(floats, min_size=len(columns), max_size=len(columns))), dtype=np.float32)
    out = np.zeros((n_rows, n_classes), dtype=np.float32)
    predictor._ngrams.add_decision(indptr, columns, values, weights, out)
    assert out.tobytes() == reference.decision(indptr, columns, values, weights).astype(np.float32).tobytes()


@pytest.mark.parametrize("kind", ["words", "chars"])
def test_a_batch_counts_no_ngram_across_two_documents(kind):
    terms = ["甲", "乙", "甲 乙", "乙 甲"] if kind == "words" else ["甲", "乙", "甲乙", "乙甲"]
    block = Block(kind, (1, 2), terms, np.ones(len(terms), dtype=np.float32), False, "join_tokens" if kind == "chars" else None)
    docs = ["甲 乙", "甲", "", "乙 乙 甲"]

    def dense(rows):
        out = np.zeros((len(rows.indptr) - 1, len(terms)))
        for row in range(len(out)):
            span = slice(rows.indptr[row], rows.indptr[row + 1])
            out[row, rows.columns[span]] = rows.data[span]
        return out

    together = dense(block.term_counts(docs))
    alone = np.vstack([dense(block.term_counts([doc])) for doc in docs])
    assert together.tolist() == alone.tolist()
    assert together[0].tolist() == [1, 1, 1, 0]  # 甲 乙 甲乙; never the 乙甲 that spans into the next document


def test_an_ngram_range_the_core_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="outside"):
        predictor._ngrams.NgramTable.of_terms(["甲"], "words", (1, 9))


def test_a_file_without_stored_unit_ids_predicts_the_same_bits(tiny_model, tmp_path):
    exported = LinearTextPredictor.from_pipeline(tiny_model.pipeline)
    exported.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as data:
        assert {"units0", "unit_ids0", "unit_lengths0"} <= set(data.files)
        older = {key: data[key] for key in data.files if not key.startswith("unit")}  # as files were written before
    np.savez(tmp_path / "old.npz", **older)
    docs = ["前锋 在 比赛 中 进球", "银行 下调 存款 利率", "新款 手机 芯片", ""]
    new, old = LinearTextPredictor.load(tmp_path / "new.npz"), LinearTextPredictor.load(tmp_path / "old.npz")
    assert new.blocks[0]._encoded is not None and old.blocks[0]._encoded is None
    assert new.predict_proba(docs).tobytes() == old.predict_proba(docs).tobytes()


@pytest.mark.parametrize("units, ids, lengths, problem", [
    (["甲", "乙"], [1, 3], [2], "unit id 3 outside 1 .. 2"),
    (["甲", "乙"], [1, 0], [2], "unit id 0 outside"),
    (["甲", "乙"], [1, 2, 1], [2], "add up to 2 unit ids, not 3"),
    (["甲", "乙"], [1, 2, 1], [3], "outside the n-gram range"),
    (["甲", "甲"], [1, 2], [2], "listed twice"),
])
def test_unit_ids_that_do_not_fit_are_refused(units, ids, lengths, problem):
    with pytest.raises(ValueError, match=problem):
        predictor._ngrams.NgramTable(units, np.array(ids, np.int32), np.array(lengths, np.uint8), "chars", (1, 2))


@pytest.mark.parametrize("kind, terms", [("chars", CHAR_TERMS), ("words", WORD_TERMS)])
def test_terms_are_encoded_as_ids_of_their_units_in_order_of_first_use(kind, terms):
    units, ids, lengths = predictor._ngrams.encode_terms(terms, kind, (1, 2))
    split = [t.split(" ") if kind == "words" else list(t) for t in terms]
    kept = [s for s in split if 1 <= len(s) <= 2 and "" not in s]
    assert lengths.tolist() == [len(s) if s in kept else 0 for s in split]
    assert [units[i - 1] for i in ids.tolist()] == [u for s in kept for u in s]
    assert units == list(dict.fromkeys(u for s in kept for u in s))


def test_a_file_whose_terms_do_not_match_the_weights_is_refused(tiny_model, tmp_path):
    LinearTextPredictor.from_pipeline(tiny_model.pipeline).save(tmp_path / "p.npz")
    with np.load(tmp_path / "p.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["unit_lengths0"] = arrays["unit_lengths0"][:-1]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="do not match the weights"):
        LinearTextPredictor.load(tmp_path / "bad.npz")


def test_a_character_block_counts_strings_only():
    with pytest.raises(TypeError, match="counts strings"):
        predictor._ngrams.NgramTable.of_terms(["甲"], "chars", (1, 1)).counts([["甲"]])
