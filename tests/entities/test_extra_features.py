"""A model's extra features: the lexicon (B/I/E of the words that cover a character) and character
clusters; the compiled core against the readable reference, training, saving and loading, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import entities_reference as reference
from random_models import random_model
from nlp.entities import EntityRecognizer, TrainOptions, read_examples, train
from nlp.entities import _core
from nlp.entities.clusters import NO_CLUSTER, learn_clusters, read_texts
from nlp.entities.lexicon import Lexicon, read_jieba_lexicon
from nlp.entities.model import extra_features, pack
from nlp.errors import DataError, InputError, ModelError

ALPHABET = "北京市海淀区中国人民银行张伟在，。 Ａ0a"
WORDS = [("北京", 0), ("北京市", 0), ("海淀区", 0), ("中国", 0), ("中国人民银行", 2), ("人民", 1), ("张伟", 1),
         ("北京", 2), ("京市海", 0)]


def as_reference(lexicon: Lexicon) -> dict:
    return {tuple(map(ord, word)): groups for word, groups in lexicon.words()}


def some_clusters(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = np.full(0x10000, NO_CLUSTER, np.uint16)
    for char in ALPHABET.lower().replace("ａ", "a"):
        if rng.random() < 0.8:
            table[ord(char)] = rng.integers(0, 4)
    return table


def test_lexicon_folds_merges_groups_and_keeps_two_to_twelve_characters():
    lexicon = Lexicon.from_words([("北京", 0), ("北京", 2), ("Ａ股", 2), ("京", 0), ("一" * 13, 1), ("张伟", 1)])
    assert lexicon.words() == [("a股", 4), ("北京", 5), ("张伟", 2)]  # sorted by code point
    with pytest.raises(DataError, match="group 3"):
        Lexicon.from_words([("北京", 3)])


def test_jieba_format_lexicon_keeps_only_place_person_and_organisation_words(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("北京 100 ns\n张伟 5 nr\n张三丰 5 nrfg\n新华社 9 nt\n吃饭 50 v\n重庆 3\n", "utf-8")
    assert read_jieba_lexicon(path).words() == [("北京", 1), ("张三丰", 2), ("张伟", 2), ("新华社", 4)]
    (tmp_path / "verbs.txt").write_text("吃饭 50 v\n", "utf-8")
    with pytest.raises(DataError, match="no word tagged"):
        read_jieba_lexicon(tmp_path / "verbs.txt")


def test_a_character_is_marked_by_every_word_that_covers_it():
    lexicon = Lexicon.from_words(WORDS)
    extras = extra_features(lexicon, None)
    text = "北京市海淀区"
    out = np.zeros((len(text), extras.n_templates), np.uint64)
    _core.fill_features(text, out, extras)
    on = (out[:, 17:] != 0).astype(int)
    # columns: place B I E, person B I E, organisation B I E
    assert on[0].tolist() == [1, 0, 0, 0, 0, 0, 1, 0, 0]  # 北: B of 北京 (place, organisation), B of 北京市
    assert on[1].tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 1]  # 京: E of 北京, I of 北京市, B of 京市海
    assert on[2].tolist() == [0, 1, 1, 0, 0, 0, 0, 0, 0]  # 市: E of 北京市, I of 京市海
    assert on[5].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]


texts = st.text(st.sampled_from(ALPHABET + "\n"), max_size=30)


@given(texts, st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_compiled_features_with_extras_match_the_reference(text, with_lexicon, with_clusters, seed):
    lexicon = Lexicon.from_words(WORDS) if with_lexicon else None
    clusters = some_clusters(seed) if with_clusters else None
    extras = extra_features(lexicon, clusters)
    width = 17 + 9 * with_lexicon + 7 * with_clusters
    out = np.zeros((len(text), width), np.uint64)
    _core.fill_features(text, out, extras)
    assert out.tolist() == reference.features(text, as_reference(lexicon) if lexicon else None, clusters)


@given(texts, st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_compiled_tagger_with_extras_matches_the_reference(text, seed):
    lexicon, clusters = Lexicon.from_words(WORDS), some_clusters(seed)
    words = as_reference(lexicon)
    sample = reference.features("北京市海淀区中国人民银行张伟在，。", words, clusters)
    slots, rows, offsets, labels, values, transitions, start, end = random_model(seed, 3, sample)
    got = _core.tag(text, *pack(slots, rows, offsets, labels, values, len(start)), _core.Chain(transitions, start, end),
                    extra_features(lexicon, clusters))
    assert got == reference.tag(text, slots, rows, offsets, labels, values, transitions, start, end, words, clusters)


SENTENCES = [
    ("记者张伟报道，华为公司昨天在深圳发布新手机。", [("张伟", "PER"), ("华为公司", "ORG"), ("深圳", "LOC")]),
    ("记者李明报道，腾讯公司今天在广州召开发布会。", [("李明", "PER"), ("腾讯公司", "ORG"), ("广州", "LOC")]),
    ("记者王芳报道，小米公司上周在北京举行活动。", [("王芳", "PER"), ("小米公司", "ORG"), ("北京", "LOC")]),
    ("我们去杭州看西湖，再去苏州看园林。", [("杭州", "LOC"), ("西湖", "LOC"), ("苏州", "LOC")]),
    ("今天天气晴朗，适合出门散步。", []),
]
PLACES = [("深圳", 0), ("广州", 0), ("北京", 0), ("杭州", 0), ("苏州", 0), ("西湖", 0), ("成都", 0)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    lines = []
    for text, spans in SENTENCES:
        entities, cursor = [], 0
        for piece, kind in spans:
            start = text.index(piece, cursor)
            entities.append({"type": kind, "start": start, "end": start + len(piece)})
            cursor = start + len(piece)
        lines.append(json.dumps({"text": text, "entities": entities}, ensure_ascii=False))
    path = tmp_path_factory.mktemp("ner") / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def clusters():
    texts = [f"甲{a}乙" for a in "一二三四五六七八" for _ in range(6)] + [f"丙{b}丁" for b in "天地山水风云雷电" for _ in range(6)]
    return learn_clusters(texts, k=2, dimensions=3, min_count=5)


def test_characters_in_the_same_contexts_share_a_cluster(clusters):
    numbers, nature = {int(clusters[ord(c)]) for c in "一二三四五六七八"}, {int(clusters[ord(c)]) for c in "天地山水风云雷电"}
    assert len(numbers) == 1 and len(nature) == 1 and numbers != nature
    assert clusters[ord("猫")] == NO_CLUSTER  # never seen
    assert np.array_equal(learn_clusters([f"甲{a}乙" for a in "一二三四五六七八" for _ in range(6)]
                                         + [f"丙{b}丁" for b in "天地山水风云雷电" for _ in range(6)],
                                         k=2, dimensions=3, min_count=5), clusters)  # deterministic


def test_too_little_text_for_the_clusters_is_a_clear_error():
    with pytest.raises(DataError, match="too little text"):
        learn_clusters(["甲乙丙"] * 10, k=256)


def test_a_model_keeps_its_lexicon_and_clusters_through_save_and_load(tmp_path, corpus, clusters):
    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=50),
                  lexicon=Lexicon.from_words(PLACES), clusters=clusters)
    card = model.save(tmp_path / "model")
    assert card["features"] == ["characters", "lexicon (7 words)", "character clusters (20 characters)"]
    loaded = EntityRecognizer.load(tmp_path / "model")
    assert loaded.lexicon.words() == model.lexicon.words()
    assert np.array_equal(loaded.clusters, clusters)
    texts = [t for t, _ in SENTENCES] + ["记者孙磊报道，联想公司昨天在成都发布电脑。"]
    assert loaded.predict_batch(texts) == model.predict_batch(texts)
    # the model weighs the lexicon: some of its weights belong to lexicon feature hashes
    lexicon_keys = {reference.hash_of(17 + k) for k in range(9)}
    assert lexicon_keys & set(model.slots.tolist())


def test_a_model_without_extras_is_unchanged(tmp_path, corpus):
    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=50))
    assert model.extras is None and model.save(tmp_path / "m")["features"] == ["characters"]
    with np.load(tmp_path / "m" / "entities.npz") as arrays:
        assert "clusters" not in arrays.files and "lexicon_chars" not in arrays.files


@pytest.mark.parametrize("clusters, problem", [
    (np.zeros(100, np.uint16), "65,536"),
    (np.zeros(0x10000, np.int32), "uint16"),
])
def test_malformed_extra_arrays_are_refused(clusters, problem):
    with pytest.raises(ModelError, match=problem):
        extra_features(None, clusters)


def test_cluster_text_reader_names_the_bad_line(tmp_path):
    good, bad = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    good.write_text('{"title": "标题", "text": "正文", "label": "体育"}\n\n{"text": "第二行"}\n', "utf-8")
    bad.write_text('{"text": "好"}\n{"text": \n', "utf-8")
    assert list(read_texts([good])) == ["标题", "正文", "第二行"]
    with pytest.raises(InputError, match=f"{bad}:2: not valid JSON"):
        list(read_texts([bad]))


def test_cli_trains_with_a_lexicon_and_clusters(tmp_path, corpus):
    from typer.testing import CliRunner

    from cli import app

    dictionary = tmp_path / "places.txt"
    dictionary.write_text("".join(f"{word} 10 ns\n" for word, _ in PLACES), "utf-8")
    text = tmp_path / "raw.txt"
    text.write_text("".join(f"甲{a}乙\n" for a in "一二三四五六七八" * 6) + "".join(f"丙{b}丁\n" for b in "天地山水风云雷电" * 6),
                    "utf-8")
    model = tmp_path / "ner"
    result = CliRunner().invoke(app, ["train-entities", str(corpus), "-o", str(model), "--iterations", "30",
                                      "--lexicon", str(dictionary), "--cluster-text", str(text), "--clusters", "2"])
    assert result.exit_code == 0, result.output
    card = json.loads((model / "model.json").read_text("utf-8"))
    assert card["features"][1:] == ["lexicon (7 words)", "character clusters (21 characters)"]  # and the line break
    assert card["lexicon"] == str(dictionary)


def test_extras_pickle_and_give_the_same_features():
    import pickle

    lexicon, clusters = Lexicon.from_words(WORDS), some_clusters(3)
    for extras in (extra_features(lexicon, None), extra_features(None, clusters), extra_features(lexicon, clusters)):
        again = pickle.loads(pickle.dumps(extras))
        text = "北京市海淀区中国人民银行张伟在"
        out, back = (np.zeros((len(text), extras.n_templates), np.uint64) for _ in range(2))
        _core.fill_features(text, out, extras)
        _core.fill_features(text, back, again)
        assert out.tolist() == back.tolist()


# -- the segmentation as features: each character's place in its word and the word's part of speech

TAGS = ("ns", "nr", "nt", "v", "n", "x")


@st.composite
def segmented(draw):
    """A text and tokens as the pipeline gives them: words in order, with white space left out at
    times, an empty break marker at times, and now and then a token that is not the text's next word."""
    text = draw(texts)
    tokens, at = [], 0
    while at < len(text):
        word = text[at:at + draw(st.integers(1, 4))]
        at += len(word)
        if not (word.isspace() and draw(st.booleans())):
            tokens.append((word, draw(st.sampled_from(TAGS))))
        if draw(st.integers(0, 9)) == 0:
            tokens.append(("", "x"))
    if tokens and draw(st.integers(0, 9)) == 0:
        tokens.insert(draw(st.integers(0, len(tokens))), ("错", "n"))
    return text, tokens


