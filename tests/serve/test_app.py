"""`nlp serve` over real HTTP: the same bytes as `nlp annotate`, and every refusal a one-line JSON error."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import REPO
from serve.served import API_KEY, MAX_BYTES

# Hand-written: a post in the crawler's layout (blank first line, front matter, HTML body).
POST = """
---
title: '城市地铁新线开通运营'
categories:
 - 本地
 - 城市日报
 - 城市日报－交通
author: 城市日报
comments: false
date: 2024-03-18 09:30:00
---

<div>
<p>　　本市地铁十二号线今天正式开通运营，全长二十八公里，共设车站二十座。</p>
<p>　　市交通部门介绍，新线连接城市东部的科技园区和西部的老城区，早高峰发车间隔四分钟。</p>
<p>　　责任编辑：王小明</p>
</div>
"""
ARTICLES = [
    {"id": "a-1", "title": "新能源汽车销量创新高", "text": "今年前两个月，新能源汽车销量同比增长三成，电池成本持续下降。",
     "date": "2024-03-01 08:00:00", "categories": ["汽车", "产业"]},
    {"headline": "篮球联赛总决赛落幕", "html": "<p>主队在最后一节逆转，<b>夺得</b>总冠军。</p>", "pubDate": 1709280000,
     "category": "体育", "byline": "体育部", "lang_hint": "zh"},
    {"url": "https://example.invalid/3", "content": "央行宣布下调存款准备金率，释放长期资金。"},
]


def cli_annotate(*args: str, stdin: str | None = None) -> bytes:
    done = subprocess.run([sys.executable, str(REPO / "cli.py"), "annotate", *args], cwd=REPO, input=stdin,
                          capture_output=True, text=stdin is not None, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout if isinstance(done.stdout, bytes) else done.stdout.encode("utf-8")


def test_a_raw_post_gets_the_bytes_nlp_annotate_writes(server, tmp_path):
    path = tmp_path / "地铁.md"
    path.write_text(POST, "utf-8")
    expected = cli_annotate(str(path))
    status, headers, body = server.request("POST", "/v1/annotate?" + _query(id=str(path.with_suffix("")), source=str(path)), POST,
                                           {"Content-Type": "text/markdown; charset=utf-8"})
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert body == expected
    record = json.loads(body)
    assert record["editor"] == "王小明" and record["date"] == "2024-03-18T09:30:00+08:00" and record["keywords"]


@pytest.mark.parametrize("number", range(len(ARTICLES)))
def test_a_json_article_gets_the_bytes_nlp_annotate_writes_for_its_line(server, number):
    line = json.dumps(ARTICLES[number], ensure_ascii=False)
    expected = cli_annotate("-", stdin=line + "\n")
    status, _, body = server.request("POST", "/v1/annotate?source=%3Cstdin%3E%3A1", line, {"Content-Type": "application/json"})
    assert (status, body) == (200, expected)


FEED_LINES = [json.dumps(ARTICLES[0], ensure_ascii=False), "{not json", "", json.dumps({"title": "没有正文"}, ensure_ascii=False),
              "5", json.dumps(ARTICLES[1], ensure_ascii=False)]


def test_a_json_lines_batch_is_answered_in_order_with_error_records_in_place_as_the_cli_writes_them(server, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(FEED_LINES) + "\n", "utf-8")
    expected = cli_annotate(str(feed))
    status, headers, body = server.request("POST", "/v1/annotate/batch?" + _query(source=str(feed)),
                                           "\n".join(FEED_LINES) + "\n", {"Content-Type": "application/x-ndjson"})
    assert status == 200 and headers["content-type"].startswith("application/x-ndjson")
    assert body == expected
    records = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    assert ["error" in r for r in records] == [False, True, True, True, False]
    assert (headers["x-records"], headers["x-errors"]) == ("5", "3")


def test_a_json_array_batch_numbers_its_elements_like_lines(server, tmp_path):
    items = [ARTICLES[0], {"title": "没有正文"}, ARTICLES[2]]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    status, _, body = server.request("POST", "/v1/annotate/batch?" + _query(source=str(feed)),
                                     json.dumps(items, ensure_ascii=False), {"Content-Type": "application/json"})
    assert (status, body) == (200, cli_annotate(str(feed)))


def test_an_element_that_is_not_an_object_is_an_error_record_in_place(server):
    status, _, body = server.request("POST", "/v1/annotate/batch", json.dumps([ARTICLES[2], 7, None]),
                                     {"Content-Type": "application/json"})
    records = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    assert status == 200 and [r.get("error", {}).get("message") for r in records] == \
        [None, "expected a JSON object, got int", "expected a JSON object, got NoneType"]
    assert [r["source"] for r in records] == ["<request>:1", "<request>:2", "<request>:3"]


def _query(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.mark.parametrize("headers, expected", [
    ({}, 401),
    ({"Authorization": "Bearer wrong"}, 401),
    ({"Authorization": "Basic " + API_KEY}, 401),
    ({"X-API-Key": API_KEY[:-1]}, 401),
    ({"X-API-Key": API_KEY}, 200),
    ({"Authorization": "Bearer " + API_KEY}, 200),
])
@pytest.mark.parametrize("path", ["/v1/health", "/v1/model"])
def test_every_v1_call_needs_the_api_key(server, path, headers, expected):
    status, response_headers, body = server.request("GET", path, headers=headers, key=None)
    assert status == expected
    if expected == 401:
        assert json.loads(body)["error"]["type"] == "Unauthorized" and response_headers["www-authenticate"] == "Bearer"


def test_the_key_is_checked_before_the_body_is_read(server):
    status, _, body = server.request("POST", "/v1/annotate", b"x" * (MAX_BYTES * 2), {"Content-Type": "text/plain"}, key=None)
    assert status == 401


@pytest.mark.parametrize("path", ["/", "/openapi.json"])
def test_the_page_and_the_openapi_document_need_no_key(server, path):
    assert server.request("GET", path, key=None)[0] == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/v1/annotate", "/v1/annotate/batch"])
def test_a_body_over_the_limit_is_refused_with_413(server, path, chunked):
    body = ("标题\n" + "正文" * MAX_BYTES).encode("utf-8")
    status, _, answer = server.request("POST", path, body, {"Content-Type": "text/plain"}, chunked=chunked)
    assert status == 413 and json.loads(answer)["error"]["type"] == "PayloadTooLarge"


def test_a_body_just_under_the_limit_is_annotated(server):
    body = "标题\n" + "新闻" * ((MAX_BYTES - 100) // 6)
    assert server.request("POST", "/v1/annotate", body, {"Content-Type": "text/plain"})[0] == 200


@pytest.mark.parametrize("path, content_type, body, status, message", [
    ("/v1/annotate", "application/json", '{"title": "缺引号', 400, "invalid JSON"),
    ("/v1/annotate", "application/json", "", 400, "empty request body"),
    ("/v1/annotate", "application/json", b"\xff\xfe{}", 400, "not UTF-8"),
    ("/v1/annotate", "application/json", "[1, 2]", 422, "expected a JSON object, got an array"),
    ("/v1/annotate", "application/json", '"正文"', 422, "expected a JSON object, got a string"),
    ("/v1/annotate", "application/json", '{"title": "只有标题"}', 422, "no text field"),
    ("/v1/annotate", "application/json", '{"text": 5}', 422, "no text field"),
    ("/v1/annotate", "application/json", '{"text": "正文", "categories": 5}', 422, "'categories' must be a string or a list"),
    ("/v1/annotate", "application/json", '{"text": "正文", "categories": [{"a": 1}]}', 422, "'categories' must be"),
    ("/v1/annotate", "application/json", '{"text": "正文", "title": {"zh": "标题"}}', 422, "'title' must be a string or a number"),
    ("/v1/annotate", "application/json", '{"text": "正文", "date": [2024]}', 422, "'date' must be"),
    ("/v1/annotate", "application/json", '{"text": "正文\\ud800"}', 422, "lone surrogate"),
    ("/v1/annotate", "text/plain", b"\x00\x01\x02binary", 422, "binary"),
    ("/v1/annotate", "image/png", "x", 415, "unsupported Content-Type"),
    ("/v1/annotate", "application/x-www-form-urlencoded", "text=x", 415, "unsupported Content-Type"),
    ("/v1/annotate/batch", "application/json", '{"text": "正文"}', 422, "expected a JSON array"),
    ("/v1/annotate/batch", "application/json", "[", 400, "invalid JSON"),
    ("/v1/annotate/batch", "application/x-ndjson", b'{"text": "\xff"}', 400, "not UTF-8"),
    ("/v1/annotate/batch", "text/html", "<p>x</p>", 415, "unsupported Content-Type"),
])
def test_bad_requests_get_a_one_line_json_error_never_a_traceback(server, path, content_type, body, status, message):
    got, headers, answer = server.request("POST", path, body, {"Content-Type": content_type})
    assert got == status, answer
    assert headers["content-type"].startswith("application/json") and answer.count(b"\n") <= 1
    error = json.loads(answer)["error"]
    assert message in error["message"] and "Traceback" not in error["message"] and "\n" not in error["message"]


def test_an_article_the_reader_refuses_answers_its_error_record(server):
    status, _, answer = server.request("POST", "/v1/annotate?source=s", '{"id": "x1", "title": "只有标题"}',
                                       {"Content-Type": "application/json"})
    assert status == 422 and json.loads(answer)["error"]["type"] == "Unprocessable"


@pytest.mark.parametrize("method, path, status", [("GET", "/v1/annotate", 405), ("DELETE", "/v1/model", 405),
                                                  ("GET", "/v1/nothing", 404), ("GET", "/favicon.ico", 404)])
def test_unknown_paths_and_methods_are_json_errors(server, method, path, status):
    got, _, answer = server.request(method, path)
    assert got == status and json.loads(answer)["error"]["message"]


def test_health_and_model_cards(server):
    status, headers, body = server.request("GET", "/v1/health", headers={"X-Request-ID": "probe-42"})
    health = json.loads(body)
    assert status == 200 and headers["x-request-id"] == "probe-42"
    assert health["status"] == "ok" and health["model"]["name"] == "zh-news-default"
    cards = json.loads(server.request("GET", "/v1/model")[2])
    assert cards["category"]["labels"] and cards["keywords"]["method"] == "combined"
    assert cards["keywords"]["ranker"]["features"] and "coef" not in cards["keywords"]["ranker"]
    assert cards["settings"]["top_k"] == 10


def test_the_log_names_requests_by_id_and_size_only(server):
    secret = "机密线索甲乙丙"
    status, headers, _ = server.request("POST", "/v1/annotate?id=" + _query(x=secret)[2:],
                                        json.dumps({"title": secret, "text": secret + "。"}, ensure_ascii=False),
                                        {"Content-Type": "application/json", "X-Request-ID": "log-check-1"})
    assert status == 200
    for _ in range(100):  # the line is written just after the answer is sent
        log = server.log()
        if "request log-check-1 " in log:
            break
        time.sleep(0.05)
    assert "request log-check-1 " in log and " bytes -> 200 " in log
    assert secret not in log and "%E6%9C%BA" not in log and "id=" not in log


def test_the_openapi_document_names_every_route_and_the_record_schema(server):
    document = json.loads(server.request("GET", "/openapi.json")[2])
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/v1/annotate", "/v1/annotate/batch", "/v1/health", "/v1/model", "/openapi.json", "/"}
    assert document["paths"]["/v1/annotate"]["post"]["security"]  # this server has a key
    assert "keywords" in document["components"]["schemas"]["annotation"]["properties"]
    assert "#/$defs/" not in json.dumps(document)


def test_a_missing_model_stops_the_command_with_a_message_before_serving(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "cli.py"), "serve", "--port", "0", "--model", str(tmp_path / "absent")],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "absent" in done.stderr and "Traceback" not in done.stderr


def test_the_server_binds_loopback_by_default(server):
    assert any("Uvicorn running on http://127.0.0.1:" in line for line in server.lines)


@pytest.mark.parametrize("depth", [50, 900, 5000])
@pytest.mark.parametrize("path, wrap", [("/v1/annotate", lambda v: {"text": "正文", "meta": v}),
                                        ("/v1/annotate/batch", lambda v: [{"text": "正文", "meta": v}])])
def test_deeply_nested_json_is_refused_or_kept_never_a_server_error(server, path, wrap, depth):
    body = json.dumps(wrap(0)).replace("0", "[" * depth + "]" * depth, 1)
    status, _, answer = server.request("POST", path, body, {"Content-Type": "application/json"})
    assert status in (200, 400, 422)
    assert json.loads(answer.decode("utf-8").splitlines()[0])


def test_two_workers_each_load_the_pipeline_and_stop_on_sigterm():
    from serve.served import start_server

    served = start_server("--workers", "2", "--model", "none")
    try:
        pids = set()
        for _ in range(600):
            try:
                status, _, body = served.request("GET", "/v1/health", key=None)
            except ConnectionRefusedError:  # the parent logs its address before a worker listens
                time.sleep(0.1)
                continue
            if status == 200:
                pids.add(json.loads(body)["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2
        status, _, body = served.request("POST", "/v1/annotate", "标题\n正文", {"Content-Type": "text/plain"}, key=None)
        assert status == 200 and json.loads(body)["category"] is None
    finally:
        served.stop()
    assert served.process.returncode == 0
