"""Issue 15 item 9: what cleaning takes off a re-post's text lands in the record's ``extra``."""

import jsonschema
import pytest

from nlp.pipeline import Pipeline, load_schema
from nlp.doc import Article
from nlp.settings import Settings


def _article(body: str, extra: dict) -> Article:
    return Article(id="a1", source="a1.md", title="湖边书店周末开业", body=body, date=None,
                   categories=("金融", "某财经", "国内"), author=None, extra=extra)


@pytest.mark.parametrize("extra, expected", [
    ({}, {"original_title": "湖边新开一家书店", "source_name": "某某晨报"}),
    ({"source_name": "feed"}, {"source_name": "feed", "original_title": "湖边新开一家书店"}),  # the input's own wins
])
def test_source_and_original_title_are_kept_in_extra(extra, expected):
    body = "<p>湖边书店周末开业</p><p>原标题：湖边新开一家书店</p><p>来源：某某晨报</p><p>书店周末开业，读者排队入场。</p>"
    [doc] = Pipeline(Settings(top_k=0), None).annotate_batch([_article(body, extra)])
    record = doc.to_dict()
    assert record["text"] == "书店周末开业，读者排队入场。"
    assert record["extra"] == expected
    jsonschema.validate(record, load_schema())
