import pytest

from conftest import records

from nlp.pipeline import Pipeline
from nlp.doc import Article, Doc
from nlp.settings import Settings
from nlp.text.simplify import Converted, Simplifier

TITLE = "台積電擴大先進製程投資"
TEXT = "台積電宣佈將擴大先進製程的投資，這項計畫預計帶動供應鏈成長。供應鏈廠商也將同步擴產。"


def test_conversion_keeps_every_character_in_place():
    converted = Simplifier().convert(TITLE, TEXT)
    assert converted is not None
    assert len(converted.simplified) == len(converted.original) and converted.title == "台积电扩大先进制程投资"
    assert converted.text.startswith("台积电宣布将扩大先进制程")


@pytest.mark.parametrize("word, shown", [("供应链", "供應鏈"), ("先进制程", "先進製程"), ("不在文中", "不在文中")])
def test_words_are_restored_to_the_articles_characters(word, shown):
    assert Simplifier().convert(TITLE, TEXT).restore(word) == shown


def test_a_title_with_a_line_break_is_not_converted():
    assert Simplifier().convert("上行\n下行", TEXT) is None
    assert Converted("甲\n乙", "甲\n乙").restore("乙") == "乙"


@pytest.mark.parametrize("simplify", [True, False])
def test_traditional_articles_get_whole_words_as_keywords(simplify):
    pipeline = Pipeline(Settings(simplify_traditional=simplify, top_k=8))
    [record] = records(pipeline.annotate_batch([Article(id="t", source="t", title=TITLE, body=TEXT, is_html=False)]))
    words = [k["word"] for k in record["keywords"]]
    assert record["language"] == "zh-Hant" and record["text"] == TEXT  # shown as written either way
    assert all(word in TITLE + TEXT for word in words)
    assert ("供應鏈" in words) is simplify  # segmented as Simplified it is one word; as written, 帶動供|應鏈


def test_a_story_in_both_scripts_gets_one_signature():
    pipeline = Pipeline(Settings())
    converted = Simplifier().convert(TITLE, TEXT)
    both = [Article(id="t", source="t", title=TITLE, body=TEXT, is_html=False),
            Article(id="s", source="s", title=converted.title, body=converted.text, is_html=False)]
    traditional, simplified = pipeline.signature_batch(both)
    assert (traditional.signature == simplified.signature).all()


def test_annotation_records_of_one_story_in_both_scripts_are_duplicates():
    from nlp.jobs.dedup import Deduper

    converted = Simplifier().convert(TITLE, TEXT)
    deduper = Deduper()
    assert deduper.duplicate_of(Doc(id="t", source="t", title=TITLE, text=TEXT)) is None
    assert deduper.duplicate_of(Doc(id="s", source="s", title=converted.title, text=converted.text)) == "t"
