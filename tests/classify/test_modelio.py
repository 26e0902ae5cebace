import json
import pytest

from nlp.classify import modelio
from nlp.errors import ModelError


def test_round_trip_gives_identical_predictions(tiny_model, tiny_model_dir):
    loaded = modelio.load(tiny_model_dir)
    docs = ["前锋 进球", "银行 利率", "手机 芯片"]
    assert loaded.predict(docs) == tiny_model.predict(docs)
    assert loaded.labels == tiny_model.labels


def test_card_records_versions_hash_and_sizes(tiny_model_dir):
    card = json.loads((tiny_model_dir / "model.json").read_text("utf-8"))
    assert card["format_version"] == modelio.FORMAT_VERSION
    assert {"scikit-learn", "numpy", "skops", "nlp"} <= set(card["library_versions"])
    assert card["labels"] == ["体育", "科技", "财经"] and card["n_train"] == 24
    assert card["version"] == card["model_sha256"][:12] and card["created"].endswith("+00:00")


def test_saving_again_replaces_an_existing_model(tiny_model, tmp_path):
    target = tmp_path / "m"
    modelio.save(tiny_model, target)
    modelio.save(tiny_model, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    assert sorted(p.name for p in target.iterdir()) == ["fingerprints.npy", "model.json", "model.skops", "predictor.npz"]


def _fail(*args, **kwargs):
    raise TypeError("export bug")


@pytest.mark.parametrize("where", ["predictor", "card"])
def test_a_save_that_fails_midway_leaves_the_old_model_whole(tiny_model, tmp_path, monkeypatch, where):
    from nlp.classify.predictor import LinearTextPredictor

    target = tmp_path / "m"
    modelio.save(tiny_model, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    if where == "predictor":  # a bug in the export: it must not ship a model without predictor.npz
        monkeypatch.setattr(LinearTextPredictor, "from_pipeline", classmethod(_fail))
        expected = (ModelError, "cannot export the model's NumPy predictor")
    else:  # the model files are written, then building the card fails
        monkeypatch.setattr(modelio, "library_versions", _fail)
        expected = (TypeError, "export bug")
    with pytest.raises(expected[0], match=expected[1]):
        modelio.save(tiny_model, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no staging directory left behind


def test_a_model_of_another_shape_is_saved_without_a_predictor(tiny_model, tmp_path):
    from sklearn.pipeline import Pipeline

    from nlp.classify.model import Model

    other = Model(Pipeline([("classifier", tiny_model.pipeline)]), dict(tiny_model.card), None)
    modelio.save(other, tmp_path / "m")
    assert "predictor.npz" not in {p.name for p in (tmp_path / "m").iterdir()}


def copy_model(source, target):
    target.mkdir()
    for name in ("model.json", "model.skops", "fingerprints.npy", "predictor.npz"):
        (target / name).write_bytes((source / name).read_bytes())
    return target


def test_truncated_model_fails_clearly(tiny_model_dir, tmp_path):
    broken = copy_model(tiny_model_dir, tmp_path / "m")
    data = (broken / "model.skops").read_bytes()
    (broken / "model.skops").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="checksum does not match"):
        modelio.load(broken)


class Evil:
    """Stands for a hostile payload: restoring it would leave a marker file."""

    marker = None

    def __setstate__(self, state):
        Evil.marker.write_text("executed")


def test_unknown_types_are_refused_without_executing(tiny_model_dir, tmp_path):
    import skops.io as sio

    evil = copy_model(tiny_model_dir, tmp_path / "m")
    Evil.marker = tmp_path / "marker"
    payload = Evil()
    payload.__dict__["x"] = 1
    sio.dump({"x": payload}, evil / "model.skops")  # a type outside the allow-list
    card = json.loads((evil / "model.json").read_text("utf-8"))
    card.pop("model_sha256")
    (evil / "model.json").write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match=r"refusing to load unknown types: .*Evil"):
        modelio.load(evil)
    assert not Evil.marker.exists()


def test_garbage_model_file_fails_clearly(tiny_model_dir, tmp_path):
    broken = copy_model(tiny_model_dir, tmp_path / "m")
    (broken / "model.skops").write_bytes(b"not a zip file")
    card = json.loads((broken / "model.json").read_text("utf-8"))
    card.pop("model_sha256")
    (broken / "model.json").write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match="not a readable skops model"):
        modelio.load(broken)


