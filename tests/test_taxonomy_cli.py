"""`nlp train` and `nlp evaluate` through a taxonomy label map (set<TAB>class<TAB>label)."""

import json

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
TAXONOMY = "# test taxonomy\nmine\t体育\tsport\nmine\t财经\tmoney\nmine\t科技\ttech\nother\t体育\tgames\n"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize(
    "label_set, labels, message",
    [
        (["--label-set", "mine"], ["money", "sport", "tech"], None),
        (["--label-set", "other"], None, "need at least 2 labels"),  # only 体育 is an 'other' class
        ([], None, "taxonomy.tsv:5: class '体育' maps to 'games' here"),  # ... and to sport: choose a set
    ],
)
def test_train_and_evaluate_through_a_taxonomy(labelled_jsonl, tmp_path, label_set, labels, message):
    mapping = tmp_path / "taxonomy.tsv"
    mapping.write_text(TAXONOMY, "utf-8")
    model_dir = tmp_path / "m"
    result = run("train", labelled_jsonl, "-o", model_dir, "--label-map", mapping, *label_set)
    if message:
        assert result.exit_code == 2 and message in result.output
        return
    assert result.exit_code == 0, result.output
    assert json.loads((model_dir / "model.json").read_text("utf-8"))["labels"] == labels
    evaluated = run("evaluate", labelled_jsonl, "--model", model_dir, "--json", "--label-map", mapping, *label_set)
    assert evaluated.exit_code == 0 and sorted(json.loads(evaluated.stdout)["per_label"]) == labels
