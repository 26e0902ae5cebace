import pytest

from conftest import labelled_pairs
from nlp.classify.training import (TrainOptions, check_labels, cross_validate, dedupe, evaluate,
                                   expected_calibration_error, train)
from nlp.doc import Prediction
from nlp.errors import DataError


@pytest.fixture(scope="module")
def docs_labels(pipeline):
    from nlp.doc import Article

    texts, labels = labelled_pairs()
    return [pipeline.document(Article(id="x", source="x", body=t, is_html=False)) for t in texts], labels


def test_predicts_the_right_class_for_unseen_texts(tiny_model, pipeline):
    from nlp.doc import Article

    queries = {"前锋在比赛中进球，球队获胜": "体育", "银行利率下调，理财收益减少": "财经", "新款手机搭载自研芯片": "科技"}
    docs = [pipeline.document(Article(id="q", source="q", body=q, is_html=False)) for q in queries]
    predictions = tiny_model.predict(docs)
    assert [p.label for p in predictions] == list(queries.values())
    for p in predictions:
        assert p.top[0] == (p.label, p.score)
        assert [s for _, s in p.top] == sorted((s for _, s in p.top), reverse=True)
        assert 0 < p.score <= 1 and len(p.top) == 3


def test_min_score_leaves_the_label_null_but_keeps_top(tiny_model, docs_labels):
    [prediction] = tiny_model.predict(docs_labels[0][:1], min_score=1.0)
    assert prediction.label is None and prediction.top[0][1] < 1.0 and prediction.score == prediction.top[0][1]


def test_training_records_a_useful_card(docs_labels):
    docs, labels = docs_labels
    model = train(docs + docs[:2], labels + labels[:2], TrainOptions(min_df=1, holdout=0.25))
    card = model.card
    assert card["n_train"] == len(docs) and card["duplicates_removed"] == 2
    assert card["label_counts"] == {"体育": 8, "科技": 8, "财经": 8}
    assert len(card["data_sha256"]) == 64
    assert card["metrics_measured_on"].startswith("stratified hold-out")
    assert 0 <= card["metrics"]["accuracy"] <= 1


def test_evaluate_reports_per_label_metrics_and_confusion(tiny_model, docs_labels):
    docs, labels = docs_labels
    result = evaluate(tiny_model, docs, labels)
    assert result.accuracy == 1.0 and result.macro_f1 == 1.0 and result.n == 24
    assert result.per_label["体育"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 8}
    assert result.confusion == ((8, 0, 0), (0, 8, 0), (0, 0, 8))
    as_json = result.to_dict()
    assert as_json["confusion"]["体育"] == {"体育": 8, "科技": 0, "财经": 0}
    assert {"accuracy", "macro_f1", "per_label", "confusion"} <= set(as_json)


def test_evaluate_warns_about_labels_the_model_does_not_know(tiny_model, docs_labels):
    docs, _ = docs_labels
    result = evaluate(tiny_model, docs[:2], ["娱乐", "娱乐"])
    assert result.accuracy == 0.0 and "娱乐" in result.warnings[0]


def test_cross_validation_pools_out_of_fold_predictions(docs_labels):
    docs, labels = docs_labels
    result = cross_validate(docs, labels, 4, TrainOptions(min_df=1))
    assert result.n == 24 and result.accuracy > 0.5


@pytest.mark.parametrize(
    "labels, message",
    [(["a"] * 10, "at least 2 labels"), (["a"] * 10 + ["b"] * 2, "'b' \\(2\\)")],
)
def test_unusable_label_sets_are_rejected(labels, message):
    with pytest.raises(DataError, match=message):
        check_labels(labels, 5)


def test_dedupe_keeps_first_occurrence():
    assert dedupe(["x", "y", "x"], ["1", "2", "3"]) == (["x", "y"], ["1", "2"], 1)


def test_calibration_error_of_perfectly_calibrated_predictions_is_zero():
    predictions = [Prediction("a", 1.0, (("a", 1.0),)), Prediction("b", 0.5, (("b", 0.5),)), Prediction("b", 0.5, (("b", 0.5),))]
    assert expected_calibration_error(predictions, ["a", "b", "c"]) == 0.0
    assert expected_calibration_error(predictions, ["z", "z", "z"]) == pytest.approx(2 / 3, abs=1e-4)


def test_evaluate_warns_when_evaluation_texts_were_trained_on(tiny_model, docs_labels):
    docs, labels = docs_labels
    result = evaluate(tiny_model, docs[:3], labels[:3])
    assert any("3 of 3 distinct evaluation texts were in the model's training data" in w for w in result.warnings)


@pytest.mark.parametrize("classifier", ["nbsvm", "svm"])
def test_both_classifiers_train_and_persist(docs_labels, classifier, tmp_path):
    from nlp.classify import modelio
    from nlp.classify.training import train_options

    docs, labels = docs_labels
    model = train(docs, labels, train_options(classifier, min_df=1, holdout=0.0))
    modelio.save(model, tmp_path / "m")
    assert modelio.load(tmp_path / "m").predict(docs[:2]) == model.predict(docs[:2])


def test_unknown_classifier_is_a_config_error(docs_labels):
    from nlp.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown classifier"):
        train(*docs_labels, TrainOptions(classifier="forest", min_df=1, holdout=0.0))


@pytest.mark.parametrize("doc, n, expected", [("a b c d", None, "a b c d"), ("a b c d", 2, "a b"), ("a b", 2, "a b"), ("a", 5, "a")])
def test_lead_tokens_keeps_the_first_n_tokens(doc, n, expected):
    from nlp.classify.features import lead_tokens

    assert lead_tokens(doc, n) == expected


def test_a_model_trained_on_the_lead_reads_only_the_lead(docs_labels):
    docs, labels = docs_labels
    model = train(docs, labels, TrainOptions(min_df=1, holdout=0.0, max_tokens=3))
    assert model.card["max_tokens"] == 3
    finance = next(d for d, label in zip(docs, labels) if label == "财经")
    sport = next(d for d, label in zip(docs, labels) if label == "体育")
    # a sports text after a finance lead is read as finance: its tail is past the lead
    [prediction] = model.predict([" ".join(finance.split()[:3]) + " " + " ".join([sport] * 5)])
    assert prediction.label == "财经"
    assert model.predict([finance + " " + sport]) == model.predict([" ".join(finance.split()[:3])])
