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
    codes.codes([Token(f"词{i}", "n") for i in range(words_seen_before)])  # a full memo
    body = [Token("数据", "n"), Token("建设", "vn"), Token("，", "x"), Token("芯片", "n")]
    found = candidate_features([], body, IdfTable({"数据": 1.0}), {}, STOP, codes=codes)
    for text, expected in [("数据建设", "last_pos_vn"), ("芯片", "last_pos_n")]:
        row = dict(zip(FEATURES, found.features[found.texts.index(text)]))
        assert [f for f in FEATURES if f.startswith("last_pos_") and row[f] == 1.0] == [expected]


ENTITY_BODY = [Token("张伟", "nr"), Token("在", "p"), Token("华为", "nz"), Token("发布", "v"), Token("Mate", "eng"),
               Token("，", "x"), Token("华为", "nz"), Token("手机", "n")]


@pytest.mark.parametrize("mentions, expected", [
    ([], {}),
    ([("张伟", "PER"), ("华为", "ORG")], {"张伟": ("entity_per", 1, 1.0), "华为": ("entity_org", 1, 0.5)}),
    ([("华为", "ORG"), ("华为", "LOC"), ("华为", "LOC")], {"华为": ("entity_loc", 3, 1.0)}),  # most mentions' kind
    ([("华为", "ORG"), ("华为", "LOC")], {"华为": ("entity_org", 2, 1.0)}),  # a tie: the kind seen first
    ([("mate", "game")], {"Mate": ("entity_other", 1, 1.0)}),  # case ignored; a fine type outside PER/ORG/LOC
])
def test_entity_features_say_how_often_and_as_what_a_candidate_is_mentioned(mentions, expected):
    found = candidate_features([], ENTITY_BODY, IdfTable({"华为": 3.0}), {}, STOP, mentions=mentions)
    kinds = ["entity_per", "entity_org", "entity_loc", "entity_other"]
    for text, row in zip(found.texts, found.features):
        row = dict(zip(FEATURES, row))
        if text in expected:
            kind, n, share = expected[text]
            assert [k for k in kinds if row[k] == 1.0] == [kind]
            assert row["log_entity"] == pytest.approx(np.log1p(n)) and row["entity_share"] == pytest.approx(share)
        else:
            assert all(row[k] == 0.0 for k in ["log_entity", "entity_share", *kinds]), text


def test_empty_documents_have_no_candidates():
    found = candidate_features([], [], IdfTable({"x": 1.0}), {}, STOP)
    assert found.texts == () and found.features.shape == (0, len(FEATURES))


def test_select_skips_candidates_inside_chosen_ones_and_breaks_ties_by_text():
    chosen = select(["数据中心建设", "数据中心", "算力", "乙", "甲"], np.array([0.9, 0.8, 0.7, 0.5, 0.5]), 4)
    assert chosen == [("数据中心建设", 0.9), ("算力", 0.7), ("乙", 0.5), ("甲", 0.5)]


@pytest.mark.parametrize("texts, expected", [
    (["智龙迷城", "迷城Nintendo", "游戏"], ["智龙迷城", "游戏"]),      # straddles the chosen one's end
    (["Nintendo Switch", "智龙迷城Nintendo", "游戏"], ["Nintendo Switch", "游戏"]),  # straddles its start
    (["英国", "国家统计局", "通胀"], ["英国", "国家统计局", "通胀"]),   # one shared character is no overlap
])
def test_select_skips_a_piece_straddling_a_chosen_keyword(texts, expected):
    assert [t for t, _ in select(texts, np.array([0.9, 0.8, 0.7]), 3)] == expected


def test_bundled_ranker_scores_are_probabilities():
    ranker = KeyRanker.bundled()
    scores = ranker.score(np.zeros((2, len(FEATURES))))
    assert scores.shape == (2,) and np.all((0 < scores) & (scores < 1))
    assert ranker.info["out_of_fold"]["sohu_f1_at_3_jieba"] > 0.4


def test_ranker_weights_must_match_the_features():
    data = KeyRanker.bundled().to_dict()
    data["features"] = data["features"][:-1]
    with pytest.raises(ConfigError, match="other features"):
        KeyRanker.from_dict(data)