@given(segmented(), st.booleans(), st.integers(0, 2**32 - 1))
@settings(max_examples=200, deadline=None)
def test_compiled_word_features_match_the_reference(case, with_clusters, seed):
    text, tokens = case
    clusters = some_clusters(seed) if with_clusters else None
    extras = extra_features(Lexicon.from_words(WORDS), clusters, "rjieba")
    assert extras.n_templates == 17 + 9 + 7 * with_clusters + _core.WORD_FEATURES
    out = np.zeros((len(text), extras.n_templates), np.uint64)
    _core.fill_features(text, out, extras, tokens)
    assert out.tolist() == reference.features(text, as_reference(Lexicon.from_words(WORDS)), clusters, tokens)


@given(segmented(), st.integers(0, 2**32 - 1))
@settings(max_examples=100, deadline=None)
def test_compiled_tagger_with_word_features_matches_the_reference(case, seed):
    text, tokens = case
    sample_text = "北京市海淀区中国人民银行张伟在，。"
    sample_tokens = [("北京市", "ns"), ("海淀区", "ns"), ("中国人民银行", "nt"), ("张伟", "nr"), ("在", "v"),
                     ("，", "x"), ("。", "x")]
    sample = reference.features(sample_text, None, None, sample_tokens)
    slots, rows, offsets, labels, values, transitions, start, end = random_model(seed, 3, sample)
    got = _core.tag(text, *pack(slots, rows, offsets, labels, values, len(start)), _core.Chain(transitions, start, end),
                    extra_features(None, None, "rjieba"), tokens)
    assert got == reference.tag(text, slots, rows, offsets, labels, values, transitions, start, end, tokens=tokens)


