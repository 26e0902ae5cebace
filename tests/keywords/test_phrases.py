import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nlp.doc import Token
from nlp.keywords.phrases import TokenBatch, TokenCodes, join, spans
from nlp.keywords.ranker import FEATURES, batch_candidates
from nlp.keywords.scoring import IdfTable
from nlp.text.segment import is_latin, load_stopwords

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


# The compiled loop must find exactly the spans of the plain definition in the module docstring.
def reference_spans(tokens, stopwords, max_tokens=5, max_chars=16):
    from nlp.keywords.phrases import (BREAK_POS, EDGE_POS, HEAD_POS, JOINERS, LEAD_POS, NAME_POS, WORK_MARKS,
                                      WORK_TOKENS, _NUMERIC, Metadata)

    meta = Metadata.bundled()

    def after_byline(index):  # right after a byline word, or after one and a blank
        return ((index >= 1 and tokens[index - 1].word in meta.bylines)
                or (index >= 2 and tokens[index - 1].word == "" and tokens[index - 2].word in meta.bylines))

    def one(token):
        return len(token.word) == 1 and not is_latin(token.word)

    def breaks(index):
        token = tokens[index]
        return (token.pos in BREAK_POS or token.word in stopwords or token.word.lower() in stopwords
                or token.word in meta.outlets or token.word in meta.bylines
                or token.word in WORK_MARKS or token.word in WORK_MARKS.values())

    runs, current, start = [], [], 0
    for index, token in enumerate(tokens):
        if token.word in JOINERS and current:
            current.append(token)
            continue
        if (token.pos == "zg" and current and current[-1].pos in NAME_POS and index + 1 < len(tokens)
                and tokens[index + 1].pos in NAME_POS and not breaks(index + 1)):
            current.append(token)  # the middle of a foreign name the segmenter cut (阿伏|伽|德罗)
            continue
        if breaks(index) or (token.pos in NAME_POS and after_byline(index)):
            if current:
                runs.append((start, current))
            current, start = [], index + 1
        else:
            start = index if not current else start
            current.append(token)
    if current:
        runs.append((start, current))
    out = []
    for offset, run in runs:
        edge = [t.pos in EDGE_POS or t.word in JOINERS for t in run]
        for i in range(len(run)):
            text = ""
            for j in range(i, min(len(run), i + max_tokens)):
                text = join(text, run[j].word)
                if len(text) > max_chars:
                    break
                after_one = i > 0 and one(run[i - 1]) and run[i - 1].word not in JOINERS
                lead = not one(run[i]) or (run[i].pos in LEAD_POS and not after_one)
                whole = i == j or (lead and (not one(run[j]) or run[j].pos in HEAD_POS))
                if (not edge[i] and not edge[j] and len(text) >= 2 and not _NUMERIC.match(text) and whole
                        and text not in meta.outlets):
                    out.append((text, offset + i, offset + j + 1, j - i + 1))
    # The whole title of a work in 《》 (2 to WORK_TOKENS tokens, none of them punctuation).
    for i in range(1, len(tokens)):
        if tokens[i - 1].word not in WORK_MARKS:
            continue
        for k in range(i, min(i + WORK_TOKENS + 1, len(tokens))):
            if tokens[k].word in WORK_MARKS.values() or not any(ch.isalnum() for ch in tokens[k].word):
                break
        else:
            continue
        text = ""
        for token in tokens[i:k]:
            text = join(text, token.word)
        span = (text, i, k, k - i)
        if (tokens[k].word in WORK_MARKS.values() and k - i >= 2 and 2 <= len(text) <= max_chars and not _NUMERIC.match(text)
                and text not in meta.outlets and span not in out):
            out.append(span)
    return sorted(out, key=lambda span: (span[1], span[3]))


VOCAB = [("数据", "n"), ("中心", "n"), ("算力", "n"), ("的", "uj"), ("，", "x"), ("-", "x"), ("·", "x"),
         ("5", "m"), ("12", "m"), ("个", "q"), ("AI", "eng"), ("GPU", "eng"), ("3.5", "m"), ("表示", "v"),
         ("很长很长的一个词语", "n"), ("建设", "vn"), ("年", "t"), ("Lab", "eng"), ("系", "v"), ("跑", "v"),
         ("徐", "nr"), ("云", "n"), ("版", "n"), ("记者", "n"), ("王磊", "nr"), ("", "x"), ("新华社", "nt"),
         ("澎湃", "v"), ("新闻", "n"), ("川", "j"), ("渝", "j"), ("《", "x"), ("》", "x"), ("最后", "f"), ("你", "r"),
         ("伽", "zg"), ("很", "zg"), ("德罗", "nrt")]


