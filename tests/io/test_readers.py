import io
import json

import pytest

from conftest import make_post
from nlp.doc import Article, Failure
from nlp.io.readers import html_title, read_articles


def records(*paths, **kwargs):
    return list(read_articles([str(p) for p in paths], **kwargs))


def test_a_post_is_recognised_by_content_whatever_its_extension(tmp_path):
    path = tmp_path / "000_abc.txt"
    path.write_text(make_post(title="算力大会召开"), encoding="utf-8")
    [article] = records(path)
    assert isinstance(article, Article)
    assert article.title == "算力大会召开"
    assert article.date == "2022-07-30T08:20:42+00:00"
    assert article.categories == ("金融", "新浪财经", "新浪财经－国內")
    assert article.author == "新浪财经"
    assert article.is_html and article.id == (tmp_path / "000_abc").as_posix()  # a file named itself: its path
    assert article.extra["headimg"].startswith("https://")


def test_naive_post_dates_and_entity_escaped_titles(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(make_post(title="指南&#123;二&#125;", date="2021-12-11 10:09:00", old_variant=True), encoding="utf-8")
    [article] = records(path, naive_offset="+08:00")
    assert article.title == "指南{二}"
    assert article.date == "2021-12-11T10:09:00+08:00"


def test_plain_text_and_empty_post_bodies(tmp_path):
    (tmp_path / "a.md").write_text(make_post(body="　　第一段。\n\n　　第二段。"), encoding="utf-8")
    (tmp_path / "b.md").write_text(make_post(body=""), encoding="utf-8")
    first, second = records(tmp_path)
    assert not first.is_html and "第二段" in first.body
    assert second.body.strip() == ""


@pytest.mark.parametrize("head, body, expected", [
    ("<title>银行下调利率 - 某某财经网</title>", "<h1>银行下调利率</h1>", "银行下调利率"),  # the site's name goes
    ("<title>银行下调利率</title>", "<h1>另一个标题</h1>", "银行下调利率"),
    ("", "<h1>只有大标题</h1>", "只有大标题"),
])
def test_html_titles_drop_the_sites_name(head, body, expected):
    assert html_title(f"<html><head>{head}</head><body>{body}<p>正文</p></body></html>") == expected


def test_html_and_text_files(tmp_path):
    (tmp_path / "page.html").write_text("<html><head><title>页面标题</title></head><body><p>内容</p></body></html>", "utf-8")
    (tmp_path / "note.txt").write_text("文本标题\n\n正文内容。", "utf-8")
    html_article, text_article = sorted(records(tmp_path), key=lambda a: a.id)
    assert (html_article.title, html_article.is_html) == ("文本标题", False) or html_article.id == "note"
    by_id = {a.id: a for a in (html_article, text_article)}
    assert by_id["page"].title == "页面标题" and by_id["page"].is_html
    assert by_id["note"].title == "文本标题" and not by_id["note"].is_html
    assert by_id["note"].body.strip() == "正文内容。"


def test_jsonl_keeps_ids_and_other_fields_and_reports_bad_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": 7, "title": "甲", "text": "正文", "url": "https://e.x/1"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "b", "html": "<p>乙</p>", "date": "2022-01-02 03:04:05"}),
        json.dumps({"id": "c", "title": "无正文"}, ensure_ascii=False),
        "[1, 2]",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = records(path)
    assert [type(r).__name__ for r in out] == ["Article", "Failure", "Article", "Failure", "Failure"]
    assert out[0].id == "7" and out[0].extra == {"url": "https://e.x/1"} and not out[0].is_html
    assert out[1].source == f"{path}:2" and "invalid JSON" in out[1].message
    assert out[2].is_html and out[2].date == "2022-01-02T03:04:05+08:00"  # naive: Beijing time
    assert "no text field" in out[3].message
    assert "expected a JSON object" in out[4].message


@pytest.mark.parametrize("line, ok", [
    ('{"id": "a", "text": "北京\\ud800上海"}', False),           # a high half alone
    ('{"id": "a", "text": "北京\\udc00"}', False),               # a low half alone
    ('{"id": "a", "text": "正文", "tags": ["\\ud83d"]}', False),   # in a field that is only passed on
    ('{"id": "a", "text": "正文", "\\udfff": 1}', False),          # in a key
    ('{"id": "a", "text": "表情\\ud83d\\ude00很好"}', True),       # a whole pair is one character
])
def test_a_json_line_with_a_lone_surrogate_fails_alone(tmp_path, line, ok):
    path = tmp_path / "feed.jsonl"
    path.write_text(line + "\n" + json.dumps({"id": "b", "text": "下一篇正文"}, ensure_ascii=False) + "\n", encoding="utf-8")
    first, second = records(path)
    assert second.id == "b" and second.body == "下一篇正文"
    if ok:
        assert first.body == "表情\U0001F600很好"
    else:
        assert first.source == f"{path}:1" and "lone surrogate" in first.message


@pytest.mark.parametrize("obj, expected", [
    ({"headline": "标题甲", "content": "<p>正文甲</p>", "pubDate": "2022-08-01T10:00:00+08:00", "url": "https://e.x/a"},
     {"title": "标题甲", "is_html": True, "date": "2022-08-01T10:00:00+08:00", "id": "https://e.x/a", "extra": {}}),
    ({"title": "标题乙", "description": "只有摘要。", "publish_time": 1659340800, "byline": "记者丙", "category": "科技"},
     {"is_html": False, "date": "2022-08-01T08:00:00+00:00", "author": "记者丙", "categories": ("科技",), "extra": {}}),
    ({"title": "标题丁", "text": "正文丁", "pub_date": "2022年8月1日 10:00", "tags": ["甲"]},
     {"date": "2022-08-01T10:00:00+08:00", "extra": {"tags": ["甲"]}}),
    ({"title": "标题戊", "text": "正文戊", "date": "上周三"}, {"date": None, "extra": {"date_raw": "上周三"}}),
])
def test_json_fields_are_read_under_their_usual_names(tmp_path, obj, expected):
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps(obj, ensure_ascii=False) + "\n", encoding="utf-8")
    [article] = records(path)
    assert {key: getattr(article, key) for key in expected} == expected


