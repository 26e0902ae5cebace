import pytest

from nlp.errors import ConfigError
from nlp.doc import BREAK, Token
from nlp.text.segment import Segmenter, is_content, load_stopwords, parse_user_dict

ENGINES = ["rjieba", "jieba"]


@pytest.fixture(scope="module", params=ENGINES)
def segmenter(request):
    return Segmenter(engine=request.param)


def test_tags_words_with_parts_of_speech(segmenter):
    tokens = segmenter.tag("我国算力产业规模快速增长")
    assert [t.word for t in tokens][:3] == ["我国", "算力", "产业"]
    assert all(isinstance(t, Token) and t.pos for t in tokens)


def test_bundled_domain_words_stay_whole(segmenter):
    words = [t.word for t in segmenter.tag("工信部启动东数西算工程")]
    assert "工信部" in words and "东数西算" in words


@pytest.mark.parametrize("engine", ENGINES)
def test_user_dictionary_is_private_to_the_segmenter(tmp_path, engine):
    user_dict = tmp_path / "user.txt"
    user_dict.write_text("禾丰智能 1000 nt\n", encoding="utf-8")
    with_dict = Segmenter(engine=engine, user_dicts=[user_dict])
    plain = Segmenter(engine=engine)
    assert Token("禾丰智能", "nt") in with_dict.tag("禾丰智能完成融资")
    assert "禾丰智能" not in [t.word for t in plain.tag("禾丰智能完成融资")]


@pytest.mark.parametrize("text, expected", [
    ("芯片 算力\n\n数据  中心", ["芯片", "|", "算力", "|", "数据", "|", "中心"]),  # Chinese words: every gap breaks
    ("Apple Watch 发布", ["Apple", "Watch", "发布"]),  # a space next to a Latin word does not
    ("Apple\nWatch", ["Apple", "|", "Watch"]),  # a line break always does
    ("  芯片  ", ["芯片"]),  # nothing before the first word or after the last
])
def test_whitespace_becomes_a_break_where_it_separates_words(segmenter, text, expected):
    tokens = segmenter.tag(text)
    assert [t.word or "|" for t in tokens] == expected
    assert all(t == BREAK for t in tokens if not t.word.strip())
    assert segmenter.tag("") == []


@pytest.mark.parametrize("line", ["词 abc def ghi", "词 12 n x"])
def test_malformed_user_dictionary_lines_fail_with_file_and_line(line):
    with pytest.raises(ConfigError, match=r"^u\.txt:2: expected"):
        parse_user_dict(["好词 5 n", line], "u.txt")


def test_missing_user_dictionary_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read user dictionary"):
        Segmenter(user_dicts=[tmp_path / "absent.txt"])


def test_unknown_engine_is_rejected():
    with pytest.raises(ConfigError, match="unknown engine"):
        Segmenter(engine="nope")


@pytest.mark.parametrize(
    "token, expected",
    [
        (Token("算力", "n"), True),
        (Token("的", "uj"), False),
        (Token("表示", "v"), False),
        (Token("，", "x"), False),
        (Token("2022", "m"), False),
        (Token("30%", "x"), False),
        (Token("7月30日", "t"), False),
        (Token("https://e.x/a", "eng"), False),
        (Token("The", "eng"), False),
        (Token("database", "eng"), True),
    ],
)
def test_is_content(token, expected):
    assert is_content(token, load_stopwords()) is expected


def test_the_rjieba_engine_skips_the_package_default_instance_and_leaves_sys_modules_alone():
    import subprocess
    import sys

    code = ("import sys; from nlp.text.segment import Segmenter; s = Segmenter(engine='rjieba'); "
            "assert 'rjieba' not in sys.modules, 'the package (and its default dictionary) was loaded'; "
            "assert 'rjieba.rjieba' not in sys.modules, 'the process-wide module table was changed'; "
            "assert [t.word for t in s.tag('工信部推进东数西算')] == ['工信部', '推进', '东数西算']; "
            "import rjieba; print(rjieba.cut('数据中心'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "数据中心" in done.stdout


@pytest.mark.parametrize("text, word", [
    ("Kamikōchi is a valley", "Kamikōchi"),
    ("São Paulo 的雨季", "São"),
    ("卡米寇奇Kamikōchi位于长野县", "Kamikōchi"),
])
def test_a_latin_word_with_a_diacritic_stays_whole(text, word):
    assert word in [t.word for t in Segmenter().tag(text)]


def test_latin_words_apart_are_not_joined():
    assert [t.word for t in Segmenter().tag("café au lait")] == ["café", "au", "lait"]


@pytest.mark.parametrize("text, kept, gone", [
    ("用500克精面粉做馒头", ["500", "克", "面粉"], ["克精"]),
    ("观众达到10万人以上", ["10", "万", "人"], ["万人"]),
    ("本赛季拿下3个胜场", ["3", "个", "胜场"], ["个胜场"]),
    ("1 克精面粉的颗粒", ["1", "克", "面粉"], ["克精"]),  # a space between number and measure word
    ("两个人一起去", ["两个", "人"], []),  # no digit before it: the engine's own cut
])
def test_a_measure_word_glued_to_the_next_character_after_a_number_is_split_off(segmenter, text, kept, gone):
    words = [t.word for t in segmenter.tag(text)]
    assert all(w in words for w in kept), words
    assert not any(w in words for w in gone), words
