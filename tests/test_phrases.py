import pytest

from nlp.phrases import join, spans
from nlp.segment import Token, load_stopwords

STOP = load_stopwords()


def toks(*pairs):
    return [Token(w, p) for w, p in pairs]


def texts(tokens, **kwargs):
    return [s.text for s in spans(tokens, STOP, **kwargs)]


def test_adjacent_nouns_form_phrases_and_each_word_stays_a_candidate():
    found = texts(toks(("卷积", "n"), ("神经网络", "n"), ("模型", "n")))
    assert {"卷积神经网络", "神经网络模型", "卷积神经网络模型", "卷积", "神经网络", "模型"} <= set(found)


@pytest.mark.parametrize("breaker", [("的", "uj"), ("，", "x"), ("和", "c"), ("在", "p"), ("表示", "v")])
def test_particles_punctuation_and_stop_words_break_phrases(breaker):
    found = texts(toks(("算力", "n"), breaker, ("网络", "n")))
    assert not any("算力" in t and "网络" in t for t in found)


def test_numbers_and_measure_words_do_not_start_or_end_a_phrase():
    found = texts(toks(("5", "m"), ("个", "q"), ("数据中心", "n"), ("2022", "m")))
    assert found == ["数据中心"]


def test_hyphens_join_and_latin_words_keep_their_space():
    assert "L-谷氨酸" in texts(toks(("L", "eng"), ("-", "x"), ("谷氨酸", "n")))
    assert "query planner" in texts(toks(("query", "eng"), ("planner", "eng")))
    assert join("数据", "中心") == "数据中心" and join("5G", "基站") == "5G基站"


def test_length_limits():
    long = toks(*[("很长的词语", "n")] * 5)
    assert all(len(t) <= 16 for t in texts(long))
    assert texts(toks(("甲", "n"))) == []


def test_span_positions_point_at_the_tokens():
    tokens = toks(("我们", "r"), ("数据", "n"), ("中心", "n"))
    [first, *_] = [s for s in spans(tokens, STOP) if s.text == "数据中心"]
    assert (first.start, first.end, first.n_tokens) == (1, 3, 2)
