import pytest
from typer.testing import CliRunner

from cli import app
from nlp.text.newwords import DiscoveryOptions, discover
from nlp.text.segment import Segmenter

runner = CliRunner()

# A hand-written micro-corpus in which 禾丰智能 and 星河链 recur in varied contexts.
TEXTS = [
    "禾丰智能发布新品，星河链宣布合作。", "今天禾丰智能召开大会。", "投资人看好禾丰智能，也看好星河链。",
    "星河链完成融资，禾丰智能表示祝贺。", "记者采访了禾丰智能的创始人。", "用户喜欢星河链的产品。",
    "据悉禾丰智能将上市；星河链暂不上市。", "分析师认为星河链前景广阔，禾丰智能稳健。", "市场关注星河链。",
    "禾丰智能与星河链签约。",
]


@pytest.fixture(scope="module")
def segmenter():
    return Segmenter()


def test_recurring_units_that_jieba_fragments_are_found(segmenter):
    words = [w.word for w in discover(TEXTS, known=segmenter.has_word, cut=segmenter.cut,
                                      options=DiscoveryOptions(min_count=5, min_entropy=0.5, min_cohesion=1.0))]
    assert "星河链" in words  # jieba cuts it 星河|链
    assert "禾丰智能" not in words  # jieba cuts it into two words it knows (禾丰|智能): a compound, not a new word
    assert not any(w in {"星河", "河链"} for w in words)


def test_known_words_and_function_characters_are_not_proposed(segmenter):
    texts = ["我们的公司发展很快。"] * 10
    words = [w.word for w in discover(texts, known=segmenter.has_word, cut=segmenter.cut, options=DiscoveryOptions(min_count=3))]
    assert "公司" not in words and not any("的" in w for w in words)


def test_evidence_is_reported(segmenter):
    found = discover(TEXTS, known=segmenter.has_word, options=DiscoveryOptions(min_count=5, min_entropy=0.5, min_cohesion=1.0))
    word = next(w for w in found if w.word == "星河链")
    assert word.count >= 5 and word.cohesion > 1 and word.left_entropy > 0.5 and word.score > 0


def test_cli_newwords_writes_a_user_dictionary_that_segment_uses(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("标题\n" + "\n".join(TEXTS), "utf-8")
    out = tmp_path / "user.txt"
    result = runner.invoke(app, ["newwords", str(corpus), "-o", str(out), "--min-count", "5", "--min-entropy", "0.5",
                                 "--min-cohesion", "1"])
    assert result.exit_code == 0, result.output
    entries = [line.split() for line in out.read_text("utf-8").splitlines()]
    assert [e for e in entries if e[0] == "星河链"][0][2] == "nz"
    assert (tmp_path / "user.txt.evidence.tsv").read_text("utf-8").startswith("word\tcount")
    plain = runner.invoke(app, ["segment", str(corpus)]).stdout.splitlines()
    with_dict = runner.invoke(app, ["segment", str(corpus), "--user-dict", str(out)]).stdout.splitlines()
    assert "星河链" not in plain[1].split("  ") and "星河链" in with_dict[1].split("  ")


def test_segment_prints_two_space_separated_tokens(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("我国算力产业\r\n增长很快\n", "utf-8")
    result = runner.invoke(app, ["segment", str(path), "--engine", "jieba"])
    assert result.stdout.splitlines() == ["我国  算力  产业", "增长  很快"]


# 记者 stands free all over this corpus; 记者王 recurs, but only as a free word plus the next character.
REPORTERS = ["记者王报道今天的新闻。", "本报记者王发自北京。", "据记者王了解情况。", "记者王采访了市民。", "感谢记者王的辛勤工作。",
             "记者李来到现场。", "这位记者很年轻。", "记者们都到了。", "记者张写了稿子。", "有记者提问。", "记者会上很多人。",
             "记者赵拍了照片。", "我想当记者。", "记者也是人。"]


@pytest.mark.parametrize("min_binding, found", [(0.0, True), (0.5, False)])
def test_a_free_word_plus_a_neighbour_is_not_a_new_word(segmenter, min_binding, found):
    options = DiscoveryOptions(min_count=5, min_entropy=0.5, min_cohesion=0.5, min_binding=min_binding)
    words = [w.word for w in discover(REPORTERS, known=segmenter.has_word, cut=segmenter.cut, options=options)]
    assert ("记者王" in words) is found