def test_stdin_is_read_as_json_lines():
    stdin = io.StringIO('{"id": "s1", "text": "标准输入"}\n')
    [article] = list(read_articles(["-"], stdin=stdin))
    assert (article.id, article.body, article.source) == ("s1", "标准输入", "<stdin>:1")


def test_directories_are_walked_recursively_in_sorted_order_skipping_hidden_files_and_assets(tmp_path):
    for name in ["b/2.md", "a/z.md", "a/b/1.md", ".git/x.md", "c.md"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make_post(title=name), encoding="utf-8")
    for asset in ["a/cover.PNG", "b/2/figure.jpg", "theme.css"]:
        (tmp_path / asset).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / asset).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert [r.id for r in records(tmp_path)] == ["a/b/1", "a/z", "b/2", "c"]
    [named] = records(tmp_path / "a" / "cover.PNG")  # named explicitly: read, and it fails clearly
    assert type(named).__name__ == "Failure" and "binary" in named.message


def test_symlink_loops_do_not_trap_the_walk(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "p.md").write_text(make_post(), encoding="utf-8")
    (tmp_path / "d" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [r.id for r in records(tmp_path)] == ["d/p"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.md", None, "no such file"),
        ("empty.md", b"", "empty file"),
        ("blob.md", b"\x00\x01\x02binary\x00", "binary file"),
        ("broken.md", "\n---\ntitle: 未闭合\n正文".encode("utf-8"), "no closing"),
    ],
)
def test_bad_files_become_failures_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    good = tmp_path / "good.md"
    good.write_text(make_post(), encoding="utf-8")
    out = records(path, good)
    assert isinstance(out[0], Failure) and message in out[0].message and out[0].source == str(path)
    assert isinstance(out[1], Article)


def test_files_over_the_size_limit_are_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("标题\n" + "字" * 1000, encoding="utf-8")
    [failure] = records(path, max_bytes=100)
    assert isinstance(failure, Failure) and "over the limit of 100" in failure.message


def test_jsonl_is_streamed_line_by_line_with_per_line_decoding(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"id": "u", "text": "统一码"}, ensure_ascii=False).encode("utf-8")
    gbk = json.dumps({"id": "g", "text": "国标码"}, ensure_ascii=False).encode("gbk")
    path.write_bytes(b"\xef\xbb\xbf" + good + b"\r\n" + gbk + b"\n" + b"\xff\xfe\x00{\n")
    out = records(path)
    assert [getattr(r, "body", None) for r in out[:2]] == ["统一码", "国标码"]
    assert isinstance(out[2], Failure) and out[2].source == f"{path}:3"


@pytest.mark.parametrize("name", ["empty.jsonl", "blank.jsonl"])
def test_empty_json_lines_files_still_yield_a_record(tmp_path, name):
    path = tmp_path / name
    path.write_text("" if name == "empty.jsonl" else "\n\n", "utf-8")
    [failure] = records(path)
    assert isinstance(failure, Failure) and "empty file" in failure.message


def test_a_long_first_json_line_is_still_json_lines(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(json.dumps({"id": "l", "text": "长" * 5000}, ensure_ascii=False) + "\n", "utf-8")
    [article] = records(path)
    assert article.id == "l" and len(article.body) == 5000
