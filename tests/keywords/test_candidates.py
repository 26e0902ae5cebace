"""The compiled keyword-candidate core (nlp/keywords/_candidates.pyx) against its NumPy specification
(candidates_reference.py): the same spans, in the same order, and bit for bit the same features."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import candidates_reference as reference
from nlp.doc import Token
from nlp.keywords import _candidates, phrases
from nlp.keywords.phrases import TokenBatch, TokenCodes
from nlp.keywords.ranker import FEATURES, batch_candidates
from nlp.keywords.scoring import IdfTable, batch_word_ranks
from nlp.settings import KEYWORD_POS
from nlp.text.segment import load_stopwords

STOP = load_stopwords()

# Every kind of token the rules tell apart: nouns and names, breaks, joiners, numerals and measure
# words, Latin words and versions, lone characters (verbs, surnames, abbreviations, noun heads),
# bylines, blanks and outlets, a word too long for any phrase, and repeats (nesting, counts).
VOCAB = [("数据", "n"), ("中心", "n"), ("算力", "n"), ("的", "uj"), ("，", "x"), ("-", "x"), ("·", "x"),
         ("5", "m"), ("12", "m"), ("个", "q"), ("AI", "eng"), ("GPU", "eng"), ("3.5", "m"), ("表示", "v"),
         ("很长很长的一个词语", "n"), ("建设", "vn"), ("年", "t"), ("Lab", "eng"), ("系", "v"), ("跑", "v"),
         ("徐", "nr"), ("云", "n"), ("版", "n"), ("记者", "n"), ("王磊", "nr"), ("", "x"), ("新华社", "nt"),
         ("澎湃", "v"), ("新闻", "n"), ("川", "j"), ("渝", "j"), ("华为", "nz"), ("P50", "eng"), ("Zip", "eng"),
         ("版本", "n"), ("7", "m"), ("取消", "v"), ("座机", "n"), ("北京", "ns"), ("张伟", "nrfg"), ("美丽", "a"),
         ("哈", "e"), ("哈哈", "n"), ("Note", "eng"), ("9", "m"), ("魅族", "nz"), ("发展", "vn"),
         ("《", "x"), ("》", "x"), ("《", "x"), ("》", "x"), ("最后", "f"), ("你", "r"),  # works' titles, marks twice
         ("伽", "zg"), ("德罗", "nrt")]  # a foreign name cut around a bound morpheme
tokens_of = st.lists(st.sampled_from(VOCAB), max_size=30).map(lambda pairs: [Token(w, p) for w, p in pairs])
documents = st.lists(st.tuples(tokens_of, tokens_of), min_size=1, max_size=4)


def test_the_flags_are_those_of_the_token_codes():
    for name, value in _candidates.FLAGS.items():
        assert getattr(phrases, name) == value, name


@example(pairs=[("记者", "n"), ("", "x"), ("张伟", "nrfg"), ("数据", "n")])  # a byline, a blank, the reporter
@example(pairs=[("版本", "n"), ("7", "m"), ("-", "x"), ("Zip", "eng")])
@example(pairs=[("《", "x"), ("最后", "f"), ("数据", "n"), ("5", "m"), ("》", "x"), ("数据", "n")])
@given(st.lists(st.sampled_from(VOCAB), max_size=40))
def test_compiled_spans_are_the_reference_spans(pairs):
    tokens = [Token(w, p) for w, p in pairs]
    coder = TokenCodes(STOP)
    words, codes = [t.word for t in tokens], coder.codes(tokens)
    table = reference.span_table(words, codes, exclude=coder.metadata.outlets)
    found = _candidates.spans(words, codes, 5, 16, coder.metadata.outlets)
    assert [(text, start, n) for text, start, n, _ in found] == [(s.text, s.start, s.n_tokens) for s in table.spans()]
    assert [chars for *_, chars in found] == table.chars.tolist()
    flagged = reference.common_before_latin(table).tolist()
    assert _candidates.common_before_latin(words, codes, found) == flagged


def idf_of(words: list[str], draw_values: list[float]) -> IdfTable:
    return IdfTable(dict(zip(words, draw_values)) or {"无关": 1.0})


@settings(max_examples=150, deadline=None)
@given(documents, st.data())
def test_compiled_features_are_the_reference_features_bit_for_bit(docs, data):
    coder = TokenCodes(STOP)
    batch = TokenBatch.of(docs, coder)
    rank = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.3333]), min_size=len(batch.words),
                                       max_size=len(batch.words))), dtype=np.float64)
    known = data.draw(st.lists(st.sampled_from(["数据", "中心", "数据中心", "AI", "华为P50", "座机", "取消座机", "哈哈"]),
                               unique=True))
    idf = idf_of(known, data.draw(st.lists(st.sampled_from([0.5, 2.0, 7.25, 11.0]), min_size=len(known),
                                           max_size=len(known))))
    mentions = [data.draw(st.lists(st.tuples(st.sampled_from(["数据", "华为", "张伟", "ai", "北京"]),
                                             st.sampled_from(["PER", "ORG", "LOC", "game"])), max_size=3))
                for _ in docs]
    weight = data.draw(st.sampled_from([1.0, 3.0]))
    expected = reference.batch_candidates(batch, rank, idf, title_weight=weight, mentions=mentions)
    found = batch_candidates(batch, rank, idf, title_weight=weight, mentions=mentions)
    assert len(found) == len(expected) == len(docs)
    for got, want in zip(found, expected):
        assert got.texts == want.texts
        assert got.features.shape == want.features.shape == (len(want.texts), len(FEATURES))
        assert got.features.tobytes() == want.features.tobytes(), [
            name for k, name in enumerate(FEATURES) if not np.array_equal(got.features[:, k], want.features[:, k])]


@pytest.mark.parametrize("title, body, text, values", [
    # 数据中心 twice in the body, once inside 数据中心建设: a superstring, bound 1/2, and two substrings.
    ([], [("数据", "n"), ("中心", "n"), ("建设", "vn"), ("，", "x"), ("数据", "n"), ("中心", "n")], "数据中心",
     {"log_tf_body": np.log1p(2), "log_superstrings": np.log1p(1), "log_substrings": np.log1p(2), "bound": 0.5,
      "first_position": 0.0, "tokens": 2}),
    # In the title and the body: each part's nesting counts, the body's first position is that of the body.
    ([("座机", "n")], [("取消", "v"), ("座机", "n")], "取消座机",
     {"log_tf_title": 0.0, "in_title": 0.0, "first_verb": 1.0, "log_substrings": np.log1p(2), "first_position": 0.0}),
    ([("座机", "n")], [("取消", "v"), ("座机", "n")], "座机",
     {"in_title": 1.0, "first_position": 0.5, "bound": 0.5, "log_superstrings": np.log1p(1)}),
    ([], [("版本", "n"), ("7", "m"), ("-", "x"), ("Zip", "eng")], "版本7-Zip",
     {"common_before_latin": 1.0, "has_latin": 1.0, "last_pos_eng": 1.0, "chars": 7 / 8}),
    ([], [("华为", "nz"), ("P50", "eng")], "华为P50", {"common_before_latin": 0.0, "last_pos_eng": 1.0}),
])
def test_features_of_hand_written_documents(title, body, text, values):
    coder = TokenCodes(STOP)
    batch = TokenBatch.of([([Token(*t) for t in title], [Token(*t) for t in body])], coder)
    [found] = batch_candidates(batch, np.zeros(len(batch.words)), IdfTable({"数据": 1.0}))
    row = dict(zip(FEATURES, found.features[found.texts.index(text)]))
    for name, value in values.items():
        assert row[name] == pytest.approx(value), name


def test_a_document_without_candidates_between_others_keeps_its_place():
    coder = TokenCodes(STOP)
    docs = [([], [Token("数据", "n")]), ([], [Token("，", "x")]), ([Token("算力", "n")], [])]
    batch = TokenBatch.of(docs, coder)
    found = batch_candidates(batch, np.zeros(len(batch.words)), IdfTable({"数据": 1.0}))
    assert [c.texts for c in found] == [("数据",), (), ("算力",)]
    assert [c.features.shape for c in found] == [(1, len(FEATURES)), (0, len(FEATURES)), (1, len(FEATURES))]


@example(text="迷城Nintendo", chosen=["智龙迷城"])
@example(text="国家统计局", chosen=["英国"])
@given(st.text(alphabet="智龙迷城英国家ab", max_size=8), st.lists(st.text(alphabet="智龙迷城英国家ab", max_size=8), max_size=4))
def test_covered_is_the_reference_check_of_select(text, chosen):
    assert _candidates.covered(text, chosen) == reference.covered(text, chosen)


@pytest.mark.parametrize("text, chosen, expected", [
    ("迷城Nintendo", ["智龙迷城"], True),       # starts with the chosen one's end
    ("智龙迷城Nintendo", ["Nintendo Switch"], True),  # ends with its start
    ("国家统计局", ["英国"], False),              # one shared character is no overlap
    ("算力", ["算力基础设施"], True),             # inside
    ("算力基础设施", ["算力"], False),            # a whole after its part: select decides
])
def test_covered_on_hand_written_pairs(text, chosen, expected):
    assert _candidates.covered(text, chosen) is expected


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from([2, 3, 5]))
def test_compiled_textrank_is_the_sparse_matrix_textrank_bit_for_bit(docs, window):
    batch = TokenBatch.of(docs, TokenCodes(STOP, KEYWORD_POS))
    want = reference.batch_word_ranks(batch, window=window)
    got = batch_word_ranks(batch, window=window)
    assert got.words == want.words
    assert got.sizes.tolist() == want.sizes.tolist()
    assert got.scores.tobytes() == want.scores.tobytes()
    assert got.of_token.tobytes() == want.of_token.tobytes()


@given(texts=st.lists(st.text("aZ9华为Ａｂ ΣςİK-", max_size=6), max_size=12), keys=st.lists(st.text("az9华为ａｂ σςi̇k-", max_size=6), max_size=8))
@example(texts=["NVIDIA", "华为", "Ａ股", "ΣΑΣ"], keys=["nvidia", "华为", "ａ股", "σασ"])
def test_entity_lookup_ignores_case_as_str_lower_does(texts, keys):
    table = {key: n for n, key in enumerate(keys)}
    expected = [(i, table[t.lower()]) for i, t in enumerate(texts) if t.lower() in table]
    assert _candidates.lookup_lowered(tuple(texts), table) == expected


@pytest.mark.parametrize("inside", [
    [("数据", "n"), ("中心", "n"), ("的", "uj"), ("数据", "n"), ("你", "r"), ("最后", "f"), ("5", "m")],  # 7 tokens
    [("数据", "n")] * 8,  # the longest title
    [("数据", "n")] * 9,  # one token too many: no title
])
def test_features_of_long_work_titles_are_the_reference_features(inside):
    body = [Token(w, p) for w, p in [("数据", "n"), ("《", "x"), *inside, ("》", "x"), ("数据", "n"), ("中心", "n")]]
    batch = TokenBatch.of([([], body)], TokenCodes(STOP))
    rank = np.linspace(0.0, 1.0, len(batch.words))
    idf = idf_of(["数据"], [2.0])
    [want] = reference.batch_candidates(batch, rank, idf)
    [got] = batch_candidates(batch, rank, idf)
    assert got.texts == want.texts
    assert got.features.tobytes() == want.features.tobytes()
    assert ("".join(w for w, _ in inside) in got.texts) == (len(inside) <= 8 and len("".join(w for w, _ in inside)) <= 16)
