"""Issue 18: the report's leading and rising people, companies and places per group, in every format."""

import json

import pytest

from nlp.doc import from_record
from nlp.report.tally import ENTITY_KINDS, ReportOptions, Tally, build_report, summarise
from nlp.report.render import render


def entity(text, kind, start=0, field="text"):
    return {"text": text, "type": kind, "start": start, "end": start + len(text), "field": field}


def record(entities, *, label="财经", date="2022-07-12T08:00:00+00:00", schema="1.1"):
    data = {"schema_version": schema, "id": "x", "source": "x", "date": date, "language": "zh-Hans",
            "categories": ["金融", "某站", "国内"], "category": {"label": label, "score": 0.9, "top": []},
            "keywords": [{"word": "市场", "score": 1.0}]}
    if entities is not None:
        data["entities"] = entities
    return from_record(data)


def corpus():
    """Week 27: 华为 in 1 of 8 finance articles; week 28: in 7 of 8.  王伟 steady; 深圳 in the title and
    twice in the text of the same article (one article, three mentions); 国务院 (government) and
    新华社 (ORG) are not companies; 梅西 leads sport."""
    out = []
    for i in range(8):
        early = [entity("王伟", "name"), entity("深圳", "address", 5)] + ([entity("华为", "company", 9)] if i == 0 else [])
        late = [entity("王伟", "name"), entity("国务院", "government", 3), entity("新华社", "ORG", 7)] \
            + ([entity("华为", "company", 9)] if i < 7 else [])
        out.append(record(early, date=f"2022-07-0{4 + i % 3}T08:00:00+00:00"))
        out.append(record(late, date=f"2022-07-1{1 + i % 3}T08:00:00+00:00"))
    out.append(record([entity("深圳", "address", 0, "title"), entity("深圳", "address"), entity("深圳", "address", 6),
                       entity("北京", "LOC", 9), entity("张三", "PER", 12)]))
    out += [record([entity("梅西", "name"), entity("巴塞罗那", "scene", 3)], label="体育") for _ in range(3)]
    return out


def test_leading_entities_per_group_count_articles_then_mentions():
    report = build_report(corpus(), ReportOptions(by="category"))
    people = report.entities["people"]
    assert [(s.text, s.documents) for s in people["财经"]] == [("王伟", 16), ("张三", 1)]
    assert [(s.text, s.documents, s.share) for s in people["体育"]] == [("梅西", 3, 1.0)]
    assert [(s.text, s.documents) for s in report.entities["companies"]["财经"]] == [("华为", 8)]
    places = {s.text: s for s in report.entities["places"]["财经"]}
    assert (places["深圳"].documents, places["深圳"].mentions) == (9, 11)  # 8 articles once, one article three times
    assert "北京" in places and [s.text for s in report.entities["places"]["体育"]] == ["巴塞罗那"]
    assert report.entity_articles == report.articles == 20


@pytest.mark.parametrize("text", ["国务院", "新华社"])
def test_organisations_and_government_are_not_companies(text):
    report = build_report(corpus(), ReportOptions())
    assert all(s.text != text for kind in ENTITY_KINDS for stats in report.entities[kind].values() for s in stats)


def test_rising_companies_by_log_likelihood():
    report = build_report(corpus(), ReportOptions(period="week", min_count=3))
    (before, after, trends), = report.entity_trends["companies"]
    assert (before, after) == ("2022-W27", "2022-W28")
    assert trends[0].word == "华为" and trends[0].direction == "rising" and (trends[0].before, trends[0].after) == (1, 7)
    assert all(t.word != "王伟" or t.llr < trends[0].llr for t in report.entity_trends["people"][0][2])


@pytest.mark.parametrize("fmt, expected", [
    ("md", ["## People, companies and places", "| 1 | 王伟 (16) | 华为 (8) | 深圳 (9) |", "| companies | 华为 | 1 | 7 |"]),
    ("html", ["People, companies and places per group", "<td>王伟 (16)</td><td>华为 (8)</td><td>深圳 (9)</td>",
              "<td>companies</td><td>华为</td>"]),
])
def test_every_format_shows_the_entities(fmt, expected):
    page = render(build_report(corpus(), ReportOptions(period="week")), fmt)
    for text in expected:
        assert text in page


def test_json_has_leading_and_rising_entities():
    data = json.loads(render(build_report(corpus(), ReportOptions(period="week")), "json"))["entities"]
    assert data["articles_with_entities"] == 20
    assert data["top"]["companies"]["财经"] == [{"text": "华为", "documents": 8, "share": 0.4706, "mentions": 8}]
    rising = data["trends"]["companies"][0]
    assert (rising["from"], rising["to"]) == ("2022-W27", "2022-W28")
    assert rising["entities"][0]["text"] == "华为" and rising["entities"][0]["direction"] == "rising"


@pytest.mark.parametrize("entities", [None, []])
def test_records_without_entities_still_report_and_say_why(entities):
    old = [record(entities, schema="1.0", date=f"2022-07-{4 + 7 * (i % 2):02d}T08:00:00+00:00") for i in range(6)]
    report = build_report(old, ReportOptions())
    assert report.articles == 6 and report.entity_articles == 0
    for fmt in ("md", "html"):
        page = render(report, fmt)
        assert "None of the 6 articles has entities" in page and "schema 1.1" in page
    assert json.loads(render(report, "json"))["entities"]["articles_with_entities"] == 0


def test_a_merged_tally_equals_one_pass():
    docs = corpus()
    whole, first, second = Tally(ReportOptions()), Tally(ReportOptions()), Tally(ReportOptions())
    for doc in docs:
        whole.add(doc)
    for i, doc in enumerate(docs):
        (first if i % 2 else second).add(doc)
    first.merge(second)
    assert summarise(first) == summarise(whole)


def test_html_cards_show_ten_entities_a_group_markdown_and_json_all():
    many = [record([entity(f"人物{i:02d}", "name")]) for i in range(15)]
    report = build_report(many, ReportOptions())
    page, markdown = render(report, "html"), render(report, "md")
    assert "人物09 (1)" in page and "人物10" not in page
    assert "人物14 (1)" in markdown and len(json.loads(render(report, "json"))["entities"]["top"]["people"]["财经"]) == 15
