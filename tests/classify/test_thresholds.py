"""When annotation leaves category.label null: the model card's min_score and min_chars, unless Settings override them."""

from dataclasses import replace

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.classify.model import Model, chinese_characters
from nlp.doc import Article
from nlp.pipeline import Pipeline
from nlp.settings import Settings

ARTICLES = [
    Article(id="long", source="t", title="球队获胜", body="前锋在比赛中进球，球队在主场获胜，比赛结束。", is_html=False),
    Article(id="image", source="t", title="球队获胜", body='<p><img src="a.jpg"></p>', is_html=True),  # image only
]


@pytest.mark.parametrize("text, count", [("", 0), ("abc 123", 0), ("球队获胜", 4), ("5G 网络覆盖全国。", 6), ("台積電", 3)])
def test_chinese_characters_counts_han_only(text, count):
    assert chinese_characters(text) == count


@pytest.mark.parametrize("limit", [0, 1, 3, 6, 10])
def test_counting_chinese_characters_stops_at_the_limit(limit):
    assert chinese_characters("5G 网络覆盖全国。", limit) == min(limit, 6)


# The readable reference of the compiled count: the Han ranges as a regular expression.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
EDGES = "\u33ff\u3400\u4dbf\u4dc0\u4dff\u4e00\u9fff\ua000\uf8ff\uf900\ufaff\ufb00𠀀a5 。"


@pytest.mark.parametrize("char", EDGES)
def test_each_side_of_each_han_range_is_counted_as_the_reference_counts_it(char):
    assert chinese_characters(char) == len(HAN.findall(char))


@given(st.text(st.sampled_from(EDGES) | st.characters()), st.none() | st.integers(0, 30))
def test_chinese_characters_counts_what_the_han_ranges_match(text, limit):
    expected = len(HAN.findall(text))
    assert chinese_characters(text, limit) == (expected if limit is None else min(limit, expected))


@pytest.mark.parametrize(
    "card, given, expected",
    [
        ({}, (None, None), (0.0, 0)),  # an old card: always label
        ({"min_score": 0.4, "min_chars": 8}, (None, None), (0.4, 8)),
        ({"min_score": 0.4, "min_chars": 8}, (0.0, 0), (0.0, 0)),  # settings win
    ],
)
def test_thresholds_come_from_settings_else_the_card(tiny_model, card, given, expected):
    assert replace(tiny_model, card=card).thresholds(*given) == expected


@pytest.mark.parametrize(
    "card, options, labelled",
    [
        ({}, Settings(top_k=0), [True, True]),
        ({"min_chars": 10}, Settings(top_k=0), [True, False]),  # the image-only post has no text, only its title
        ({"min_chars": 10}, Settings(top_k=0, min_chars=0), [True, True]),
        ({"min_score": 1.0}, Settings(top_k=0), [False, False]),
        ({"min_score": 1.0}, Settings(top_k=0, min_score=0.0), [True, True]),
    ],
)
def test_annotation_leaves_the_label_null_below_the_thresholds_but_keeps_top(tiny_model, card, options, labelled):
    model = Model(tiny_model.pipeline, {**tiny_model.card, **card}, tiny_model.trained_on)
    records = [doc.to_dict() for doc in Pipeline(options, model).annotate_batch(ARTICLES)]
    assert [r["category"]["label"] is not None for r in records] == labelled
    assert all(r["category"]["top"] and r["category"]["top"][0]["label"] == "体育" for r in records)