@pytest.mark.parametrize("tokens, places, tags", [
    ([("北京市", "ns"), ("海淀区", "ns")], [1, 2, 3, 1, 2, 3], "ns ns ns ns ns ns"),
    ([("北京", "ns"), ("市", "n"), ("海淀区", "ns")], [1, 3, 0, 1, 2, 3], "ns ns n ns ns ns"),
    ([("北", "v"), ("京市海淀", "n"), ("区", "n")], [0, 1, 2, 2, 3, 0], "v n n n n n"),
    ([("北京市", "ns"), ("", "x"), ("海淀区", "ns")], [1, 2, 3, 1, 2, 3], "ns ns ns ns ns ns"),  # a break marker
    ([("北京市", "ns"), ("海淀", "ns"), ("镇", "n")], [1, 2, 3, 1, 3, 0], "ns ns ns ns ns x"),  # 镇: not the text
    ([("北京市", "ns"), ("朝阳", "ns"), ("海淀区", "ns")], [1, 2, 3, 0, 0, 0], "ns ns ns x x x"),  # the walk ends
])
def test_a_characters_word_features_are_its_place_in_its_word_and_the_words_tag(tokens, places, tags):
    text = "北京市海淀区"
    extras = extra_features(None, None, "rjieba")
    out = np.zeros((len(text), extras.n_templates), np.uint64)
    _core.fill_features(text, out, extras, tokens)
    pos = [reference.hash_of(41, *map(ord, tag)) for tag in tags.split()]
    assert out[:, 17].tolist() == [reference.hash_of(33, place, p) for place, p in zip(places, pos)]
    assert out[:, 18].tolist() == [reference.hash_of(34, p) for p in pos]
    assert out[0, 19] == reference.hash_of(35, 1, pos[0]) and out[-1, 20] == reference.hash_of(36, pos[-1], 2)


