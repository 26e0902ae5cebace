import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.errors import ConfigError
from nlp.doc import Keyword, Segmented, Token
from nlp.keywords.scoring import IdfTable, _median, _parse_fast, candidates, textrank, tfidf
from nlp.text.segment import load_stopwords
from nlp.settings import KEYWORD_POS

STOP = load_stopwords()
IDF = IdfTable({"算力": 8.0, "产业": 4.0, "规模": 3.0, "芯片": 9.0, "发展": 2.0})


def doc(title_words, body_words, pos="n"):
    return Segmented(tuple(Token(w, pos) for w in title_words), tuple(Token(w, pos) for w in body_words))


def test_tfidf_ranks_by_frequency_times_idf():
    result = tfidf(doc([], ["算力", "算力", "产业", "规模", "发展"]), IDF, top_k=3, pos=KEYWORD_POS, stopwords=STOP)
    assert [k.word for k in result] == ["算力", "产业", "规模"]
    assert result[0].score == pytest.approx(2 / 5 * 8.0)


def test_title_words_weigh_more_than_body_words():
    body_only = tfidf(doc([], ["芯片", "算力", "算力"]), IDF, top_k=1, pos=KEYWORD_POS, stopwords=STOP, title_weight=3)
    with_title = tfidf(doc(["芯片"], ["算力", "算力"]), IDF, top_k=1, pos=KEYWORD_POS, stopwords=STOP, title_weight=3)
    assert body_only[0].word == "算力" and with_title[0].word == "芯片"


def test_unknown_words_get_the_median_idf():
    assert IDF["没见过的词"] == 4.0


def test_candidates_drop_stopwords_single_characters_and_other_pos():
    tokens = [Token("算力", "n"), Token("的", "uj"), Token("快", "a"), Token("发", "v"), Token("方面", "n"), Token("增长", "v")]
    assert candidates(tokens, KEYWORD_POS, STOP) == ["算力", "增长"]


@pytest.mark.parametrize("method", ["tfidf", "textrank"])
def test_empty_documents_have_no_keywords(method):
    empty = doc([], [])
    kwargs = dict(top_k=5, pos=KEYWORD_POS, stopwords=STOP)
    result = tfidf(empty, IDF, **kwargs) if method == "tfidf" else textrank(empty, **kwargs)
    assert result == []


def test_textrank_prefers_the_best_connected_word_and_is_deterministic():
    words = ["算力", "芯片", "算力", "产业", "算力", "规模", "芯片", "发展"]
    first = textrank(doc([], words), top_k=4, pos=KEYWORD_POS, stopwords=STOP)
    again = textrank(doc([], list(words)), top_k=4, pos=KEYWORD_POS, stopwords=STOP)
    assert first == again
    assert first[0] == Keyword("算力", 1.0)
    assert all(0 < k.score <= 1 for k in first)


def test_ties_are_broken_by_word():
    result = tfidf(doc([], ["乙乙", "甲甲"]), IdfTable({"x": 1.0}), top_k=2, pos=KEYWORD_POS, stopwords=STOP)
    assert [k.word for k in result] == sorted(["乙乙", "甲甲"])


def test_idf_build_save_load_round_trip(tmp_path):
    docs = [["算力", "产业"], ["算力", "芯片"], ["算力"], ["芯片"]]
    table = IdfTable.build(docs, min_df=2)
    assert set(table.idf) == {"算力", "芯片"}
    assert table["算力"] < table["芯片"]
    path = tmp_path / "idf.txt"
    table.save(path)
    assert IdfTable.load(path).idf == table.idf
    assert path.read_text("utf-8").splitlines()[0].split()[0] == "算力"


def test_idf_build_merges_base_values_for_missing_words():
    table = IdfTable.build([["算力"], ["算力"]], min_df=2, base=IdfTable({"冷门词": 12.0}))
    assert table["冷门词"] == 12.0 and "算力" in table.idf


def test_jieba_table_loads():
    table = IdfTable.jieba_default()
    assert len(table) > 100000 and table["的"] < table["算法"]


@pytest.mark.parametrize("content, message", [("word\n", "expected 'word idf'"), ("词 abc\n", "expected 'word idf'"), ("", "at least one")])
def test_bad_idf_files_fail_clearly(tmp_path, content, message):
    path = tmp_path / "idf.txt"
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match=message):
        IdfTable.load(path)


@pytest.mark.parametrize("terms", [
    {"13C NMR": 7.50279, "Kalman Filter": 6.25, "算力": 2.0},  # phrases with spaces: the value is the last field
    {"1.5 3.2": 4.0, "a": 1.0},  # a term that looks like numbers
])
def test_idf_terms_with_spaces_round_trip(tmp_path, terms):
    path = tmp_path / "idf.txt"
    IdfTable(terms).save(path)
    assert IdfTable.load(path).idf == terms