@given(st.lists(st.tuples(st.sampled_from(["数据", "中心", "数据中心", "算力", "网络", "算力网络", "甲", "乙", "丙丁",
                                           "骁龙8", "数据 ", "数据１"]),
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
        if not any(text in other or _straddles(text, other) or _numbered(text, other) for other, _ in expected):
            expected.append((text, score))
    assert select(texts, scores, top_k) == expected


def _numbered(text: str, other: str) -> bool:
    """``text`` is ``other`` (not ending in a digit) with a number after it: one optional space, then
    ASCII or full-width digits (数据12 of 数据)."""
    rest = text[len(other):]
    rest = rest[1:] if rest[:1].isspace() else rest
    return (text.startswith(other) and not other[-1:].isdigit() and rest != ""
            and all(c in "0123456789０１２３４５６７８９" for c in rest))


def _straddles(a: str, b: str) -> bool:
    """An end of one (two characters or more) begins the other, neither inside the other."""
    if a in b or b in a:
        return False
    return any(a.endswith(b[:n]) or b.endswith(a[:n]) for n in range(2, min(len(a), len(b)) + 1))


def features_of(text, found):
    return dict(zip(FEATURES, found.features[found.texts.index(text)]))


def test_bound_is_the_share_of_a_candidates_occurrences_inside_one_longer_candidate():
    # 巴特 only ever stands inside 巴特托勒嘎; 座机 stands alone once and once inside 座机通话.
    body = [Token("巴特", "nr"), Token("托勒嘎", "nr"), Token("，", "x"), Token("巴特", "nr"), Token("托勒嘎", "nr"),
            Token("，", "x"), Token("座机", "n"), Token("通话", "n"), Token("，", "x"), Token("座机", "n")]
    found = candidate_features([], body, IdfTable({"座机": 5.0}), {}, STOP)
    assert features_of("巴特", found)["bound"] == 1.0
    assert features_of("座机", found)["bound"] == 0.5
    assert features_of("巴特托勒嘎", found)["bound"] == 0.0


def test_first_verb_marks_verb_object_phrases():
    body = [Token("取消", "v"), Token("座机", "n"), Token("，", "x"), Token("座机", "n"), Token("通话", "n")]
    found = candidate_features([], body, IdfTable({"座机": 5.0}), {}, STOP)
    assert features_of("取消座机", found)["first_verb"] == 1.0 and features_of("座机通话", found)["first_verb"] == 0.0


def scored(body, scores, mentions=()):
    found = candidate_features([], body, IdfTable({"座机": 5.0}), {}, STOP, mentions=mentions)
    return found, np.array([scores.get(t, 0.01) for t in found.texts])


@pytest.mark.parametrize("with_features, expected", [
    (True, ["座机", "座机通话", "长途"]),  # the verb-object variant 取消座机 repeats 座机: skipped
    (False, ["座机", "取消座机", "长途"]),  # without features: 座机通话 straddles 取消座机's end, so it is skipped
])
def test_a_verb_object_variant_of_a_chosen_part_is_skipped(with_features, expected):
    body = [Token("取消", "v"), Token("座机", "n"), Token("，", "x"), Token("座机", "n"), Token("通话", "n"),
            Token("，", "x"), Token("长途", "n")]
    found, scores = scored(body, {"座机": 0.9, "取消座机": 0.8, "座机通话": 0.7, "长途": 0.6})
    assert [t for t, _ in select(found.texts, scores, 3, found if with_features else None)] == expected


def test_a_whole_name_replaces_a_piece_that_never_stands_alone():
    body = [Token("巴特", "nr"), Token("托勒嘎", "nr"), Token("，", "x"), Token("巴特", "nr"), Token("托勒嘎", "nr"),
            Token("，", "x"), Token("英国", "ns"), Token("央行", "n"), Token("，", "x"), Token("英国", "ns")]
    found, scores = scored(body, {"巴特": 0.9, "英国": 0.8, "巴特托勒嘎": 0.7, "英国央行": 0.6})
    chosen = [t for t, _ in select(found.texts, scores, 3, found)]
    # 巴特 is a piece of 巴特托勒嘎 (bound 1.0, seen twice); 英国 also stands alone, so both it and 英国央行 stay.
    assert chosen == ["英国", "巴特托勒嘎", "英国央行"]


def test_a_third_layer_of_the_same_idea_is_skipped():
    body = [Token("全球", "n"), Token("遭遇", "n"), Token("宕机", "n"), Token("，", "x"), Token("宕机", "n"),
            Token("，", "x"), Token("推特", "nz")]
    found, scores = scored(body, {"宕机": 0.9, "遭遇宕机": 0.8, "全球遭遇宕机": 0.7, "推特": 0.6})
    assert [t for t, _ in select(found.texts, scores, 3, found)] == ["宕机", "遭遇宕机", "推特"]


@pytest.mark.parametrize("part, tail, expected", [
    (Token("Scala", "eng"), Token("编写", "v"), ["Scala", "Akka", "框架"]),  # a name and its predicate: a clause
    (Token("北京", "ns"), Token("连续", "a"), ["北京", "Akka", "框架"]),
    (Token("手机", "n"), Token("维修", "v"), ["手机", "手机维修", "Akka"]),  # a common noun and a verb: a term, kept
    (Token("英国", "ns"), Token("央行", "n"), ["英国", "英国央行", "Akka"]),  # a name and a noun head: kept
])
def test_a_predicate_after_a_chosen_name_is_skipped(part, tail, expected):
    body = [part, tail, Token("，", "x"), part, Token("，", "x"), Token("Akka", "eng"), Token("，", "x"), Token("框架", "n")]
    whole = part.word + tail.word
    found, scores = scored(body, {part.word: 0.9, whole: 0.8, "Akka": 0.7, "框架": 0.6})
    assert [t for t, _ in select(found.texts, scores, 3, found)] == expected


def test_log_work_title_counts_how_often_a_candidate_fills_a_pair_of_title_marks():
    body = [Token("《", "x"), Token("最后", "f"), Token("生还者", "n"), Token("2", "m"), Token("》", "x"), Token("，", "x"),
            Token("生还者", "n"), Token("游戏", "n")]
    found = candidate_features([], body, IdfTable({"生还者": 5.0}), {}, STOP)
    assert features_of("最后生还者2", found)["log_work_title"] == pytest.approx(np.log(2))
    assert features_of("生还者", found)["log_work_title"] == 0.0 and features_of("生还者游戏", found)["log_work_title"] == 0.0


@pytest.mark.parametrize("texts, expected", [
    (["质量效应", "质量效应3", "游戏"], ["质量效应", "游戏"]),  # a numbered one of a chosen series
    (["龙腾世纪", "龙腾世纪 2", "发售"], ["龙腾世纪", "发售"]),
    (["华为", "华为P50", "手机"], ["华为", "华为P50", "手机"]),  # a model name is more than a number
    (["5G", "5G网络", "基站"], ["5G", "5G网络", "基站"]),
    (["骁龙8", "骁龙888", "芯片"], ["骁龙8", "骁龙888", "芯片"]),  # a chosen name that ends in a digit: another product
    (["数据", "数据１２", "中心"], ["数据", "中心"]),  # full-width digits
])
def test_select_skips_a_numbered_variant_of_a_chosen_keyword(texts, expected):
    assert [t for t, _ in select(texts, np.array([0.9, 0.8, 0.7]), 3)] == expected


def test_a_works_title_replaces_a_chosen_part_of_it():
    body = [Token("《", "x"), Token("最后", "f"), Token("生还者", "n"), Token("2", "m"), Token("》", "x"), Token("，", "x"),
            Token("生还者", "n"), Token("，", "x"), Token("游戏", "n")]
    found = candidate_features([], body, IdfTable({"生还者": 5.0}), {}, STOP)
    order = {"生还者": 0.9, "最后生还者2": 0.8, "游戏": 0.7}
    scores = np.array([order.get(text, 0.0) for text in found.texts])
    assert [t for t, _ in select(found.texts, scores, 3, found)] == ["最后生还者2", "游戏"]
    assert [t for t, _ in select(found.texts, scores, 3)] == ["生还者", "最后生还者2", "游戏"]  # without features: both


@pytest.mark.parametrize("part, tail, mentions, kept", [
    ("美团", "骑手", (), False),                          # under a tenth of 美团's score: a variant, skipped
    ("美团", "骑手", (("美团骑手", "ORG"),), True),        # unless the entity stage found the whole
    ("富士", "S205EXR", (), True),                       # or the whole is the part with a model number
    ("教育", "CEO", (), False),                          # Latin letters alone are no model number
])
def test_a_far_weaker_whole_after_a_chosen_part_is_skipped_unless_a_name(part, tail, mentions, kept):
    body = [Token(part, "nt"), Token(tail, "eng" if tail.isascii() else "n"), Token("，", "x"), Token(part, "nt"),
            Token("，", "x"), Token("外卖", "n"), Token("，", "x"), Token("骑行", "n")]
    found, scores = scored(body, {part: 0.6, part + tail: 0.05, "外卖": 0.5, "骑行": 0.04}, mentions)
    assert part + tail in found.texts
    expected = [part, "外卖", part + tail] if kept else [part, "外卖", "骑行"]
    assert [t for t, _ in select(found.texts, scores, 3, found)] == expected


@pytest.mark.parametrize("whole_score, expected", [
    (0.05, ["美团", "骑手", "外卖"]),  # under a tenth of 美团's 0.6: a variant, skipped
    (0.059, ["美团", "骑手", "外卖"]),
    (0.061, ["美团", "骑手", "美团骑手"]),  # a tenth or more: kept, as annotators keep 英国央行 beside 英国
    (0.3, ["美团", "骑手", "美团骑手"]),
])
def test_a_far_weaker_whole_after_a_chosen_part_is_skipped(whole_score, expected):
    body = [Token("美团", "nt"), Token("骑手", "n"), Token("，", "x"), Token("美团", "nt"), Token("，", "x"),
            Token("骑手", "n"), Token("，", "x"), Token("外卖", "n")]
    found, scores = scored(body, {"美团": 0.6, "骑手": 0.5, "美团骑手": whole_score, "外卖": 0.04})
    assert [t for t, _ in select(found.texts, scores, 3, found)] == expected