def test_the_same_characters_segmented_otherwise_differ_only_in_the_word_columns():
    text = "张伟在北京"
    extras = extra_features(None, None, "rjieba")
    one, two = (np.zeros((len(text), extras.n_templates), np.uint64) for _ in range(2))
    _core.fill_features(text, one, extras, [("张伟", "nr"), ("在", "p"), ("北京", "ns")])
    _core.fill_features(text, two, extras, [("张", "nr"), ("伟在", "v"), ("北京", "ns")])
    assert one[:, :17].tolist() == two[:, :17].tolist()
    assert (one[:, 17:] != two[:, 17:]).any(axis=1).tolist() == [True, True, True, True, False]


def test_a_model_that_reads_words_needs_them_and_names_its_engine():
    extras = extra_features(None, None, "rjieba")
    with pytest.raises(ValueError, match="pass its tokens"):
        _core.fill_features("北京", np.zeros((2, extras.n_templates), np.uint64), extras)
    with pytest.raises(ModelError, match="engine 'hanlp'"):
        extra_features(None, None, "hanlp")
    again = pickle_round_trip(extras)
    assert again.has_words and again.n_templates == extras.n_templates


def pickle_round_trip(value):
    import pickle

    return pickle.loads(pickle.dumps(value))


def test_a_model_with_word_features_keeps_them_through_save_and_load(tmp_path, corpus):
    from nlp.text.segment import Segmenter

    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=50),
                  segmentation="rjieba")
    card = model.save(tmp_path / "model")
    assert card["features"] == ["characters", "segmentation (rjieba: place in word and part of speech)"]
    assert card["format_version"] == 2
    loaded = EntityRecognizer.load(tmp_path / "model")
    assert loaded.segmentation == "rjieba" and loaded.extras.has_words
    texts = [t for t, _ in SENTENCES] + ["记者孙磊报道，联想公司昨天在成都发布电脑。"]
    assert loaded.predict_batch(texts) == model.predict_batch(texts)
    segmenter = Segmenter()
    assert [loaded.spans(t, segmenter.tag(t)) for t in texts] == [loaded.spans(t) for t in texts]
    assert [loaded.predict(t, segmenter.tag(t)) for t in texts] == loaded.predict_batch(texts)
    word_keys = {reference.hash_of(34, reference.hash_of(41, *map(ord, tag))) for tag in ("nr", "ns", "n", "v", "x")}
    assert word_keys & set(model.slots.tolist())  # it weighs the segmentation


