import json
import re

import pytest

from conftest import make_post
from nlp.errors import DataError
from nlp.io.labelled import LabelOptions, read_examples


def labels_of(paths, **options):
    return [(e.article.body or e.article.title, e.label) for e in read_examples([str(p) for p in paths], LabelOptions(**options))]


def test_jsonl_with_overridable_field_names(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"content": "正文甲", "topic": "体育"}, ensure_ascii=False) + "\n"
                    + json.dumps({"content": "正文乙", "topic": "财经"}, ensure_ascii=False) + "\n", "utf-8")
    assert labels_of([path], text_field="content", label_field="topic") == [("正文甲", "体育"), ("正文乙", "财经")]


def test_jsonl_title_and_body(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"title": "标题", "body": "正文", "label": "体育"}, ensure_ascii=False) + "\n", "utf-8")
    [example] = read_examples([str(path)])
    assert (example.article.title, example.article.body, example.label) == ("标题", "正文", "体育")


@pytest.mark.parametrize("body, is_html", [("<p>正文</p>", True), ("正文里提到 a<b 的比较", False)])
def test_jsonl_html_bodies_are_marked_for_cleaning_as_annotate_does(tmp_path, body, is_html):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": body, "label": "体育"}, ensure_ascii=False) + "\n", "utf-8")
    [example] = read_examples([str(path)])
    assert example.article.is_html is is_html


@pytest.mark.parametrize(
    "lines",
    [
        ["标题一\t0", "标题二\t1", "标题三\t0", "标题四\t1"],  # text<TAB>id (THUCNews titles)
        ["0\t标题一", "1\t标题二", "0\t标题三", "1\t标题四"],  # label<TAB>text (cnews)
    ],
    ids=["text-label", "label-text"],
)
def test_tsv_in_either_orientation_with_a_class_file_beside_it(tmp_path, lines):
    (tmp_path / "class.txt").write_text("sports\nfinance\n", "utf-8")
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert labels_of([path]) == [("标题一", "sports"), ("标题二", "finance"), ("标题三", "sports"), ("标题四", "finance")]


def test_label_map_renames_labels(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text("sports\t比赛\nfinance\t银行\nsports\t球队\n", "utf-8")
    mapping = tmp_path / "map.tsv"
    mapping.write_text("# comment\nsports\t体育\nfinance\t财经\n", "utf-8")
    assert [l for _, l in labels_of([path], label_map=mapping)] == ["体育", "财经", "体育"]


def test_one_folder_per_class_in_utf8_and_gbk(tmp_path):
    for label, name, text, encoding in [("体育", "1.txt", "比赛\n球队获胜", "utf-8"), ("财经", "2.txt", "银行\n利率下调", "gbk")]:
        (tmp_path / label).mkdir()
        (tmp_path / label / name).write_bytes(text.encode(encoding))
    assert labels_of([tmp_path]) == [("球队获胜", "体育"), ("利率下调", "财经")]


@pytest.mark.parametrize("level, expected", [(1, "金融"), (2, "新浪财经"), (3, "新浪财经－国內")])
def test_posts_are_labelled_by_category_level(tmp_path, level, expected):
    (tmp_path / "p.md").write_text(make_post(), "utf-8")
    [(_, label)] = labels_of([tmp_path], label_level=level)
    assert label == expected


def test_no_examples_is_an_error(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "无标签"}\n', "utf-8")
    with pytest.raises(DataError, match="no labelled examples"):
        read_examples([str(path)])


def test_missing_data_path_is_an_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_examples([str(tmp_path / "absent.jsonl")])


TAXONOMY = ("# a taxonomy: set<TAB>class<TAB>label\n"
            "news\tsports\t体育\nnews\tfinance\t财经\nnews\tlottery\t体育\n"
            "blog\tsports\t体育\nblog\tmoney\t财经\n")


@pytest.mark.parametrize(
    "label_set, expected",
    [
        (None, ["体育", "财经", "体育", "财经"]),  # every set's rows: money (blog) maps too
        ("news", ["体育", "财经", "体育"]),  # money is not a news class: dropped
        ("blog", ["体育", "财经"]),  # neither finance nor lottery is a blog class
    ],
)
def test_taxonomy_label_map_maps_the_chosen_sets_rows_and_drops_unlisted_classes(tmp_path, label_set, expected):
    path = tmp_path / "train.tsv"
    path.write_text("比赛\tsports\n银行\tfinance\n彩票开奖\tlottery\n理财\tmoney\n下雨\tweather\n", "utf-8")
    mapping = tmp_path / "taxonomy.tsv"
    mapping.write_text(TAXONOMY, "utf-8")
    assert [l for _, l in labels_of([path], label_map=mapping, label_set=label_set)] == expected


@pytest.mark.parametrize(
    "content, label_set, message",
    [
        ("a\tsports\t体育\nb\tsports\t娱乐\n", None, "map.tsv:2: class 'sports' maps to '娱乐' here and to '体育' on line 1"),
        ("a\tsports\t体育\nb\tsports\t娱乐\n", "c", "no rows for set 'c'; the map has a, b"),
        ("a\tsports\t体育\nsports\t体育\n", None, "map.tsv:2: expected 'set<TAB>class<TAB>label'"),
        ("sports\t体育\n", "a", "a 2-column label map has no sets"),
        ("sports\t\n", None, "map.tsv:1: expected 'from<TAB>to'"),
    ],
)
def test_bad_label_maps_name_the_file_and_line(tmp_path, content, label_set, message):
    from nlp.errors import ConfigError

    path = tmp_path / "train.tsv"
    path.write_text("sports\t比赛\nfinance\t银行\n", "utf-8")
    mapping = tmp_path / "map.tsv"
    mapping.write_text(content, "utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        labels_of([path], label_map=mapping, label_set=label_set)


def test_the_bundled_taxonomy_maps_every_set_into_its_18_labels():
    from importlib import resources

    from nlp.io.labelled import read_label_map

    path = resources.files("nlp") / "data" / "taxonomy.tsv"
    labels = set()
    for label_set in ("thucnews", "thucnews_zh", "toutiao", "nlpcc"):
        mapping, closed = read_label_map(path, label_set)
        assert closed and mapping
        labels |= set(mapping.values())
    assert len(labels) == 18 and {"科技", "国际", "农业"} <= labels
    assert read_label_map(path)[0]["家居"] == "房产"  # no class maps differently in two sets
