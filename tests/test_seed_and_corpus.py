"""The seed article (the format's definition, from ../shared) and the sample corpus in corpus/."""

import json

import jsonschema
import pytest
from typer.testing import CliRunner

from cli import app
from conftest import REPO, SEED
from nlp.pipeline import load_schema

runner = CliRunner()


@pytest.mark.skipif(not SEED.exists(), reason="the seed article in ../shared/seeds is absent")
def test_seed_article_annotates_as_specified():
    result = runner.invoke(app, ["annotate", str(SEED)])
    assert result.exit_code == 0, result.output
    [line] = [l for l in result.stdout.splitlines() if l.startswith("{")]
    record = json.loads(line)
    jsonschema.validate(record, load_schema())
    assert record["title"] == "中国算力核心产业规模超1.5万亿，加快为制造业赋能"
    assert record["date"] == "2022-07-30T08:20:42+00:00"
    assert record["editor"] == "郭建"
    assert record["keywords"][0]["word"] == "算力"
    for junk in ["海量资讯", "责任编辑", "appendQr", "&#123;", "{", "<", "news_keyword"]:
        assert junk not in record["text"]
    assert record["text"].startswith("工信部副部长张云明") and record["text"].count("\n") == 8


def test_sample_corpus_annotates_without_failures(tmp_path):
    out = tmp_path / "demo.jsonl"
    result = runner.invoke(app, ["annotate", str(REPO / "corpus"), "-o", str(out), "--model", "none"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    schema = load_schema()
    for record in records:
        jsonschema.validate(record, schema)
    assert len(records) >= 12
    languages = {r["language"] for r in records}
    assert {"zh-Hans", "zh-Hant", "ja", "en"} <= languages
    editors = {r["editor"] for r in records} - {None}
    assert {"李明", "王强"} <= editors
    for record in records:
        for junk in ["海量资讯", "查看知乎", "36氪经授权发布", "文章纠错", "话题标签", "&#123;", "<p", "var tracker"]:
            assert junk not in record["text"], (record["id"], junk)