@pytest.mark.parametrize(
    "card, message",
    [({"format_version": 99}, "incompatible version"), (None, "no model.json"), ("[]", "not a JSON object"), ("{", "unreadable")],
)
def test_bad_cards_fail_clearly(tiny_model_dir, tmp_path, card, message):
    broken = copy_model(tiny_model_dir, tmp_path / "m")
    if card is None:
        (broken / "model.json").unlink()
    else:
        (broken / "model.json").write_text(card if isinstance(card, str) else json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match=message):
        modelio.load(broken)


def test_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="model directory not found"):
        modelio.load(tmp_path / "absent")


def test_fingerprints_survive_the_round_trip_and_flag_overlap(tiny_model, tiny_model_dir):
    loaded = modelio.load(tiny_model_dir)
    assert (loaded.trained_on == tiny_model.trained_on).all() and len(loaded.trained_on) == 24
    assert loaded.overlap(["前锋 进球 从未 见过"]) == 0


def test_tampered_fingerprints_fail_clearly(tiny_model_dir, tmp_path):
    broken = copy_model(tiny_model_dir, tmp_path / "m")
    (broken / "fingerprints.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ModelError, match="fingerprints.npy: checksum does not match"):
        modelio.load(broken)


def test_the_exported_predictor_gives_the_same_probabilities(tiny_model_dir):
    full, fast = modelio.load(tiny_model_dir), modelio.load(tiny_model_dir, fast=True)
    assert type(fast.pipeline).__name__ == "LinearTextPredictor"
    docs = ["前锋 进球 比赛", "银行 利率 下调", "手机 芯片", "", "完全 陌生 的 词"]
    assert fast.predict(docs) == full.predict(docs)
    assert fast.labels == full.labels


def test_tampered_predictor_fails_clearly(tiny_model_dir, tmp_path):
    broken = copy_model(tiny_model_dir, tmp_path / "m")
    (broken / "predictor.npz").write_bytes(b"PK\x03\x04 not a real archive")
    with pytest.raises(ModelError, match="predictor.npz: checksum does not match"):
        modelio.load(broken, fast=True)


def test_annotation_starts_without_importing_scikit_learn(tiny_model_dir, tmp_path):
    import subprocess
    import sys

    post = tmp_path / "p.txt"
    post.write_text("芯片\n新款手机搭载自研芯片", "utf-8")
    code = ("import sys; from nlp.jobs.runner import make_pipeline; from nlp.settings import Settings; "
            "from nlp.io.readers import read_articles; from pathlib import Path; "
            f"a = make_pipeline(Settings(), Path({str(tiny_model_dir)!r})); "
            f"r = a.annotate_batch(list(read_articles([{str(post)!r}]))); "
            "print(r[0].category.label, any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["科技", "False"]


@pytest.mark.parametrize("fast", [False, True])
def test_a_lead_only_model_reads_only_the_lead_after_loading(tiny_model, tmp_path, fast):
    from nlp.classify.training import TrainOptions, train

    docs = [f"{text} {n}" for n in range(5) for text in ("前锋 进球 比赛 球队", "银行 利率 理财 收益", "手机 芯片 处理器 发布")]
    labels = ["体育", "财经", "科技"] * 5
    model = train(docs, labels, TrainOptions(min_df=1, holdout=0.0, max_tokens=2))
    modelio.save(model, tmp_path / "m")
    loaded = modelio.load(tmp_path / "m", fast=fast)
    queries = ["银行 利率 前锋 进球 比赛 球队 前锋 进球", "手机 芯片"]
    assert loaded.card["max_tokens"] == 2
    assert [p.label for p in loaded.predict(queries)] == ["财经", "科技"]
    assert loaded.predict(queries) == model.predict(queries)