@example(pairs=[("《", "x"), ("最后", "f"), ("数据", "n"), ("5", "m"), ("》", "x")])  # a work's title, whatever its ends
@example(pairs=[("记者", "n"), ("徐", "nr"), ("川", "j"), ("数据", "n")])  # a byline's name does not glue to what follows
@example(pairs=[("数据", "n"), ("-", "x"), ("川", "j"), ("数据", "n")])  # a joiner is no lone character
@given(st.lists(st.sampled_from(VOCAB), max_size=40))
def test_compiled_spans_match_the_plain_definition(pairs):
    tokens = toks(*pairs)
    assert [tuple(s) for s in spans(tokens, STOP)] == reference_spans(tokens, STOP)


def test_token_codes_are_memoised_and_bounded():
    codes = TokenCodes(STOP, max_entries=2)
    tokens = toks(("数据", "n"), ("中心", "n"), ("的", "uj"), ("数据", "n"))
    first = codes.codes(tokens)
    assert first[0] == first[3] and first[0] != first[2]
    assert (codes.codes(tokens) == first).all()


def test_no_phrase_spans_a_line_break_or_a_title_separator():
    from nlp.text.segment import Segmenter

    tokens = Segmenter().tag("央行宣布降准 释放长期资金\n中国人民银行表示")
    texts = {s.text for s in spans(tokens, STOP)}
    assert {"降准", "释放", "资金", "中国人民银行"} <= texts
    assert not {t for t in texts if "降准释放" in t or "资金中国" in t}


@pytest.mark.parametrize("pairs, piece", [
    ([("101", "m"), ("系", "v"), ("选秀", "v"), ("综艺", "n")], "系选秀"),  # a verb character glued to a word
    ([("中国", "ns"), ("版", "n"), ("元宇宙", "n")], "版元宇宙"),
    ([("汽车", "n"), ("司机", "n"), ("跑", "v"), ("了", "ul")], "司机跑"),  # a one-character verb cannot end one
    ([("钉子", "n"), ("洒", "v"), ("在", "p")], "钉子洒"),
    ([("川", "j"), ("渝", "j"), ("两地", "n")], "渝两地"),  # a lone character after another belongs with it
])
def test_a_lone_character_at_a_phrase_edge_is_a_piece_of_its_neighbour(pairs, piece):
    found = texts(toks(*pairs))
    assert piece not in found
    assert all(len(t) >= 2 for t in found) and found  # the whole words stay candidates


@pytest.mark.parametrize("pairs, whole", [
    ([("徐", "nr"), ("冬冬", "nr"), ("表示", "v")], "徐冬冬"),  # a surname starts a name jieba does not know
    ([("北", "ns"), ("塞浦路斯", "ns")], "北塞浦路斯"),
    ([("，", "x"), ("徐", "nr"), ("冬冬", "nr")], "徐冬冬"),  # punctuation before a surname is no lone character
    ([("腾讯", "nz"), ("云", "n")], "腾讯云"),  # a one-character noun head ends one
    ([("全面", "n"), ("屏", "n"), ("手机", "n")], "全面屏"),
])
def test_surnames_places_and_noun_heads_of_one_character_still_form_phrases(pairs, whole):
    assert whole in texts(toks(*pairs))


@pytest.mark.parametrize("pairs", [
    [("新华社", "nt"), ("北京", "ns"), ("电", "n"), ("（", "x"), ("记者", "n"), ("王磊", "nr"), ("）", "x")],
    [("新华社", "nt"), ("北京", "ns"), ("报道", "v"), ("，", "x"), ("记者", "n"), ("", "x"), ("王磊", "nr")],
])
def test_dateline_outlets_bylines_and_reporters_are_not_candidates(pairs):
    found = texts(toks(*pairs))
    assert "北京" in found
    assert not [t for t in found if "新华社" in t or "记者" in t or "王磊" in t]


def test_a_name_elsewhere_stays_a_candidate_and_outlet_phrases_go():
    found = texts(toks(("王磊", "nr"), ("表示", "v"), ("，", "x"), ("澎湃", "v"), ("新闻", "n"), ("报道", "v")))
    assert "王磊" in found and "新闻" in found and "澎湃新闻" not in found