@pytest.mark.parametrize("term", ["tab\there", "two  spaces", " leading", "line\nbreak"])
def test_idf_terms_that_cannot_be_read_back_are_not_written(tmp_path, term):
    path = tmp_path / "idf.txt"
    IdfTable({term: 3.0, "算力": 2.0}).save(path)
    assert IdfTable.load(path).idf == {"算力": 2.0}


@pytest.mark.parametrize("content", ["1.5\n", "算力 2.0\n3.0\n"])
def test_idf_lines_without_a_term_fail(tmp_path, content):
    path = tmp_path / "idf.txt"
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match="expected 'word idf'"):
        IdfTable.load(path)
@pytest.mark.parametrize("content", ["Fast Request 8.5\n算力 3.0\n", "算力 3.0\nquery planner 7.0\nAI 芯片 6.0\n"])
def test_idf_phrases_with_a_space_load(tmp_path, content):
    # `nlp idf` counts Latin phrases ("Fast Request"), whose saved line holds a space in the word.
    path = tmp_path / "idf.txt"
    path.write_text(content, "utf-8")
    expected = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in content.splitlines()}
    assert IdfTable.load(path).idf == expected


# The compiled reader of plain tables (WordTable) against the Python parser, on text of every layout.
@given(lines=st.lists(st.tuples(st.text("算力芯片ab\u3000", min_size=0, max_size=3),
                                st.sampled_from([" ", "  ", "\t", ""]),
                                st.one_of(st.from_regex(r"[0-9]{1,20}(\.[0-9]{1,25})?", fullmatch=True),
                                          st.sampled_from(["1.", ".5", "-2.0", "1e3", "x"]))), max_size=8),
       ending=st.sampled_from(["\n", "\r\n"]))
def test_the_compiled_idf_reader_reads_what_the_line_parser_reads(lines, ending):
    text = "".join(f"{word}{gap}{number}{ending}" for word, gap, number in lines)
    try:
        expected = IdfTable(_parse_fast(text, "t"))
    except ConfigError:
        with pytest.raises(ConfigError):
            IdfTable.read(text.encode(), "t")
        return
    table = IdfTable.read(text.encode(), "t")
    assert table.idf == expected.idf and list(table.idf) == list(expected.idf)
    assert table.default == expected.default and len(table) == len(expected)
    assert all(table[word] == value and word in table for word, value in expected.idf.items())
    assert table["不在表中"] == expected["不在表中"] and "不在表中" not in table


def test_a_plain_table_is_read_by_the_compiled_reader():
    table = IdfTable.read("算力 8.5\n芯片 12.0\n".encode(), "t")
    assert type(table.lookup).__name__ == "WordTable"
    assert (table["芯片"], table.default, table.idf) == (12.0, 10.25, {"算力": 8.5, "芯片": 12.0})


@pytest.mark.parametrize("values", [[3.0], [2.0, 1.0], [5.0, 1.0, 3.0], [4.0, 1.0, 3.0, 2.0], [1.5, 1.5, 9.0, 0.5, 7.25, 7.25]])
def test_the_fallback_idf_is_the_median(values):
    assert _median(np.array(values)) == float(np.median(values))
    table = IdfTable.read("".join(f"w{i} {v}\n" for i, v in enumerate(values)).encode(), "idf.txt")
    assert table["未知"] == float(np.median(values))


@pytest.mark.parametrize("word", ["ab", "é", "芯片", "𠀀字", "a中é𠀀"])  # UTF-8 sequences of one to four bytes
def test_the_compiled_idf_reader_finds_words_of_any_utf8_length(word):
    table = IdfTable.read(f"{word} 7.5\n其他 1.0\n".encode(), "t")
    assert type(table.lookup).__name__ == "WordTable"
    assert (table[word], word in table, word[:-1] in table, table.idf) == (7.5, True, False, {word: 7.5, "其他": 1.0})


@pytest.mark.parametrize("bad", [b"\xe8\x8a", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff"])
def test_an_idf_file_that_is_not_utf8_is_a_config_error_naming_it(tmp_path, bad):
    path = tmp_path / "idf.txt"
    path.write_bytes(b"\xe7\xae\x97\xe5\x8a\x9b 8.5\n" + bad + b" 2.0\n")  # 算力, then a word Python cannot decode
    with pytest.raises(ConfigError, match=r"idf\.txt: cannot read IDF file"):
        IdfTable.load(path)


def test_an_idf_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "idf.txt"
    path.write_bytes("\ufeff算力 8.5\n芯片 12.0\n".encode())
    assert IdfTable.load(path).idf == {"算力": 8.5, "芯片": 12.0}
