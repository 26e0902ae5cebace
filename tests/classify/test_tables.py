"""The evaluation table's macro row averages over the labels macro_f1 uses (those with support)."""

import pytest

from nlp.classify.training import score
from nlp.doc import Prediction
from nlp.classify.tables import format_evaluation


def _predictions(labels):
    return [Prediction(label, 0.9, ((label, 0.9),)) for label in labels]


def _macro_row(text: str) -> list[str]:
    [row] = [line for line in text.splitlines() if line.startswith("macro avg")]
    return row.split()


@pytest.mark.parametrize("truth, predicted, labels_in_row", [
    (["体育", "体育", "财经", "财经"], ["体育", "财经", "财经", "科技"], 2),  # 科技 predicted, never true: no support
    (["体育", "财经"], ["体育", "财经"], None),  # every label has support: the plain row
])
def test_macro_row_matches_macro_f1(truth, predicted, labels_in_row):
    ev = score(_predictions(predicted), truth)
    present = [label for label in ev.labels if ev.per_label[label]["support"]]
    row = _macro_row(format_evaluation(ev))
    mean = lambda key: sum(ev.per_label[label][key] for label in present) / len(present)  # noqa: E731
    assert row[-4:] == [f"{mean('precision'):.4f}", f"{mean('recall'):.4f}", f"{ev.macro_f1:.4f}", str(ev.n)]
    assert f"{mean('f1'):.4f}" == f"{ev.macro_f1:.4f}"
    assert (f"({labels_in_row} labels with support)" in " ".join(row)) == (labels_in_row is not None)