@pytest.mark.parametrize("tokens, flagged", [
    ([("版本", "n"), ("7", "m"), ("-", "x"), ("Zip", "eng")], {"版本7-Zip"}),   # a common word before a name
    ([("部门", "n"), ("MoPub", "eng")], {"部门MoPub"}),
    ([("华为", "nz"), ("P50", "eng")], set()),                               # a brand before its model
    ([("Nintendo", "eng"), ("Switch", "eng")], set()),                       # a name of Latin words only
    ([("PS4", "eng"), ("游戏", "n")], set()),                                 # a Latin name first
])
def test_a_common_word_right_before_a_final_latin_name_is_flagged(tokens, flagged):
    batch = TokenBatch.of([([], [Token(w, p) for w, p in tokens])], TokenCodes(STOP))
    [found] = batch_candidates(batch, np.zeros(len(batch.words)), IdfTable({"x": 1.0}))
    column = FEATURES.index("common_before_latin")
    assert {text for text, row in zip(found.texts, found.features) if row[column]} == flagged


@pytest.mark.parametrize("as_tuples", [False, True])
def test_the_compiled_lookup_gives_each_token_its_own_code(as_tuples):
    tokens = toks(("数据", "n"), ("，", "x"), ("新华社", "nt"), ("3", "m"), ("iPhone", "eng"), ("数据", "vn"), ("数据", "n"))
    coder = TokenCodes(STOP)
    given = [tuple(t) for t in tokens] if as_tuples else tokens
    assert coder.codes(given).tolist() == [TokenCodes(STOP)._code(Token(*t)) for t in tokens]
    assert coder.codes(given).dtype == np.int64


@pytest.mark.parametrize("pairs, title", [
    ([("《", "x"), ("最后", "f"), ("生还者", "n"), ("2", "m"), ("》", "x")], "最后生还者2"),  # ends in a numeral
    ([("《", "x"), ("极圈", "n"), ("以南", "f"), ("》", "x")], "极圈以南"),  # a locality word
    ([("《", "x"), ("逆流而上", "i"), ("的", "uj"), ("你", "r"), ("》", "x")], "逆流而上的你"),  # a particle, a pronoun
    ([("《", "x"), ("长安", "ns"), ("十二", "m"), ("时辰", "n"), ("》", "x")], "长安十二时辰"),
])
def test_the_whole_title_of_a_work_is_a_candidate(pairs, title):
    found = texts(toks(("他", "r"), ("看", "v"), *pairs, ("。", "x")))
    assert title in found and found.count(title) == 1


@pytest.mark.parametrize("pairs, absent", [
    ([("《", "x"), ("考", "v"), ("不好", "a"), ("？", "x"), ("》", "x")], "考不好？"),  # punctuation inside
    ([("《", "x"), ("2046", "m"), ("》", "x")], "2046"),  # a number only
    ([("《", "x"), *[("猫", "n")] * 9, ("》", "x")], "猫" * 9),  # more than WORK_TOKENS tokens
    ([("《", "x"), ("关于加强地方政府", "l"), ("水务服务费用支付", "l"), ("的", "uj"), ("议案", "n"), ("》", "x")],
     "关于加强地方政府水务服务费用支付的议案"),  # more than 16 characters
    ([("《", "x"), ("极圈", "n"), ("以南", "f")], "极圈以南"),  # never closed
    ([("《", "x"), ("极圈", "n"), ("以南", "f"), ("〉", "x")], "极圈以南"),  # closed by another mark
    ([("《", "x"), ("数据", "n"), ("中心", "n"), ("》", "n"), ("数据", "n")], "数据中心》"),  # a mark breaks, whatever its tag
])
def test_no_title_candidate_without_a_short_closed_title(pairs, absent):
    found = texts(toks(*pairs, ("。", "x")))
    assert not any(text.startswith(absent) for text in found), found


def test_an_empty_pair_of_title_marks_gives_nothing():
    assert texts(toks(("《", "x"), ("》", "x"))) == []


@pytest.mark.parametrize("pairs, whole, absent", [
    ([("阿伏", "nr"), ("伽", "zg"), ("德罗", "nrt"), ("常数", "n")], "阿伏伽德罗常数", None),  # a cut foreign name
    ([("数据", "n"), ("很", "zg"), ("德罗", "nrt")], None, "数据很德罗"),  # not between two names: still a break
    ([("王磊", "nr"), ("很", "zg"), ("，", "x")], None, "王磊很"),
])
def test_a_bound_morpheme_joins_only_the_names_around_it(pairs, whole, absent):
    found = texts(toks(*pairs))
    assert whole is None or whole in found
    assert absent is None or not any(absent in text for text in found)
