"""The entity recognizer: reading training lines, training on a hand-written micro-corpus, predicting,
saving and loading, scoring; and the compiled core against its pure-Python reference."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import entities_reference as reference
from random_models import random_model
from nlp.entities import Entity, EntityRecognizer, TrainOptions, coarsen, evaluate, read_examples, score, train
from nlp.entities import _core
from nlp.entities.model import DENSE, DENSE_FROM, SEEN_BITS, hash_table, pack
from nlp.errors import InputError, ModelError

# Hand-written sentences: (text, [(entity text, type), ...]); offsets are found by position.
SENTENCES = [
    ("记者张伟报道，华为公司昨天在深圳发布新手机。", [("张伟", "name"), ("华为公司", "company"), ("深圳", "address")]),
    ("记者李明报道，腾讯公司今天在广州召开发布会。", [("李明", "name"), ("腾讯公司", "company"), ("广州", "address")]),
    ("记者王芳报道，小米公司上周在北京举行活动。", [("王芳", "name"), ("小米公司", "company"), ("北京", "address")]),
    ("记者赵强报道，阿里公司近日在杭州宣布消息。", [("赵强", "name"), ("阿里公司", "company"), ("杭州", "address")]),
    ("记者刘洋报道，百度公司日前在上海展示新车。", [("刘洋", "name"), ("百度公司", "company"), ("上海", "address")]),
    ("记者陈静报道，京东公司昨天在南京开设门店。", [("陈静", "name"), ("京东公司", "company"), ("南京", "address")]),
    ("教育部发布通知，要求学校减轻学生负担。", [("教育部", "government")]),
    ("财政部表示，今年将继续减税降费。", [("财政部", "government")]),
    ("他在书店买了一本《三体》，回家读到深夜。", [("《三体》", "book")]),
    ("今天天气晴朗，适合出门散步。", []),
]


def example_line(text, spans, **extra):
    entities, cursor = [], 0
    for piece, kind in spans:
        start = text.index(piece, cursor)
        entities.append({"type": kind, "start": start, "end": start + len(piece), "text": piece})
        cursor = start + len(piece)
    return json.dumps({"text": text, "entities": entities, **extra}, ensure_ascii=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("ner") / "train.jsonl"
    path.write_text("\n".join(example_line(t, s) for t, s in SENTENCES) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def recognizer(corpus):
    return train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=100))


@pytest.mark.parametrize("field", ["text", "title"])
def test_entity_round_trips_through_dict(field):
    entity = Entity("华为公司", "company", 7, 11, field)
    assert entity.to_dict() == {"text": "华为公司", "type": "company", "start": 7, "end": 11, "field": field}
    assert Entity.from_dict(entity.to_dict()) == entity
    assert Entity.from_dict({"text": "华为公司", "type": "company", "start": 7, "end": 11}).field == "text"  # training lines


def test_reader_keeps_offsets_types_and_order(corpus):
    examples = read_examples([corpus])
    assert len(examples) == len(SENTENCES)
    first = examples[0]
    assert [(e.text, e.type) for e in first.entities] == SENTENCES[0][1]
    assert all(first.text[e.start:e.end] == e.text for e in first.entities)
    assert first.id == f"{corpus}:1"


@pytest.mark.parametrize("line, problem", [
    ('{"text": "张伟来了", "entities": [', "not valid JSON"),
    ('{"entities": []}', "string 'text'"),
    ('{"text": "张伟来了", "entities": [{"type": "name", "start": 2, "end": 9}]}', "outside the text"),
    ('{"text": "张伟来了", "entities": [{"type": "name", "start": -1, "end": 2}]}', "outside the text"),
    ('{"text": "张伟来了", "entities": [{"type": "name", "start": 0, "end": 2, "text": "李明"}]}', "does not match"),
    ('{"text": "张伟来了", "entities": [{"type": "person", "start": 0, "end": 2}]}', "unknown entity type 'person'"),
    ('{"text": "张伟来了", "entities": [{"type": "name", "start": "0", "end": 2}]}', "integer"),
])
def test_malformed_line_names_file_line_and_problem(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(example_line(*SENTENCES[0]) + "\n\n" + line + "\n", "utf-8")
    with pytest.raises(InputError) as caught:
        read_examples([path])
    assert str(caught.value).startswith(f"{path}:3: ")
    assert problem in str(caught.value)


def test_trained_model_finds_a_name_it_never_saw(recognizer):
    text = "记者孙磊报道，联想公司昨天在武汉发布电脑。"
    found = {(e.text, e.type) for e in recognizer.predict(text)}
    assert ("孙磊", "name") in found
    assert ("联想公司", "company") in found


@pytest.mark.parametrize("text", ["记者周敏报道，华为公司在深圳发布新品。", "  记者李明报道，腾讯公司在广州。\n记者张伟报道。", ""])
def test_offsets_point_into_the_text_in_reading_order(recognizer, text):
    found = recognizer.predict(text)
    assert all(text[e.start:e.end] == e.text and e.start < e.end for e in found)
    assert [e.start for e in found] == sorted(e.start for e in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_predictions_are_deterministic_and_batch_matches_single(recognizer):
    texts = [t for t, _ in SENTENCES] + ["记者孙磊报道，联想公司昨天在武汉发布电脑。"]
    assert recognizer.predict_batch(texts) == [recognizer.predict(t) for t in texts]
    assert recognizer.predict_batch(texts) == recognizer.predict_batch(texts)


def test_training_twice_gives_the_same_model(corpus, recognizer):
    again = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=100))
    assert all(np.array_equal(a, b) for a, b in zip(again.arrays, recognizer.arrays))


def test_save_load_round_trip_gives_the_same_predictions(tmp_path, recognizer):
    card = recognizer.save(tmp_path / "model", name="tiny")
    loaded = EntityRecognizer.load(tmp_path / "model")
    assert card["name"] == "tiny" and card["types"] == list(loaded.types)
    assert card["version"] == card["model_sha256"][:12]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind
    texts = [t for t, _ in SENTENCES]
    assert loaded.predict_batch(texts) == recognizer.predict_batch(texts)


def test_load_refuses_a_changed_or_missing_model(tmp_path, recognizer):
    recognizer.save(tmp_path / "model")
    arrays = tmp_path / "model" / "entities.npz"
    arrays.write_bytes(arrays.read_bytes()[:-10])
    with pytest.raises(ModelError, match="checksum"):
        EntityRecognizer.load(tmp_path / "model")
    with pytest.raises(ModelError, match="not found"):
        EntityRecognizer.load(tmp_path / "absent")


def test_evaluation_scores_exact_span_and_type(recognizer, corpus):
    gold = [[Entity("张伟", "name", 2, 4), Entity("华为", "company", 7, 9)]]
    predicted = [[Entity("张伟", "name", 2, 4), Entity("华为公司", "company", 7, 11), Entity("深圳", "address", 14, 16)]]
    result = score(gold, predicted)
    rows = {row.type: row for row in result.per_type}
    assert (rows["name"].precision, rows["name"].recall) == (1.0, 1.0)
    assert (rows["company"].correct, rows["address"].predicted) == (0, 1)
    assert (result.micro.precision, result.micro.recall) == (pytest.approx(1 / 3), 0.5)
    assert evaluate(recognizer, read_examples([corpus])).micro.f1 > 0.9  # it learned its own sentences


def test_coarse_types_map_fine_ones_and_drop_the_rest():
    fine = [Entity("张伟", "name", 0, 2), Entity("三体", "book", 3, 5), Entity("教育部", "government", 6, 9)]
    assert [(e.type, e.start) for e in coarsen(fine)] == [("PER", 0), ("ORG", 6)]


# The compiled core against the readable reference (tests/entities_reference.py).

texts = st.text(st.sampled_from("张李记者报道华为公司在深圳北京《》，。 \nAaZz09０９　ＡＢ"), max_size=40)


@given(texts)
@settings(max_examples=200, deadline=None)
def test_compiled_features_match_the_reference(text):
    out = np.zeros((len(text), _core.N_FEATURES), np.uint64)
    _core.fill_features(text, out)
    assert out.tolist() == reference.features(text)


def core_tag(text, slots, rows, offsets, labels, values, transitions, start, end, dense_from=DENSE_FROM):
    """The compiled core on the model file's arrays, packed as the recognizer packs them."""
    packed = pack(slots, rows, offsets, labels, values, len(start), dense_from=dense_from)
    return _core.tag(text, *packed, _core.Chain(transitions, start, end))


