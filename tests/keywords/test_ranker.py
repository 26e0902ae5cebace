import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.errors import ConfigError
from nlp.keywords.ranker import FEATURES, KeyRanker, candidate_features, select
from nlp.keywords.scoring import IdfTable
from nlp.keywords.phrases import TokenCodes
from nlp.doc import Token
from nlp.text.segment import load_stopwords

STOP = load_stopwords()


def test_features_cover_every_candidate_once():
    title = [Token("数据中心", "n"), Token("建设", "vn")]
    body = [Token("数据中心", "n"), Token("建设", "vn"), Token("加快", "v"), Token("，", "x"), Token("数据中心", "n")]
    found = candidate_features(title, body, IdfTable({"数据中心": 5.0, "建设": 2.0}), {"数据中心": 1.0, "建设": 0.5}, STOP)
    assert set(found.texts) == {"数据中心", "建设", "数据中心建设"}
    assert found.features.shape == (3, len(FEATURES))
    row = dict(zip(FEATURES, found.features[found.texts.index("数据中心")]))
    assert row["in_title"] == 1.0 and row["tfidf_rel"] == 1.0 and row["textrank_rel"] == 1.0 and row["single_token"] == 1.0
    phrase = dict(zip(FEATURES, found.features[found.texts.index("数据中心建设")]))
    assert phrase["tokens"] == 2 and phrase["in_idf_table"] == 0.0 and phrase["log_substrings"] > 0


@pytest.mark.parametrize("words_seen_before", [0, 5000])
def test_last_part_of_speech_is_one_hot_whatever_the_coder_has_seen(words_seen_before):
    codes = TokenCodes(STOP)
    codes.code_list([Token(f"词{i}", "n") for i in range(words_seen_before)])  # word ids grow above the POS bits
    body = [Token("数据", "n"), Token("建设", "vn"), Token("，", "x"), Token("芯片", "n")]
    found = candidate_features([], body, IdfTable({"数据": 1.0}), {}, STOP, codes=codes)
    for text, expected in [("数据建设", "last_pos_vn"), ("芯片", "last_pos_n")]:
        row = dict(zip(FEATURES, found.features[found.texts.index(text)]))
        assert [f for f in FEATURES if f.startswith("last_pos_") and row[f] == 1.0] == [expected]


def test_empty_documents_have_no_candidates():
    found = candidate_features([], [], IdfTable({"x": 1.0}), {}, STOP)
    assert found.texts == () and found.features.shape == (0, len(FEATURES))


def test_select_skips_candidates_inside_chosen_ones_and_breaks_ties_by_text():
    chosen = select(["数据中心建设", "数据中心", "算力", "乙", "甲"], np.array([0.9, 0.8, 0.7, 0.5, 0.5]), 4)
    assert chosen == [("数据中心建设", 0.9), ("算力", 0.7), ("乙", 0.5), ("甲", 0.5)]


def test_bundled_ranker_scores_are_probabilities():
    ranker = KeyRanker.bundled()
    scores = ranker.score(np.zeros((2, len(FEATURES))))
    assert scores.shape == (2,) and np.all((0 < scores) & (scores < 1))
    assert ranker.info["out_of_fold_f1_at_5"]


def test_ranker_weights_must_match_the_features():
    data = KeyRanker.bundled().to_dict()
    data["features"] = data["features"][:-1]
    with pytest.raises(ConfigError, match="other features"):
        KeyRanker.from_dict(data)


@given(st.lists(st.tuples(st.sampled_from(["数据", "中心", "数据中心", "算力", "网络", "算力网络", "甲", "乙", "丙丁"]),
                          st.sampled_from([0.1, 0.2, 0.5, 0.5000001, 0.9])), max_size=80),
       st.integers(min_value=0, max_value=6))
def test_select_matches_a_full_sort(pairs, top_k):
    texts = [f"{t}{i}" if i % 3 else t for i, (t, _) in enumerate(pairs)]
    scores = np.array([s for _, s in pairs])
    full = sorted(zip((round(float(s), 6) for s in scores), texts), key=lambda p: (-p[0], p[1]))
    expected: list = []
    for score, text in full:
        if len(expected) == top_k:
            break
        if not any(text in other for other, _ in expected):
            expected.append((text, score))
    assert select(texts, scores, top_k) == expected