class _Counting:
    """A segmenter that counts the texts it is asked to tag."""

    def __init__(self, segmenter):
        self.segmenter, self.texts = segmenter, []

    def tag(self, text):
        self.texts.append(text)
        return self.segmenter.tag(text)


def test_tokens_that_do_not_spell_the_text_are_not_read(corpus):
    from nlp.text.segment import Segmenter

    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=20),
                  segmentation="rjieba")
    model._segmenter = spy = _Counting(Segmenter())
    text, other = SENTENCES[0][0], SENTENCES[1][0]
    own = spy.segmenter.tag(text)
    expected = model.spans(text, own)
    assert model.spans(" " + text.replace("，", " ，"), own) == model.spans(" " + text.replace("，", " ，"))
    assert spy.texts == [" " + text.replace("，", " ，")]  # the text's white space is skipped: tokens read
    spy.texts.clear()
    wrong_ones = (spy.segmenter.tag(other), own[:-1], own[1:], [*own[:1], (" ", "x"), *own[1:]])
    for wrong in wrong_ones:  # another text's, a word short at either end, a white-space token
        assert model.spans(text, wrong) == expected
    assert spy.texts == [text] * len(wrong_ones)  # segmented again each time, never read


def test_a_model_with_word_features_pickles_after_segmenting_a_text_itself(corpus):
    import pickle

    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=20),
                  segmentation="rjieba")
    texts = [t for t, _ in SENTENCES]
    before = model.predict_batch(texts)  # makes and keeps the model's own segmenter
    again = pickle.loads(pickle.dumps(model))
    assert again.predict_batch(texts) == before and again.segmentation == "rjieba"


@pytest.mark.parametrize("engine, message", [
    ("hanlp", "the segmentation array must name one engine"),
    (None, "the card and the arrays disagree on whether the model reads the segmentation"),  # array dropped
])
def test_a_model_file_with_an_unknown_or_missing_engine_is_refused(tmp_path, corpus, engine, message):
    import hashlib

    model = train(read_examples([corpus]), options=TrainOptions(c1=0.0, c2=0.01, max_iterations=20),
                  segmentation="rjieba")
    model.save(tmp_path / "m")
    path = tmp_path / "m" / "entities.npz"
    with np.load(path) as arrays:
        parts = {key: arrays[key] for key in arrays.files}
    if engine is None:
        del parts["segmentation"]
    else:
        parts["segmentation"] = np.array(engine)
    np.savez(path, **parts)
    card_path = tmp_path / "m" / "model.json"
    card = json.loads(card_path.read_text("utf-8"))
    card["model_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    card_path.write_text(json.dumps(card), "utf-8")
    with pytest.raises(ModelError, match=f"{path}: {message}"):
        EntityRecognizer.load(tmp_path / "m")


def test_cli_trains_a_model_that_reads_the_segmentation(tmp_path, corpus):
    from typer.testing import CliRunner

    from cli import app

    model = tmp_path / "ner"
    result = CliRunner().invoke(app, ["train-entities", str(corpus), "-o", str(model), "--iterations", "30",
                                      "--segmentation", "rjieba"])
    assert result.exit_code == 0, result.output
    assert json.loads((model / "model.json").read_text("utf-8"))["features"][1:] == [
        "segmentation (rjieba: place in word and part of speech)"]
    result = CliRunner().invoke(app, ["train-entities", str(corpus), "-o", str(tmp_path / "x"), "--segmentation", "hanlp"])
    assert result.exit_code != 0 and "hanlp" in result.output