@given(texts, st.integers(0, 2**32 - 1), st.integers(1, 3), st.sampled_from([2, 3, DENSE]))
@settings(max_examples=150, deadline=None)
def test_compiled_tagger_matches_the_reference(text, seed, n_types, dense_from):
    """Features with no weight, one (kept in the slot), several (in the weights list) and several
    as dense rows (all of them from 2, none at DENSE)."""
    model = random_model(seed, n_types, reference.features("张李记者报道华为公司在深圳北京《》，。A0 "))
    assert core_tag(text, *model, dense_from=dense_from) == reference.tag(text, *model)


@given(texts, st.integers(0, 2**32 - 1), st.integers(1, 3))
@settings(max_examples=150, deadline=None)
def test_compiled_tagger_matches_the_reference_when_paths_tie(text, seed, n_types):
    """Whole-number weights: predecessors often score exactly the same, and the first one must win,
    also where Viterbi skips the scan of a group's labels (see _core.Chain)."""
    model = random_model(seed, n_types, reference.features("张李记者报道华为公司在深圳北京《》，。A0 "), whole=True)
    assert core_tag(text, *model) == reference.tag(text, *model)


@given(texts, st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_compiled_tagger_matches_the_reference_for_any_allowed_transitions(text, seed):
    """Not only BIOES: random forbidden transitions, labels that nothing may precede (label 0 stands in)."""
    slots, rows, offsets, labels, values, transitions, start, end = random_model(
        seed, 2, reference.features("张李记者报道华为公司在深圳北京《》，。A0 "))
    rng = np.random.default_rng(seed)
    transitions = np.where(rng.random(transitions.shape) < 0.5, rng.normal(size=transitions.shape), -1e9)
    transitions[:, rng.integers(0, len(start))] = -1e9
    transitions = transitions.astype(np.float32)
    model = (slots, rows, offsets, labels, values, transitions, start, end)
    assert core_tag(text, *model) == reference.tag(text, *model)


def test_chain_refuses_arrays_of_different_sizes():
    with pytest.raises(ValueError, match="number of labels"):
        _core.Chain(np.zeros((3, 3), np.float32), np.zeros(3, np.float32), np.zeros(2, np.float32))


def test_compiled_tagger_matches_the_reference_on_a_trained_model(recognizer):
    for text, _ in SENTENCES:
        assert core_tag(text, *recognizer.arrays) == reference.tag(text, *recognizer.arrays)


def test_cli_trains_and_evaluates_entities(tmp_path, corpus):
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    model = tmp_path / "ner"
    result = runner.invoke(app, ["train-entities", str(corpus), "-o", str(model), "--c1", "0", "--iterations", "50"])
    assert result.exit_code == 0, result.output
    assert "10 sentences, 5 types" in result.output
    result = runner.invoke(app, ["evaluate-entities", str(corpus), "--model", str(model)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["type", "precision", "recall", "f1", "gold", "predicted"]
    assert [line.split()[0] for line in lines[1:-1]] == ["address", "book", "company", "government", "name", "micro"]
    result = runner.invoke(app, ["evaluate-entities", str(corpus), "--model", str(model), "--coarse", "--json"])
    assert [row["type"] for row in json.loads(result.output)["per_type"]] == ["LOC", "ORG", "PER"]


def test_cli_names_the_bad_line(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "张伟", "entities": [{"type": "name", "start": 0, "end": 5}]}\n', "utf-8")
    result = CliRunner().invoke(app, ["train-entities", str(bad), "-o", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert f"{bad}:1: entity offsets [0, 5) lie outside the text" in result.output


def test_tag_refuses_a_missing_chain(recognizer):
    with pytest.raises(TypeError):
        _core.tag("华为公司", recognizer._table, recognizer._seen, recognizer._weights, recognizer._dense, None)


def test_a_recognizer_pickles_and_predicts_the_same(recognizer):
    import pickle

    again = pickle.loads(pickle.dumps(recognizer))
    texts = [t for t, _ in SENTENCES]
    assert [again.predict(t) for t in texts] == [recognizer.predict(t) for t in texts]


@pytest.mark.parametrize("homes", [
    [15, 15, 15, 15, 0, 1],  # (at most 7 keys: a table of 16) a run from the last slot wraps round onto slots 0 and 1
    [14, 15, 15, 3, 3, 3, 4],  # two runs, one of them past the end
    [0, 0, 0, 1, 2, 9, 9],  # none past the end
    list(range(0, 14, 2)),  # no collisions
])
def test_hash_table_places_every_key_where_linear_probing_finds_it(homes):
    keys = np.array([(k + 1) << 8 | h for k, h in enumerate(homes)], np.uint64)  # distinct, home h in 16 slots
    slots, rows = hash_table(keys)
    assert len(slots) == 16
    for index, key in enumerate(keys.tolist()):
        assert reference.lookup(slots, rows, key) == index
    assert sorted(rows[slots != 0].tolist()) == list(range(len(keys)))


@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.sampled_from([2, 3, 4, DENSE]))
@settings(max_examples=100, deadline=None)
def test_compiled_pack_matches_the_reference(seed, n_types, dense_from):
    """Features with no weight, one, several and (from dense_from) dense rows, packed the same way
    to the bit as the NumPy program (tests/entities/entities_reference.py)."""
    slots, rows, offsets, labels, values, _, start, _ = random_model(
        seed, n_types, reference.features("张李记者报道华为公司在深圳北京《》，。A0 "))
    got = pack(slots, rows, offsets, labels, values, len(start), dense_from=dense_from)
    expected = reference.pack(slots, rows, offsets, labels, values, len(start), dense_from, SEEN_BITS)
    for ours, theirs in zip(got, expected, strict=True):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        assert ours.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("name", ["trained here", "entities", "entities_msra"])
def test_trained_and_shipped_models_pack_as_the_reference_does(recognizer, name):
    if name != "trained here":
        recognizer = EntityRecognizer.load(Path(__file__).parents[2] / "models" / name)
    arrays = (recognizer.slots, recognizer.rows, recognizer.offsets, recognizer.labels, recognizer.values)
    got = pack(*arrays, len(recognizer.start))
    expected = reference.pack(*arrays, len(recognizer.start), DENSE_FROM, SEEN_BITS)
    assert [a.tobytes() for a in got] == [b.tobytes() for b in expected]


@pytest.mark.parametrize("damage", ["label", "row", "offsets"])
def test_pack_refuses_arrays_that_would_take_it_out_of_bounds(recognizer, damage):
    slots, rows, offsets, labels, values = (a.copy() for a in (recognizer.slots, recognizer.rows, recognizer.offsets,
                                                                recognizer.labels, recognizer.values))
    if damage == "label":
        labels[0] = len(recognizer.start)
    elif damage == "row":
        rows[int(np.flatnonzero(slots)[0])] = len(offsets) - 1
    else:
        offsets[-1] += 1
    with pytest.raises(ValueError, match="model"):
        pack(slots, rows, offsets, labels, values, len(recognizer.start))


@pytest.mark.parametrize("dense_from", [0, 1])
def test_pack_keeps_one_weight_in_its_slot(recognizer, dense_from):
    with pytest.raises(ValueError, match="dense_from"):
        pack(recognizer.slots, recognizer.rows, recognizer.offsets, recognizer.labels, recognizer.values,
             len(recognizer.start), dense_from=dense_from)


@pytest.mark.parametrize("labels", [[1, 1], [2, 1]])
def test_a_feature_must_name_each_label_once_in_rising_order(recognizer, labels):
    slots, rows, offsets, old_labels, values, transitions, start, end = recognizer.arrays
    first = int(np.flatnonzero(np.diff(offsets) >= 2)[0])  # a feature with two weights or more
    bad = old_labels.copy()
    bad[offsets[first]:offsets[first] + 2] = labels
    with pytest.raises(ModelError, match="rising order"):
        EntityRecognizer(types=recognizer.types, slots=slots, rows=rows, offsets=offsets, labels=bad, values=values,
                         transitions=transitions, start=start, end=end)
