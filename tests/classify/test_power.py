"""The card's probability power: sharpened probabilities keep every ranking, and the fitted power is the one
that makes held-out probabilities honest."""

import numpy as np
import pytest

from nlp.classify.model import Model, sharpen
from nlp.classify.training import evaluate, fit_power
from nlp.doc import Prediction
from nlp.errors import DataError


class Fixed:
    """A stand-in pipeline: the same probabilities for every document."""

    classes_ = np.array(["体育", "科技", "财经"])

    def __init__(self, row):
        self.row = np.array(row, dtype=float)

    def predict_proba(self, docs):
        return np.tile(self.row, (len(docs), 1))


@pytest.mark.parametrize("power", [None, 1, 0.5, 2.0, 3.0])
def test_sharpen_keeps_the_order_and_sums_to_one(power):
    rows = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3]])
    out = sharpen(rows, power)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert (np.argsort(-out, axis=1, kind="stable") == np.argsort(-rows, axis=1, kind="stable")).all()
    if power in (None, 1):
        assert out is rows
    else:
        assert ((out[:2].max(axis=1) > rows[:2].max(axis=1)) == (power > 1)).all()
        assert np.allclose(out[2], 1 / 3)  # a tie stays a tie


@pytest.mark.parametrize("card, expected", [({}, 0.5), ({"probability_power": 1.0}, 0.5),
                                            ({"probability_power": 2.0}, 0.25 / 0.38)])
def test_a_card_power_changes_the_score_not_the_label(card, expected):
    [prediction] = Model(Fixed([0.5, 0.3, 0.2]), card).predict(["文本"], top_n=3)
    assert prediction.label == "体育" and [label for label, _ in prediction.top] == ["体育", "科技", "财经"]
    assert prediction.score == pytest.approx(expected, abs=1e-6)


def _held_out(true_power: float, n: int = 3000, seed: int = 0):
    """Underconfident predictions: labels drawn from the probabilities raised to ``true_power``."""
    rng = np.random.default_rng(seed)
    names = ["体育", "科技", "财经", "娱乐"]
    logits = rng.normal(0, 1.0, size=(n, len(names)))
    shown = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = sharpen(shown, true_power)
    labels = [names[rng.choice(len(names), p=row)] for row in truth]
    predictions = [Prediction(names[int(np.argmax(row))], float(row.max()), tuple(zip(names, map(float, row)))) for row in shown]
    return predictions, labels


@pytest.mark.parametrize("true_power", [1.0, 2.0, 3.0])
def test_fit_power_finds_the_power_that_generated_the_labels(true_power):
    predictions, labels = _held_out(true_power)
    assert fit_power(predictions, labels) == pytest.approx(true_power, abs=0.35)


def test_the_fitted_power_lowers_the_calibration_error():
    predictions, labels = _held_out(2.5, seed=1)
    power = fit_power(predictions, labels)
    names = ["体育", "科技", "财经", "娱乐"]

    class Replay:
        classes_ = np.array(names)

        def predict_proba(self, docs):
            return np.array([[dict(predictions[int(d)].top)[name] for name in names] for d in docs])

    docs = [str(i) for i in range(len(predictions))]
    raw = evaluate(Model(Replay()), docs, labels).calibration_error
    fitted = evaluate(Model(Replay(), {"probability_power": power}), docs, labels).calibration_error
    assert fitted < raw / 2


def test_fit_power_needs_predictions():
    with pytest.raises(DataError):
        fit_power([], [])
