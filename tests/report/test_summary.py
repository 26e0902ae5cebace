from nlp.jobs.runner import chunked
from nlp.doc import from_record
from nlp.report.summary import summarize


def test_summary_counts_articles_errors_languages_categories_and_shared_keywords():
    records = [
        {"title": "t", "language": "zh-Hans", "category": {"label": "体育"}, "keywords": [{"word": "比赛"}, {"word": "球队"}]},
        {"title": "t", "language": "zh-Hans", "category": {"label": "体育"}, "keywords": [{"word": "比赛"}]},
        {"title": "t", "language": "en", "category": None, "keywords": [{"word": "database"}]},
        {"error": {"type": "InputError", "message": "binary file"}},
    ]
    lines = summarize(map(from_record, records)).lines()
    assert lines == [
        "3 articles annotated, 1 failed",
        "languages: zh-Hans 2, en 1",
        "categories: 体育 2, (none) 1",
        "keywords shared by several articles: 比赛 2",
    ]


def test_chunked_keeps_order_and_the_remainder():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunked([], 3)) == []
