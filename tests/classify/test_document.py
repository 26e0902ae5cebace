"""The classifier's view of a labelled text: a headline that the body's cleaning rules would drop stays."""

import pytest

from nlp.doc import Article


def _document(pipeline, body: str, title: str = "", is_html: bool = False) -> str:
    return pipeline.document(Article(id="x", source="x", title=title, body=body, is_html=is_html))


@pytest.mark.parametrize("headline, kept", [  # (a headline's picture mark, 某某(组图), no longer reads as one)
    ("暴雨过后城区积水严重，市民供图", "积水"),
    ("新款手机发布会现场（记者王明摄）", "发布会"),
])
def test_a_headline_that_reads_like_a_photo_caption_is_kept(pipeline, headline, kept):
    assert pipeline.prepare(Article(id="x", source="x", body=headline, is_html=False)).text == ""  # the body rule
    document = _document(pipeline, headline)
    assert kept in document.split()
    assert document == _document(pipeline, "", title=headline)  # read as the title it is


@pytest.mark.parametrize("caption", ["比赛结束后球员合影，记者张强摄", "市场一角，记者李华摄"])
def test_a_caption_under_a_paragraph_is_still_dropped(pipeline, caption):
    body = f"本赛季联赛今天收官，主队在主场以二比一战胜对手，夺得冠军。\n{caption}"
    document = _document(pipeline, body)
    assert "冠军" in document.split()
    assert document == _document(pipeline, body.split("\n")[0])


def test_an_empty_text_stays_empty(pipeline):
    assert _document(pipeline, "   ") == ""
