import json

from typer.testing import CliRunner

from cli import app
from conftest import labelled_pairs
from nlp.classify import modelio
from nlp.jobs.outofcore import StreamOptions, train_streaming

runner = CliRunner()


def write_data(path, copies=3):
    texts, labels = labelled_pairs()
    rows = [{"text": f"{t}，第{k}次报道", "label": l} for k in range(copies) for t, l in zip(texts, labels)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_streaming_training_learns_and_reports_held_out_metrics(tmp_path):
    data = tmp_path / "d.jsonl"
    write_data(data)
    model = train_streaming([data], options=StreamOptions(chunk_size=7, epochs=5, holdout=6, n_features=2 ** 16))
    assert model.card["labels"] == ["体育", "科技", "财经"] and model.card["metrics"]["n"] > 0
    assert model.card["n_train"] + model.card["metrics"]["n"] == 72
    [prediction] = model.predict(["前锋 在 比赛 中 进球 球队 获胜"])
    assert prediction.label == "体育" and len(prediction.top) == 3 and abs(sum(s for _, s in prediction.top) - 1) < 1e-4


def test_cli_out_of_core_model_is_used_by_annotate(tmp_path):
    data = tmp_path / "d.jsonl"
    write_data(data)
    model_dir = tmp_path / "m"
    result = runner.invoke(app, ["train", str(data), "-o", str(model_dir), "--out-of-core"])
    assert result.exit_code == 0, result.output
    assert modelio.load(model_dir).card["train_options"]["out_of_core"] is True
    post = tmp_path / "p.txt"
    post.write_text("手机芯片\n新款手机搭载自研芯片，性能提升", "utf-8")
    out = runner.invoke(app, ["annotate", str(post), "--model", str(model_dir)])
    assert json.loads(out.stdout.splitlines()[0])["category"]["label"] == "科技"


def test_the_out_of_core_card_records_the_languages_it_was_trained_on(tmp_path):
    data = tmp_path / "d.jsonl"
    write_data(data)
    model = train_streaming([data], options=StreamOptions(chunk_size=7, epochs=1, holdout=6, n_features=2 ** 12))
    assert model.card["languages"] == {"zh-Hans": 72}
    assert model.knows_language("zh-Hans") and not model.knows_language("en")
