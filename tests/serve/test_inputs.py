"""Request bodies -> articles, and the per-worker service's limits (in process: no server needed)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from nlp.doc import Article, Doc, Failure
from nlp.serve.app import Busy, Service, Timeout
from nlp.serve.config import ServeConfig
from nlp.serve.inputs import BadRequest, Unprocessable, UnsupportedType, batch_articles, media_type, single_article, type_problem


def one(body, content_type, **kwargs):
    return single_article(body.encode("utf-8") if isinstance(body, str) else body, content_type,
                          article_id=kwargs.get("article_id"), source=kwargs.get("source"), naive_offset="+08:00")


@pytest.mark.parametrize("header, expected", [("application/json; charset=utf-8", "application/json"),
                                              ("Text/HTML", "text/html"), (None, ""), ("  ", "")])
def test_media_type(header, expected):
    assert media_type(header) == expected


@pytest.mark.parametrize("obj, problem", [
    ({"text": "正文"}, None),
    ({"text": "正文", "id": 7, "date": 1709280000, "title": 3.5}, None),
    ({"text": "正文", "categories": "体育"}, None),
    ({"text": "正文", "categories": ["体育", 2]}, None),
    ({"text": "正文", "categories": None, "author": None}, None),
    ({"text": "正文", "id": True}, "'id' must be a string or a number"),
    ({"text": "正文", "author": ["甲"]}, "'author' must be a string or a number"),
    ({"text": "正文", "pubDate": {"y": 2024}}, "'pubDate' must be"),
    ({"text": "正文", "category": 3}, "'category' must be a string or a list of strings"),
    ({"text": "正文", "categories": [["体育"]]}, "'categories' must be"),
    ({"text": "正文", "categories": [True]}, "'categories' must be"),
])
def test_known_fields_of_the_wrong_type_are_named(obj, problem):
    found = type_problem(obj)
    assert (found is None) if problem is None else (problem in found)


def test_a_json_article_reads_the_json_lines_field_names():
    article = one(json.dumps({"headline": "标题", "content": "<p>正文</p>", "pubDate": "2024-03-01 08:00:00",
                              "category": "体育", "extra_field": 1}), "application/json")
    assert (article.title, article.is_html, article.date, article.categories, article.extra) == \
        ("标题", True, "2024-03-01T08:00:00+08:00", ("体育",), {"extra_field": 1})
    assert (article.id, article.source) == ("<request>", "<request>")


def test_the_id_parameter_replaces_the_objects_id():
    assert one('{"id": "a", "guid": "g", "text": "正文"}', "application/json", article_id="b").id == "b"


@pytest.mark.parametrize("body, content_type, title, is_html", [
    ("标题一行\n正文第二行", "text/plain", "标题一行", False),
    ("<html><head><title>页面标题 - 某网站</title></head><body><h1>页面标题</h1><p>正文</p></body></html>", "text/html",
     "页面标题", True),
    ("\n---\ntitle: '帖子标题'\ncategories:\n - 本地\ndate: 2024-03-18 09:30:00\n---\n\n<p>正文</p>", "text/markdown",
     "帖子标题", True),
    ("<p>内容看起来像网页</p>", "text/plain", "", True),  # the content decides, as for a file
])
def test_a_raw_body_is_read_as_a_file_with_the_same_bytes_would_be(body, content_type, title, is_html):
    article = one(body, content_type, article_id="x", source="x.md")
    assert (article.title, article.is_html, article.id, article.source) == (title, is_html, "x", "x.md")


def test_a_gbk_text_body_is_decoded_as_a_gbk_file_is():
    assert one("标题\n正文".encode("gbk"), "text/plain").title == "标题"


@pytest.mark.parametrize("body, content_type, error", [
    ("", "text/plain", BadRequest), ("  \n", "application/json", BadRequest), ("{", "application/json", BadRequest),
    ("[]", "application/json", Unprocessable), ('{"title": "x"}', "application/json", Unprocessable),
    ("x", "multipart/form-data", UnsupportedType), ("x", None, UnsupportedType),
])
def test_bodies_that_are_not_an_article(body, content_type, error):
    with pytest.raises(error):
        one(body, content_type)


def test_json_lines_batches_keep_the_line_numbers_of_the_body():
    body = '{"text": "一"}\n\n{bad\n{"text": "二", "author": ["x"]}\n{"id": "k", "text": "三"}\n'.encode("utf-8")
    records = batch_articles(body, "application/x-ndjson", source="feed", naive_offset="+00:00")
    assert [(type(r).__name__, r.id, r.source) for r in records] == [
        ("Article", "feed:1", "feed:1"), ("Failure", "feed:3", "feed:3"), ("Failure", "feed:4", "feed:4"),
        ("Article", "k", "feed:5")]
    assert "invalid JSON" in records[1].message and "'author'" in records[2].message


def test_an_empty_batch_has_no_records():
    assert batch_articles(b"[]", "application/json", source=None, naive_offset="+00:00") == []
    assert batch_articles(b"\n\n", "application/x-ndjson", source=None, naive_offset="+00:00") == []


class StubPipeline:
    """Annotates by copying; an article titled 'slow' takes a while, one titled 'boom' raises."""

    def annotate_batch(self, records):
        if any(r.title == "boom" for r in records):
            raise ValueError("a bug")
        if any(r.title == "slow" for r in records):
            time.sleep(0.5)
        return [r if isinstance(r, Failure) else Doc.of(r) for r in records]


def article(title: str) -> Article:
    return Article(id=title, source="s", title=title, body="正文", is_html=False)


def test_an_annotation_over_the_time_limit_is_a_timeout():
    service = Service(StubPipeline(), ServeConfig(timeout=0.05))
    with pytest.raises(Timeout):
        asyncio.run(service.run(lambda: [article("slow")]))
    assert service.pending == 0
    service.close()


def test_a_full_queue_is_busy():
    service = Service(StubPipeline(), ServeConfig(max_pending=0))
    with pytest.raises(Busy):
        asyncio.run(service.run(lambda: [article("fast")]))
    service.close()


def test_an_unexpected_error_costs_only_its_article():
    service = Service(StubPipeline(), ServeConfig())
    lines = asyncio.run(service.run(lambda: [article("一"), article("boom"), article("二")]))
    assert [failed for _, failed in lines] == [False, True, False]
    assert json.loads(lines[1][0])["error"] == {"type": "InternalError", "message": "annotation failed (ValueError)"}
    service.close()
